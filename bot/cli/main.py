"""The `cme-bot` command: each subcommand lives in its own small module with `register()`."""

from __future__ import annotations

import argparse
import importlib
import sys

from storage.crypto import key_problem

# Each subcommand by name, and the module whose register(subparsers) adds it and sets `func` on its parser. Only
# the module of the command asked for is imported: each pulls in its own libraries (the web server, the
# scheduler, the answer engine), so `cme-bot check` or `cme-bot find` starts without the others. Help and an
# unknown command import them all, to list every command.
SUBCOMMANDS = {
    "chat": "bot.terminal",
    "check": "bot.cli.check",
    "ask": "bot.cli.ask",
    "serve": "bot.cli.serve",
    "manifest": "bot.cli.manifest",
    "remind": "bot.cli.remind",
    "cases": "bot.cli.cases",
    "find": "bot.cli.find",
    "audit": "bot.cli.audit",
    "retention": "bot.cli.retention",
    "export": "bot.cli.export",
    "chart": "bot.cli.chart",
    "sar": "bot.cli.sar",
    "doctor": "bot.cli.doctor",
    "backup": "bot.cli.backup",
    "restore": "bot.cli.backup",
    "keys": "bot.cli.keys",
}
SUBCOMMAND_MODULES = tuple(dict.fromkeys(SUBCOMMANDS.values()))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with `command`'s subcommand, or every subcommand when none (or an unknown one) is named."""
    parser = argparse.ArgumentParser(
        prog="cme-bot",
        description="Children Missing Education bot: raise concerns, check what counts as CME, get contacts.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [SUBCOMMANDS[command]] if command in SUBCOMMANDS else SUBCOMMAND_MODULES
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv[0] if argv else None)  # the command comes first: cme-bot has no options of its own
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        problem = key_problem(exc)
        if problem is None:
            raise
        print(f"cme-bot: {problem}", file=sys.stderr)  # names the key id and the next step, never data
        return 3


if __name__ == "__main__":
    sys.exit(main())
