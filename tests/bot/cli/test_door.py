"""Every `cme-bot` subcommand that calls a service answers the same way to the same trouble (bot/cli/door.py):
a malformed `--as` is exit 2, anyone but staff is exit 3 in chat's words, the database down is exit 4 in
chat's words; none leaves a file, a traceback or a child's detail behind."""

from __future__ import annotations

import pytest

from bot.cli.main import main
from handlers.core import STAFF_ONLY
from handlers.router import UNREACHABLE
from tests.doors import audit_events

DOWN = {
    "sqlite": "sqlite:////nonexistent-cme-folder/cme.db",  # a file that can't be opened
    "postgresql": "postgresql://postgres@127.0.0.1:9/cme",  # nothing listens there
}


def commands(folder) -> dict[str, list[str]]:
    """Each subcommand as a script would run it, without --as."""
    return {
        "cases": ["cases", "--json"],
        "find": ["find", "--name", "Testchild"],
        "export dfe-return": ["export", "dfe-return", "--census-date", "2026-10-02"],
        "export cases": ["export", "cases", "--format", "csv", "--reason", "termly review", "--out", f"{folder}/c.csv"],
        "chart": ["chart", "--out", f"{folder}/c.png"],
        "sar": ["sar", "--due"],
        "audit export": ["audit", "export", "--out", f"{folder}/chain.jsonl"],
    }


COMMANDS = list(commands("x"))


@pytest.fixture
def cli(db_url, monkeypatch, tmp_path, capsys):
    """Run one subcommand on the test database: (exit status, stdout, stderr); files go in tmp_path/out."""
    monkeypatch.delenv("CME_PROFILE", raising=False)
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    (tmp_path / "out").mkdir()

    def run(command: str, who: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main([*commands(tmp_path / "out")[command], "--as", who])
        said = capsys.readouterr()
        return status, said.out, said.err

    run.folder = tmp_path / "out"
    return run


@pytest.mark.parametrize("command", COMMANDS)
def test_a_reporter_is_refused_with_exit_3_in_the_words_chat_uses(cli, engine, command):
    status, out, err = cli(command, "alice")
    assert (status, out) == (3, "") and err.endswith(f"cme-bot {command}: {STAFF_ONLY}\n")
    assert list(cli.folder.iterdir()) == []
    [event] = audit_events(engine, "permission.refused")
    assert event.detail["via"] == "cli" and event.actor == "terminal:local:alice"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("who", "says"),
    [
        ("slack:T1", "is neither a user name nor channel:tenant:user"),
        ("email:council:cme-officer", "'email' is not a channel; use one of terminal, slack, teams"),
        ("slack::U1", "is neither a user name nor channel:tenant:user"),
    ],
)
def test_a_malformed_as_is_exit_2_and_opens_nothing(cli, engine, command, who, says):
    status, out, err = cli(command, who)
    assert (status, out) == (2, "") and says in err and "Traceback" not in err
    assert audit_events(engine, "permission.refused") == [] and list(cli.folder.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_the_database_down_is_exit_4_in_the_words_chat_uses(cli, command, monkeypatch, db_url):
    monkeypatch.setenv("CME_DATABASE_URL", DOWN[db_url.partition(":")[0]])
    status, out, err = cli(command, "cme-officer")
    assert (status, out) == (4, "") and f"cme-bot {command}: {UNREACHABLE}. Run the same command again" in err
    assert "Traceback" not in err and "127.0.0.1" not in err and list(cli.folder.iterdir()) == []
