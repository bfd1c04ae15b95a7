"""Benchmark `/cme cases`: one page of the caseload with 500 open cases (names, flags, next steps), each page timed.

Fills a fresh database with --cases open cases (default 500), each with its child (names and date of birth
encrypted as in production), its enquiry plan, a referral, and a spread of what the list flags: urgent, harm,
restricted (the officer named on some), repeat episodes, possible matches and unanswered questions. Then asks
the caseload service for every page as an officer (all cases, then `mine`, `overdue`, `matches`) and prints
the time per page and the number of SQL statements a page took. Exit status 1 when a page takes longer than 1 s.

    .venv/bin/python bench/bench_caseload.py [--cases 500] [--backend sqlite|postgres|both] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a plain script from anywhere

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.scratch import PG_URL, scratch_engine  # noqa: E402
from handlers.casework.caseload import Ask, list_cases  # noqa: E402
from handlers.casework.enquiries import create_plan  # noqa: E402
from handlers.core import Caller, Core  # noqa: E402
from handlers.knowledge.profile import Profile, bundled_profile  # noqa: E402
from handlers.messages import Channel, Identity, Role  # noqa: E402
from storage.children import Child, ChildMatch  # noqa: E402
from storage.db import unit_of_work  # noqa: E402
from storage.models import Case, Report  # noqa: E402
from storage.protection import CaseAccess  # noqa: E402

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)  # a Thursday in term
TARGET_SECONDS = 1.0
OFFICER = Identity(Channel.TERMINAL, "cme-officer", "local")
OFFICERS = [OFFICER.key, "terminal:local:officer-2", "terminal:local:officer-3"]
FIRST = ["Ava", "Noah", "Zara", "Kacper", "Mei", "Yusuf", "Olivia", "Tomasz", "Amara", "Leo"]
LAST = ["Testchild", "Khan", "Nowak", "Smith", "Okafor", "Li", "Evans", "Hussain", "Kowalski", "Brown"]
REASONS = ["moved-other-la", "moved-abroad", "mental-health", "did-not-apply", None]


def add_open_cases(
    session: Session, profile: Profile, count: int, now: dt.datetime, *, seed: int = 22, first: int = 1
) -> list[Case]:
    """`count` open cases raised over the last 60 days, each with a child, a plan and a referral (flags spread)."""
    rng, cases = random.Random(seed), []
    for seq in range(first, first + count):
        raised = now - dt.timedelta(days=rng.uniform(0, 60))
        child = Child(
            forenames=rng.choice(FIRST), surname=rng.choice(LAST), dob=dt.date(2010 + seq % 8, 1 + seq % 12, 1)
        )
        session.add(child)
        session.flush()
        case = Case(
            reference=f"CME-2026-{seq:04d}", year=2026, seq=seq, urgent=rng.random() < 0.1,
            reporter_key=f"terminal:local:reporter-{seq % 40}", assigned_to=rng.choice([*OFFICERS, None]),
            created_at=raised, updated_at=raised, child_id=child.id, cme_reason=rng.choice(REASONS),
            year_group=f"year-{1 + seq % 11}" if seq % 7 else None, missing_since=raised.date(),
            restricted=seq % 50 == 0,
        )  # fmt: skip
        session.add(case)
        session.flush()
        create_plan(session, case, profile, raised)
        report = Report(case_id=case.id, form_id="cme_referral", answers={}, submitted_by=case.reporter_key)
        report.harm_flagged = seq % 13 == 0
        session.add(report)
        if case.restricted and seq % 100 == 0:
            session.add(CaseAccess(case_id=case.id, officer=OFFICER.key, granted_by=OFFICER.key))
        if seq % 17 == 0 and cases:  # a possible match with an earlier case's child
            session.add(ChildMatch(case_id=case.id, candidate_id=cases[-1].child_id, score=0.8, reasons=["bench"]))
        cases.append(case)
    session.flush()
    return cases


def time_pages(engine: sa.Engine, profile: Profile, ask: Ask) -> tuple[list[float], list[float], list[int]]:
    """Wall seconds, this process's CPU seconds and SQL statements for each page of `ask`, one after another."""
    core = Core(engine=engine, profile=profile, clock=lambda: NOW)
    caller = Caller(core, OFFICER, Role.OFFICER, NOW, "cli")
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    seconds, cpu, counts, page = [], [], [], 1
    while True:
        statements[0] = 0
        start, start_cpu = time.perf_counter(), time.process_time()
        listing = list_cases(caller, ask=Ask(ask.filters, page))
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        counts.append(statements[0])
        if listing.more is None:
            sa.event.remove(engine, "before_cursor_execute", count)
            return seconds, cpu, counts
        page += 1


def run(backend: str, count: int, pg_url: str) -> bool:
    """Fill, then time every page of each ask; True when every page is under the target."""
    profile = bundled_profile()
    with scratch_engine(backend, pg_url) as engine:
        start = time.perf_counter()
        with unit_of_work(engine) as session:
            add_open_cases(session, profile, count, NOW)
        print(f"{backend}: {count} open cases made in {time.perf_counter() - start:.1f} s")
        with engine.begin() as connection:  # the statistics autovacuum keeps in a live database (a fresh fill has none)
            connection.exec_driver_sql("ANALYZE")
        ok = True
        for filters in ((), ("mine",), ("overdue",), ("matches",)):
            seconds, cpu, counts = time_pages(engine, profile, Ask(filters))
            worst = max(seconds)
            ok &= worst < TARGET_SECONDS
            label = " ".join(filters) or "all"
            print(
                f"  {label:8} {len(seconds):3} page(s): median {statistics.median(seconds) * 1000:6.1f} ms, "
                f"worst {worst * 1000:6.1f} ms (CPU here: median {statistics.median(cpu) * 1000:5.1f} ms), "
                f"SQL statements a page {min(counts)}-{max(counts)}"
            )
    return ok


def main() -> int:
    """Run the benchmark on the backends asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    ok = all([run(backend, args.cases, args.pg_url) for backend in backends])
    print(f"target: every page under {TARGET_SECONDS:.0f} s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
