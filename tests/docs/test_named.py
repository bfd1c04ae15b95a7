"""Every command, option and setting the README and the docs name exists in the code.

The same checks fail the site's build (tools/docs/hooks.py); this test runs them with `make test`, on the
README too, so a renamed option or command is caught before anyone builds the site.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.docs import checks

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *ROOT.joinpath("docs").rglob("*.md")])


@pytest.fixture(scope="module")
def code():
    """The parser, the /cme table and the settings, read once."""
    return checks.cli_parser(), checks.chat_commands(), checks.settings()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_and_option_named_exists(page: Path, code) -> None:
    parser, chat, _ = code
    named = list(checks.commands_named(page.read_text(encoding="utf-8")))
    assert checks.unknown_commands(named, parser, chat) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_setting_named_exists(page: Path, code) -> None:
    assert checks.unknown_settings(page.read_text(encoding="utf-8"), code[2]) == []


def test_the_pages_name_the_commands_people_use(code) -> None:
    """Not vacuous: the README and the guides do name commands, and the reader's pages name the /cme ones."""
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    named = {str(command) for command in checks.commands_named(text)}
    for command in (
        "/cme report",
        "/cme cases",
        "/cme close",
        "cme-bot doctor",
        "cme-bot backup",
        "cme-bot keys rotate",
    ):
        assert command in named


def test_readme_is_short_and_sends_each_reader_to_their_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    for page in (
        "raising-a-concern",
        "officer-guide",
        "deploying",
        "data-protection",
        "operations",
        "benchmarks",
        "architecture",
        "reference/cli",
        "reference/chat-commands",
    ):
        assert f"](docs/{page}.md" in readme, page
