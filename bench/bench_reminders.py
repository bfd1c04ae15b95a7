"""Benchmark the reminder sweep and the digest build on a database of open cases.

Fills a fresh database with cases whose enquiry steps add up to --steps (default 100,000), with a
realistic spread: cases raised over the last nine months, most older cases closed, most past
steps done. Then times one digest build (the due-steps query, what else the digests list: questions
waiting for a reporter, undecided matches, harm, repeat episodes, census reasons; and the messages,
nothing written: what `cme-bot remind --preview` does) and one sweep (the first of the day:
escalations and one digest an officer, written to the outbox). Since issue 22 no alert is queued per
urgent overdue step, so "queued" counts digests and escalations only.
Exit status 1 when the sweep takes longer than the target.

    .venv/bin/python bench/bench_reminders.py [--steps 100000] [--backend sqlite|postgres|both] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a plain script from anywhere

import sqlalchemy as sa  # noqa: E402

from bench.scratch import PG_URL, scratch_engine  # noqa: E402
from handlers.casework.enquiries import plan_due_dates  # noqa: E402
from handlers.casework.reminders import digests_for, sweep  # noqa: E402
from handlers.knowledge.profile import bundled_profile  # noqa: E402
from storage.db import unit_of_work  # noqa: E402
from storage.models import Case, EnquiryStep  # noqa: E402
from storage.queries import due_step_rows  # noqa: E402

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)  # a Thursday in term, after the digest time
TARGET_SECONDS = 1.0
OFFICERS = [f"terminal:local:officer-{i}" for i in range(5)]


def _case_rows(n_cases: int, rng: random.Random) -> list[dict]:
    rows = []
    for seq in range(1, n_cases + 1):
        created = NOW - dt.timedelta(days=rng.uniform(0, 270))
        closed = created < NOW - dt.timedelta(days=40) and rng.random() < 0.9
        rows.append(
            {
                "reference": f"CME-2026-{seq:07d}",
                "year": 2026,
                "seq": seq,
                "state": "closed" if closed else "open",
                "urgent": rng.random() < 0.1,
                "reporter_key": "terminal:local:reporter",
                "reporter_address": {"channel": "terminal", "conversation_id": "dm:reporter"},
                "assigned_to": rng.choice([*OFFICERS, None]),
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


def _step_rows(cases: list[dict], ids: list[int], rng: random.Random, profile) -> list[dict]:
    today, plans, rows = NOW.date(), {}, []
    for case, case_id in zip(cases, ids, strict=True):
        start = case["created_at"].date()
        key = (start, case["urgent"])
        if key not in plans:
            plans[key] = plan_due_dates(start, urgent=case["urgent"], profile=profile)
        for position, (step_id, due_on) in enumerate(plans[key].items()):
            if case["state"] == "closed":
                state = "done" if rng.random() < 0.8 else "closed"
            elif due_on < today and rng.random() < 0.85:
                state = "done"
            else:
                state = "open"
            rows.append(
                {
                    "case_id": case_id,
                    "step_id": step_id,
                    "position": position,
                    "title": f"Step {step_id}",
                    "due_on": due_on,
                    "state": state,
                }
            )
    return rows


def fill(engine, n_steps: int, seed: int = 7) -> None:
    """Insert cases and their enquiry steps (nine a case with the Bury plan) in bulk."""
    profile, rng = bundled_profile(), random.Random(seed)
    cases = _case_rows(max(1, n_steps // len(profile.enquiry_plan)), rng)
    with engine.begin() as connection:
        for start in range(0, len(cases), 5000):
            connection.execute(sa.insert(Case.__table__), cases[start : start + 5000])
        ids = [row[0] for row in connection.execute(sa.select(Case.__table__.c.id).order_by(Case.__table__.c.seq))]
        steps = _step_rows(cases, ids, rng, profile)
        for start in range(0, len(steps), 10000):
            connection.execute(sa.insert(EnquiryStep.__table__), steps[start : start + 10000])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def measure(engine) -> dict:
    """Time one digest build (read only) and one sweep (written); returns the figures."""
    profile = bundled_profile()
    today = NOW.astimezone(profile.tz).date()
    with unit_of_work(engine) as session:
        started = time.perf_counter()
        rows = due_step_rows(session, today=today)
        messages = digests_for(session, profile, rows, today, NOW)
        digest_seconds = time.perf_counter() - started
        session.rollback()
    with unit_of_work(engine) as session:
        started = time.perf_counter()
        result = sweep(session, profile, NOW)
        session.flush()
    sweep_seconds = time.perf_counter() - started  # includes the commit
    return {
        "due": len(rows),
        "digests": len(messages),
        "queued": result.added,
        "digest_s": digest_seconds,
        "sweep_s": sweep_seconds,
    }


def run_backend(backend: str, n_steps: int, pg_url: str) -> dict:
    """Fill a fresh database on `backend`, measure, and drop it."""
    with scratch_engine(backend, pg_url) as engine:
        started = time.perf_counter()
        fill(engine, n_steps)
        filled = time.perf_counter() - started
        return {"backend": backend, "steps": n_steps, "fill_s": filled, **measure(engine)}


def main() -> int:
    """Run the benchmark and print one line per backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    slow = False
    for backend in backends:
        try:
            figures = run_backend(backend, args.steps, args.pg_url)
        except sa.exc.OperationalError as exc:
            print(f"{backend}: skipped, database not reachable ({type(exc.orig).__name__})")
            continue
        slow |= figures["sweep_s"] > TARGET_SECONDS
        print(
            f"{backend:8} steps={figures['steps']:>9,} due={figures['due']:>7,} "
            f"digest build={figures['digest_s'] * 1000:7.0f} ms  sweep={figures['sweep_s'] * 1000:7.0f} ms "
            f"(queued {figures['queued']:,}; fill {figures['fill_s']:.0f} s)"
        )
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
