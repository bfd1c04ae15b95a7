"""`cme-bot serve`: Slack, Teams, /healthz and the scheduler in one process."""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from bot.app import create_app
from bot.config import Settings
from handlers.knowledge.profile import ProfileError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `serve` subcommand."""
    parser = sub.add_parser("serve", help="run the HTTP server for Slack and Teams")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3978)
    parser.set_defaults(func=run)


# At DEBUG these libraries log whole request and response bodies: a referral's answers included.
PAYLOAD_LOGGERS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "msrest", "aiohttp.client", "sqlalchemy")


def quiet_payload_loggers() -> None:
    """Keep libraries that log payloads at INFO or above, whatever CME_LOG_LEVEL says."""
    for name in PAYLOAD_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), logging.INFO))


def run(args: argparse.Namespace) -> int:
    """Start the server until interrupted."""
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_payload_loggers()
    try:
        app = create_app(settings)
    except ProfileError as exc:
        print(f"cme-bot: {exc}", file=sys.stderr)
        return 2
    web.run_app(app, host=args.host, port=args.port, print=lambda msg: print(msg, file=sys.stderr))
    return 0
