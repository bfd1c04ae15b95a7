"""Benchmark how long `cme-bot chat` takes to answer: its first reply, and its first answered question.

Each run starts a fresh `cme-bot chat` process with one message piped in and times it to exit,
on a migrated SQLite file of its own, so the figures are what a person trying the bot waits.
"help" needs no answer engine; a question makes the process import scikit-learn and fit the
index (in the terminal that happens in the background while the person types; piped, it waits).

    .venv/bin/python bench/bench_startup.py [-n 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CME_BOT = Path(sys.executable).with_name("cme-bot")
MESSAGES = {
    "help": "/cme help",
    "report (first question)": "/cme report",
    "a question (engine fitted)": "is a child on a part-time timetable missing education?",
}


def one_run(message: str, database: Path) -> float:
    """Seconds from starting `cme-bot chat` with `message` piped in to its exit, as someone new each time."""
    env = {**os.environ, "CME_DATABASE_URL": f"sqlite:///{database}"}
    who = f"bench-{uuid.uuid4().hex[:8]}"  # nobody's form in progress catches the message as an answer
    started = time.perf_counter()
    done = subprocess.run([str(CME_BOT), "chat", "--as", who], input=message + "\n", text=True, env=env,
                          capture_output=True, check=True, cwd=REPO)  # fmt: skip
    elapsed = time.perf_counter() - started
    assert done.stdout.strip(), f"no reply to {message!r}"
    return elapsed


def main() -> int:
    """Print the median and worst wall time per message."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, help="runs per message (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        one_run("/cme help", database)  # migrate once: the figures are for a bot already set up
        print(f"cme-bot chat, {args.n} runs each (seconds from start to exit)")
        for label, message in MESSAGES.items():
            times = [one_run(message, database) for _ in range(args.n)]
            print(f"  {label:28} median {statistics.median(times):.2f}  worst {max(times):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
