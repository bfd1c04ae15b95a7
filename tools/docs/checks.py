"""Checks that keep the docs true to the code: settings and commands named in a page must exist.

Used by the site's hook (a page that fails them fails `mkdocs build --strict`) and by
tests/docs/test_named.py (which also reads README.md).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tools.docs.reference import chat_commands, cli_parser, option_strings

ROOT = Path(__file__).resolve().parents[2]
# Environment variables that look like the bot's settings: the bot's own and the Slack ones it reads.
SETTING = re.compile(r"\b(?:CME|SLACK)_[A-Z0-9_]*[A-Z0-9]\b")
# What reads an environment variable in the test harness (tests/, .ci/run): os.environ.get("X"), export X=...
ENV_READ = re.compile(r"""(?:environ(?:\.get)?\s*[\[(]\s*|getenv\(\s*)["']([A-Z][A-Z0-9_]+)["']""")
ENV_EXPORT = re.compile(r"\bexport\s+([A-Z][A-Z0-9_]+)=")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
CLI_CALL = re.compile(r"(?:^|(?<=[\s/(]))cme-bot\s+([a-z][a-z0-9-]*)((?:\s+[^\s|;&>#]+)*)")
CHAT_CALL = re.compile(r"(?<![\w/])/cme\s+([a-z][a-z0-9-]*)")


def settings() -> set[str]:
    """The environment variables the bot reads (bot/config.py's Settings) or the test harness reads."""
    from bot.config import Settings

    names = {str(field.validation_alias) for field in Settings.model_fields.values() if field.validation_alias}
    for path in [*ROOT.joinpath("tests").rglob("*.py"), ROOT / ".ci" / "run"]:
        text = path.read_text(encoding="utf-8")
        names |= set(ENV_READ.findall(text)) | set(ENV_EXPORT.findall(text))
    return names


def settings_named(text: str) -> set[str]:
    """The setting-like environment variables a page names."""
    return set(SETTING.findall(text))


@dataclass(frozen=True)
class Named:
    """A command as a page writes it: `cme-bot export cases --as ...` or `/cme close`."""

    words: tuple[str, ...]  # ("cme-bot", "export", "cases", ...) or ("/cme", "close")
    options: tuple[str, ...] = ()

    def __str__(self) -> str:
        return " ".join(self.words)


def code_of(text: str) -> Iterator[str]:
    """The page's code: fenced blocks, then inline code spans outside them."""
    yield from FENCE.findall(text)
    yield from CODE_SPAN.findall(FENCE.sub("", text))


def commands_named(text: str) -> Iterator[Named]:
    """Every `cme-bot ...` and `/cme ...` the page writes as code (prose mentions are left alone)."""
    for code in code_of(text):
        for line in code.replace("\\|", "/").splitlines():  # `a\|b` in a table cell is `a|b`
            for match in CLI_CALL.finditer(line):
                rest = match.group(2).split()
                words = [match.group(1), *(w for w in rest[:1] if re.fullmatch(r"[a-z][a-z0-9-]*", w))]
                flags = tuple(_flag(token) for token in rest if _flag(token))
                yield Named(("cme-bot", *words), flags)
            for match in CHAT_CALL.finditer(line):
                yield Named(("/cme", match.group(1)))


def unknown_commands(
    named: list[Named], parser: argparse.ArgumentParser | None = None, chat: dict | None = None
) -> list[str]:
    """What is wrong with each named command: a subcommand, an action or an option the code lacks."""
    parser = parser or cli_parser()
    chat = chat if chat is not None else chat_commands()
    problems = []
    for command in named:
        if command.words[0] == "/cme":
            if command.words[1] not in chat:
                problems.append(f"`{command}`: there is no /cme {command.words[1]} (handlers/commands.py)")
            continue
        problems.extend(_cli_problems(parser, command))
    return sorted(set(problems))


def unknown_settings(text: str, known: set[str]) -> list[str]:
    """The settings a page names that the bot no longer has."""
    return sorted(settings_named(text) - known)


def _cli_problems(parser: argparse.ArgumentParser, command: Named) -> list[str]:
    words = list(command.words[1:])
    current, said = parser, "cme-bot"
    while words:
        choices = _choices(current)
        if choices is None:  # no subcommands here: the rest are arguments
            break
        word = words.pop(0)
        if word not in choices:
            return [f"`{command}`: {said} has no subcommand {word!r} (bot/cli/)"]
        current, said = choices[word], f"{said} {word}"
    if _choices(current) is not None:
        return []  # `cme-bot keys` alone, as prose names a family of commands
    allowed = option_strings(current)
    return [f"`{command}`: {said} has no option {flag}" for flag in command.options if flag not in allowed]


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser] | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return None


def _flag(token: str) -> str | None:
    """`--as`, from `--as`, `[--as`, `(--child`, `--format=csv` or `--json]`; None for anything else."""
    match = re.match(r"[\[(]*(--?[a-z][a-z0-9-]*)", token)
    return match.group(1) if match else None
