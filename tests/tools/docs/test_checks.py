"""The docs checks catch what has drifted from the code: a command, an option, a setting."""

from __future__ import annotations

from tools.docs import checks


def problems(markdown: str) -> list[str]:
    return checks.unknown_commands(list(checks.commands_named(markdown)))


def test_a_real_command_with_its_options_passes() -> None:
    page = """
Run `cme-bot export cases --as cme-officer --format xlsx --out c.xlsx --reason review` or:

```sh
.venv/bin/cme-bot audit verify --json --against copy.jsonl   # a comment with --not-an-option
/cme close CME-2026-0042 moved_other_la
```

| `cme-bot sar --as USER (--child REF\\|CHILD_ID \\| --person USER) --out DIR` | a table cell |
"""
    assert problems(page) == []


def test_a_missing_subcommand_action_option_or_chat_command_is_named() -> None:
    page = "`cme-bot frobnicate` `cme-bot keys spin` `cme-bot cases --as x --everything` `/cme vanish REF`"
    assert problems(page) == [
        "`/cme vanish`: there is no /cme vanish (handlers/commands.py)",
        "`cme-bot cases`: cme-bot cases has no option --everything",
        "`cme-bot frobnicate`: cme-bot has no subcommand 'frobnicate' (bot/cli/)",
        "`cme-bot keys spin`: cme-bot keys has no subcommand 'spin' (bot/cli/)",
    ]


def test_prose_is_not_read_as_a_command() -> None:
    """Only code is checked: 'the cme-bot command' and 'cme-bot.db' in prose are not subcommands."""
    assert problems("The cme-bot command and cme-bot.db; the /cme commands page.") == []


def test_an_option_after_a_placeholder_is_the_subcommands() -> None:
    assert problems("`cme-bot find --as USER --name N --json`") == []
    assert problems("`cme-bot find --as USER --nickname N`") == [
        "`cme-bot find`: cme-bot find has no option --nickname"
    ]


def test_a_setting_the_bot_no_longer_reads_is_named() -> None:
    known = checks.settings()
    assert {"CME_DATABASE_URL", "SLACK_SIGNING_SECRET", "MicrosoftAppId", "CME_REQUIRE_POSTGRES"} <= known
    text = "Set `CME_DATABASE_URL`, `CME_DATABASE_POOL` and SLACK_CLIENT_ID."
    assert checks.unknown_settings(text, known) == ["CME_DATABASE_POOL", "SLACK_CLIENT_ID"]
