"""`cme-bot serve`: Slack, Teams, /healthz and the scheduler in one process."""

from __future__ import annotations

import argparse
import sys

from bot.app import create_app
from bot.config import Settings
from bot.logs import configure_logging
from bot.serving import run as serve_app
from handlers.knowledge.profile import ProfileError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `serve` subcommand."""
    parser = sub.add_parser("serve", help="run the HTTP server for Slack and Teams")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3978)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start the server until interrupted."""
    settings = Settings()
    configure_logging(settings)
    try:
        app = create_app(settings)
    except ProfileError as exc:
        print(f"cme-bot: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # a channel in CME_CHANNELS can't start in production: the message names the setting
        print(exc.code, file=sys.stderr)
        return 2
    serve_app(app, host=args.host, port=args.port, say=lambda msg: print(msg, file=sys.stderr))
    return 0
