"""The reference pages' text, read from the code: the `cme-bot` parser and the `/cme` command table.

The site's hook (tools/docs/hooks.py) puts this text into docs/reference/*.md when the site is
built, so a new subcommand, option or chat command appears in the docs without anyone editing them.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

USAGE_WIDTH = 96  # the usage lines as a terminal about this wide shows them; code blocks on the site fit it


def cli_parser() -> argparse.ArgumentParser:
    """The `cme-bot` parser, as the console script builds it."""
    from bot.cli.main import build_parser  # the project's import, kept out of module import (mkdocs loads this)

    return build_parser()


def chat_commands() -> dict:
    """The router's command table ({name: CommandSpec}), as every channel uses it."""
    from sqlalchemy import create_engine

    from handlers.commands import build_router
    from handlers.core import Core
    from handlers.knowledge.profile import load_profile

    # Building the router registers the commands; nothing touches this empty in-memory database.
    return build_router(Core(engine=create_engine("sqlite://"), profile=load_profile(None))).commands


def subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[list[str], argparse.ArgumentParser, str]]:
    """Every subcommand under `parser`, depth first: (its words, its parser, its one-line help)."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
        for name, child in action.choices.items():
            yield [name], child, helps.get(name, "")
            for words, grandchild, text in subcommands(child):
                yield [name, *words], grandchild, text


def options(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    """The parser's arguments as (how to write it, what it does), `-h` left out."""
    formatter = parser._get_formatter()
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        rows.append((_written(action), _help(formatter, action)))
    return rows


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    """Every option the parser takes (`--as`, `-n`, ...), `--help` included."""
    return {flag for action in parser._actions for flag in action.option_strings}


def usage(parser: argparse.ArgumentParser) -> str:
    """The parser's usage line, wrapped at USAGE_WIDTH whatever the terminal."""
    formatter = parser.formatter_class(prog=parser.prog, width=USAGE_WIDTH)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)
    return formatter.format_help().strip()


def cli_markdown() -> str:
    """The `cme-bot` reference: each subcommand's usage and options."""
    parser = cli_parser()
    lines = [f"```\n{usage(parser)}\n```", ""]
    for words, child, text in subcommands(parser):
        if any(isinstance(a, argparse._SubParsersAction) for a in child._actions):
            lines += [f"## cme-bot {' '.join(words)}", "", _sentence(text), ""]
            continue
        level = "##" if len(words) == 1 else "###"
        lines += [f"{level} cme-bot {' '.join(words)}", "", _sentence(text), "", f"```\n{usage(child)}\n```", ""]
        rows = options(child)
        if rows:
            lines += ["| option | what it does |", "|---|---|"]
            lines += [f"| `{written}` | {_cell(said)} |" for written, said in rows]
            lines.append("")
    return "\n".join(lines)


def chat_markdown() -> str:
    """The `/cme` reference: every command in the router's table, by who may use it."""
    commands = chat_commands().values()
    lines: list[str] = []
    for title, staff in (("For everyone", False), ("For CME officers and managers", True)):
        lines += [f"## {title}", "", "| command | what it does |", "|---|---|"]
        rows = [spec for spec in commands if spec.staff_only == staff]
        lines += [f"| `/cme {spec.name}` | {_cell(_unprefixed(spec.help))} |" for spec in rows]
        lines.append("")
    return "\n".join(lines)


def _written(action: argparse.Action) -> str:
    if not action.option_strings:
        return action.metavar or action.dest.upper()
    flags = ", ".join(action.option_strings)
    if action.nargs == 0:
        return flags
    if action.choices is not None and action.metavar is None:
        return f"{flags} {{{','.join(str(c) for c in action.choices)}}}"
    return f"{flags} {action.metavar or action.dest.upper()}"


def _help(formatter: argparse.HelpFormatter, action: argparse.Action) -> str:
    said = formatter._expand_help(action) if action.help else ""
    if not said and action.default not in (None, False, argparse.SUPPRESS):
        said = f"default: {action.default}"
    if action.required and action.option_strings:
        said = f"{said} (required)" if said else "(required)"
    return said


def _unprefixed(text: str) -> str:
    """The help without its 'officers: ' prefix (the page already says who may use it)."""
    head, sep, rest = text.partition(": ")
    return rest if sep and head.lower() == "officers" else text


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", ")")) else ".")) if text else ""


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")
