"""mkdocs hooks (mkdocs.yml `hooks:`): the reference pages from the code, and the checks that fail the build.

- A page with `<!-- reference: cli -->` or `<!-- reference: chat -->` gets the `cme-bot` command's
  subcommands and options (from bot/cli/main.py's parser), or the `/cme` commands (from the
  router's command table), in place of the marker.
- A page, or README.md, naming a setting the bot no longer reads (CME_..., SLACK_...) fails the build,
  as does a setting of bot/config.py's Settings that docs/reference/settings.md does not name.
- A page writing a `cme-bot` subcommand or option, or a `/cme` command, that does not exist fails it.
- A built page that would fetch anything from another host (fonts, scripts, analytics) fails it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # mkdocs loads this file by path; the checks live beside it in tools/docs
    sys.path.insert(0, str(ROOT))

from tools.docs import checks, offline, reference  # noqa: E402

MARKERS = {"<!-- reference: cli -->": reference.cli_markdown, "<!-- reference: chat -->": reference.chat_markdown}
SETTINGS_PAGE = "reference/settings.md"
_seen: dict[str, set[str]] = {}  # per build: the settings each page names
_known: dict[str, object] = {}  # per build: the settings, the parser and the /cme commands, read once


def on_pre_build(config) -> None:
    """Read the code afresh (mkdocs serve rebuilds in one process), and check the README too."""
    _seen.clear()
    _known.update(settings=checks.settings(), parser=reference.cli_parser(), chat=reference.chat_commands())
    _check((ROOT / "README.md").read_text(encoding="utf-8"), "README.md")


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Fill in the generated reference, then check what the page names against the code."""
    for marker, build in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, build())
    _check(markdown, page.file.src_uri)
    return markdown


def on_post_build(config) -> None:
    """Every setting is on the settings page, and no built page fetches from elsewhere."""
    from bot.config import Settings

    aliases = {str(f.validation_alias) for f in Settings.model_fields.values() if f.validation_alias}
    missing = sorted(aliases - _seen.get(SETTINGS_PAGE, set()))
    if missing:
        raise PluginError(f"{SETTINGS_PAGE} does not describe these settings of bot/config.py: {', '.join(missing)}")
    fetches = offline.external_fetches(Path(config["site_dir"]))
    if fetches:
        raise PluginError("the built site would fetch from other hosts:\n  " + "\n  ".join(fetches))


def _check(markdown: str, name: str) -> None:
    """Raise naming every setting, command and option `name` mentions that the code no longer has."""
    _seen[name] = checks.settings_named(markdown) | _aliases_named(markdown)
    problems = [
        f"names the setting {setting}, which the bot no longer reads (bot/config.py)"
        for setting in checks.unknown_settings(markdown, _known["settings"])
    ]
    problems += checks.unknown_commands(list(checks.commands_named(markdown)), _known["parser"], _known["chat"])
    if problems:
        raise PluginError(f"{name}:\n  " + "\n  ".join(problems))


def _aliases_named(markdown: str) -> set[str]:
    """The Teams settings (MicrosoftAppId, ...) the page names: they have no CME_ prefix to find them by."""
    from bot.config import Settings

    return {str(f.validation_alias) for f in Settings.model_fields.values() if str(f.validation_alias) in markdown}
