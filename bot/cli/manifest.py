"""`cme-bot manifest slack|teams`: print the Slack manifest or build the Teams app package.

Each channel package provides `manifest.add_arguments(parser)` and `manifest.run(args)`.
"""

from __future__ import annotations

import argparse
import importlib

CHANNELS = {"slack": "bot.slack.manifest", "teams": "bot.teams.manifest"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add `manifest` with one subcommand per channel that has a manifest module."""
    parser = sub.add_parser("manifest", help="print the Slack app manifest or build the Teams app package")
    channels = parser.add_subparsers(dest="channel", metavar="CHANNEL", required=True)
    for name, module_name in CHANNELS.items():
        module = importlib.import_module(module_name)
        channel = channels.add_parser(name, help=module.__doc__.splitlines()[0] if module.__doc__ else name)
        module.add_arguments(channel)
        channel.set_defaults(func=module.run)
