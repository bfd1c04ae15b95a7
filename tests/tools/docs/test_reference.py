"""The reference pages are read from the code: every subcommand, option and /cme command is on them."""

from __future__ import annotations

import argparse

from tools.docs import reference


def test_every_subcommand_and_option_is_on_the_cli_page() -> None:
    page = reference.cli_markdown()
    parser = reference.cli_parser()
    subcommands = list(reference.subcommands(parser))
    assert len(subcommands) >= 20
    for words, child, _ in subcommands:
        assert f"cme-bot {' '.join(words)}\n" in page
        for action in child._actions:
            if action.help == argparse.SUPPRESS:  # hidden on purpose (--help doesn't show it either)
                continue
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert f"`{flag}" in page or f", {flag}" in page, (words, flag)


def test_a_new_option_appears_without_editing(monkeypatch) -> None:
    """The page follows the parser: an option added to a subcommand is listed with its help."""
    real = reference.cli_parser

    def with_extra() -> argparse.ArgumentParser:
        parser = real()
        cases = next(child for words, child, _ in reference.subcommands(parser) if words == ["cases"])
        cases.add_argument("--overdue-only", action="store_true", help="only cases with a step overdue")
        return parser

    monkeypatch.setattr(reference, "cli_parser", with_extra)
    assert "| `--overdue-only` | only cases with a step overdue |" in reference.cli_markdown()


def test_every_chat_command_is_on_the_chat_page_under_who_may_use_it() -> None:
    page = reference.chat_markdown()
    everyone, staff = page.split("## For CME officers and managers")
    for name, spec in reference.chat_commands().items():
        assert f"`/cme {name}`" in (staff if spec.staff_only else everyone), name
    assert "`/cme report`" in everyone and "`/cme close`" in staff


def test_a_pipe_in_help_does_not_break_the_table() -> None:
    rows = [line for line in reference.chat_markdown().splitlines() if line.startswith("| `/cme set`")]
    assert rows and "reason\\|missing-since" in rows[0]
