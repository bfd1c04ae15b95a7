"""Benchmark the operations side: what a /metrics scrape costs in the database, and `cme-bot backup` (SQLite).

Fills a scratch database with --cases cases (two thirds open: far more than a council has; one in ten
urgent), --pending unsent outbox rows and --drafts forms in progress, then times read_counts (the database
part of every scrape: median and worst of --scrapes) and, on SQLite, the online backup of the whole file.

    .venv/bin/python bench/bench_ops.py [--cases 100000] [--pending 5000] [--drafts 1000] [--backend both]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a plain script from anywhere

import sqlalchemy as sa  # noqa: E402

from bench.scratch import scratch_engine  # noqa: E402
from bot.cli.backup import backup  # noqa: E402
from handlers.casework.gauges import read_counts  # noqa: E402
from storage.models import Case, Conversation, Outbox  # noqa: E402
from storage.types import utcnow  # noqa: E402

BATCH = 5000


def _fill(engine: sa.Engine, cases: int, pending: int, drafts: int) -> None:
    now = utcnow()
    case_rows = [
        {
            "reference": f"CME-{2000 + i // 10000}-{i % 10000:04d}", "year": 2000 + i // 10000, "seq": i % 10000,
            "state": "open" if i % 3 else "closed", "urgent": i % 10 == 0, "reporter_key": "slack:T:U",
            "reporter_address": {}, "created_at": now, "updated_at": now, "source": "referral",
            "restricted": False, "legal_hold": False,
        }
        for i in range(cases)
    ]  # fmt: skip
    outbox_rows = [
        {"kind": "alert", "dedupe_key": f"b{i}", "recipient": {"channel": "slack"}, "text": "CME-2000-0001",
         "payload": {}, "urgent": False, "created_at": now - dt.timedelta(seconds=i), "not_before": now, "attempts": 0}
        for i in range(pending)
    ]  # fmt: skip
    with engine.begin() as connection:
        for start in range(0, cases, BATCH):
            connection.execute(sa.insert(Case), case_rows[start : start + BATCH])
        for start in range(0, pending, BATCH):
            connection.execute(sa.insert(Outbox), outbox_rows[start : start + BATCH])
    _fill_drafts(engine, drafts, now)


def _fill_drafts(engine: sa.Engine, drafts: int, now: dt.datetime) -> None:
    rows = [
        {"user_key": f"slack:T:U{i}", "flow": "referral", "state": {}, "version": 0}
        | {"updated_at": now, "created_at": now}
        for i in range(drafts)
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(Conversation), rows)


def _scrapes(engine: sa.Engine, times: int) -> list[float]:
    took = []
    for _ in range(times):
        started = time.perf_counter()
        read_counts(engine)
        took.append((time.perf_counter() - started) * 1000)
    return took


def run(backend: str, cases: int, pending: int, drafts: int, scrapes: int) -> None:
    with scratch_engine(backend) as engine:
        started = time.perf_counter()
        _fill(engine, cases, pending, drafts)
        print(f"{backend}: {cases:,} cases, {pending:,} pending outbox rows, {drafts:,} drafts "
              f"(filled in {time.perf_counter() - started:.1f} s)")  # fmt: skip
        took = _scrapes(engine, scrapes)
        print(f"  scrape's database read: median {statistics.median(took):.1f} ms, worst {max(took):.1f} ms "
              f"({scrapes} scrapes; the scrape gives up at 3000 ms)")  # fmt: skip
        if backend == "sqlite":
            source = Path(engine.url.database)
            with tempfile.TemporaryDirectory() as folder:
                started = time.perf_counter()
                backup(source, Path(folder) / "copy.db")
                size = (Path(folder) / "copy.db").stat().st_size
                print(f"  backup: {size / 1e6:.1f} MB in {time.perf_counter() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--pending", type=int, default=5_000)
    parser.add_argument("--drafts", type=int, default=1_000)
    parser.add_argument("--scrapes", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, args.cases, args.pending, args.drafts, args.scrapes)


if __name__ == "__main__":
    main()
