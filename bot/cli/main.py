"""The `cme-bot` command: each subcommand lives in its own small module with `register()`."""

from __future__ import annotations

import argparse
import importlib
import sys

from storage.crypto import key_problem

# Modules that add a subcommand: each has register(subparsers) setting `func` on its parser.
SUBCOMMAND_MODULES = (
    "bot.terminal",
    "bot.cli.check",
    "bot.cli.ask",
    "bot.cli.serve",
    "bot.cli.manifest",
    "bot.cli.remind",
    "bot.cli.cases",
    "bot.cli.find",
    "bot.cli.audit",
    "bot.cli.retention",
    "bot.cli.export",
    "bot.cli.chart",
    "bot.cli.sar",
    "bot.cli.doctor",
    "bot.cli.backup",
    "bot.cli.keys",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="cme-bot",
        description="Children Missing Education bot: raise concerns, check what counts as CME, get contacts.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
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
