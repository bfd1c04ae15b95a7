"""`cme-bot ask "QUESTION" [--json]`: the knowledge engine from the command line.

Without --json it prints the chat replies as the terminal shows them (the MASH signpost first
when harm is mentioned); with --json one object: topic, answer, sources, score, alternatives, and
harm, status, note and the signpost when there is one. Any question, even an empty one, gets an
answer and exit status 0; only a broken profile or knowledge base exits 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from bot.config import Settings
from bot.terminal import render
from handlers.knowledge.ask import ask_replies, build_engine
from handlers.knowledge.faq import FaqError
from handlers.knowledge.profile import ProfileError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `ask` subcommand."""
    parser = subparsers.add_parser(
        "ask",
        help="ask what counts as CME, what to do, or who to contact",
        description="Answer one question from the bot's curated knowledge base, with sources.",
    )
    parser.add_argument("question", nargs="*", help='the question, for example "what counts as CME?"')
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run `cme-bot ask`: 0 with an answer (or an honest "I don't know"), 2 on a broken configuration."""
    question = " ".join(args.question)
    try:
        engine = build_engine(Settings().load_profile())
    except (ProfileError, FaqError) as exc:
        sys.stderr.write(f"cme-bot ask: {exc}\n")
        return 2
    now = dt.datetime.now(dt.UTC)
    if args.json:
        sys.stdout.write(json.dumps(engine.ask(question, now=now).to_dict(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("\n\n".join(render(reply) for reply in ask_replies(engine, question, now=now)) + "\n")
    return 0
