"""`cme-bot` imports only the module of the command asked for, so a command starts without the others' libraries."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from bot.cli.main import SUBCOMMAND_MODULES, SUBCOMMANDS, build_parser
from tests.bot.chat_process import ROOT


def _registered_by(module: str) -> set[str]:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    importlib.import_module(module).register(sub)
    return set(sub.choices)


def test_the_table_names_every_command_each_module_adds_and_only_those():
    for module in SUBCOMMAND_MODULES:
        assert _registered_by(module) == {name for name, owner in SUBCOMMANDS.items() if owner == module}, module


def test_a_named_command_gets_its_own_parser_and_help_gets_every_command():
    every = build_parser()._subparsers._group_actions[0].choices  # argparse keeps them here
    assert list(every) == list(SUBCOMMANDS)
    assert set(build_parser("backup")._subparsers._group_actions[0].choices) == {"backup", "restore"}
    assert list(build_parser("no-such-command")._subparsers._group_actions[0].choices) == list(SUBCOMMANDS)


def test_cme_bot_check_starts_without_the_web_server_the_scheduler_or_the_answer_engine():
    script = (
        "import sys; from bot.cli.main import main; "
        "status = main(['check', '--dob', '02/05/2014', '--on', '28/11/2026']); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'aiohttp', 'apscheduler', 'numpy', 'alembic'}))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
