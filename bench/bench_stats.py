"""Benchmark the DfE return and /cme stats: time per call on a database of N cases (one grouped query each).

Fills a fresh database with --cases cases (default 100,000) in one INSERT ... SELECT (generate_series on
PostgreSQL, a recursive CTE on SQLite): raised over three years, 85% closed within 200 days, a mix of triage
outcomes, reasons, sexes, year groups and missing-since dates. Then times build_return (the census cells
and the previous year's unique children) and build_stats (twelve months and the year before) several times
each, and the chart's PNG once warm. Prints the median and the slowest; exit 1 when a median passes 2 s.

    .venv/bin/python bench/bench_stats.py [--cases 100000] [--backend sqlite|postgres|both] [--pg-url URL]
    .venv/bin/python bench/bench_stats.py --cases 3000 --demo demo.db   # a database to try the commands on
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a plain script from anywhere

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.scratch import PG_URL, scratch_engine  # noqa: E402
from handlers.knowledge.dfe_categories import settable_reasons  # noqa: E402
from handlers.reports.charts import chart_png  # noqa: E402
from handlers.reports.dfe_return import build_return  # noqa: E402
from handlers.reports.stats import build_stats  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

TARGET_S = 2.0
RUNS = 5
CENSUS = dt.date(2026, 10, 1)
LONDON = ZoneInfo("Europe/London")
COLUMNS = (
    "reference, year, seq, state, urgent, triage_outcome, reporter_key, reporter_address, created_at, updated_at, "
    "closed_at, source, cme_reason, missing_since, sex, year_group, restricted, legal_hold"
)
# Each expression is written once with {created}, {g} and the dialect's pieces filled in.
PIECES = {
    "postgresql": {
        "series": "generate_series(1::bigint, CAST(:n AS bigint)) AS g",  # g * 7919 passes int4 at 1M
        "created": "(TIMESTAMPTZ '2024-01-01 00:00:00+00' + ((g * 7919) % 1065) * INTERVAL '1 day' "
        "+ (g % 86400) * INTERVAL '1 second')",
        "plus_days": "({created} + ({days}) * INTERVAL '1 day')",
        "date_minus": "(({created})::date - ({days})::int)",
        "json": "'{{}}'::json",
        "pick": "(ARRAY[{items}])[{index} + 1]",
        "false": "false",
    },
    "sqlite": {
        "series": "s",
        "created": "(strftime('%Y-%m-%d %H:%M:%f', '2024-01-01', '+' || ((g * 7919) % 1065) || ' days', "
        "'+' || (g % 86400) || ' seconds') || '000')",
        "plus_days": "(strftime('%Y-%m-%d %H:%M:%f', {created}, '+' || ({days}) || ' days') || '000')",
        "date_minus": "date({created}, '-' || ({days}) || ' days')",
        "json": "'{{}}'",
        "pick": "(CASE {index} {whens} END)",
        "false": "0",
    },
}


def _pick(dialect: str, items: list[str], index: str) -> str:
    quoted = [f"'{item}'" for item in items]
    if dialect == "postgresql":
        return f"(ARRAY[{', '.join(quoted)}])[{index} + 1]"
    return "(CASE " + index + " " + " ".join(f"WHEN {n} THEN {q}" for n, q in enumerate(quoted)) + " END)"


def seed_sql(dialect: str) -> str:
    """One INSERT ... SELECT that makes :n cases."""
    p = PIECES[dialect]
    created = p["created"]
    closed = p["plus_days"].format(created=created, days="g % 200 + 1")
    missing = p["date_minus"].format(created=created, days="g % 120")
    reasons = [reason.code for reason in settable_reasons()]
    years = ["reception", *(f"year-{n}" for n in range(1, 12))]
    values = [
        "'CME-B-' || g",
        "2099",
        "g",
        "CASE WHEN g % 20 < 17 THEN 'closed' ELSE 'open' END",
        p["false"],
        _pick(dialect, ["cme", "possible_cme", "ehe", "not_cme", "cme"], "g % 5"),
        "'bench'",
        p["json"].format(),
        created,
        created,
        f"CASE WHEN g % 20 < 17 THEN {closed} ELSE NULL END",
        "CASE WHEN g % 50 = 0 THEN 'deletion' ELSE 'referral' END",
        _pick(dialect, reasons, f"(g * 31 + g / 7) % {len(reasons)}"),
        f"CASE WHEN g % 6 = 0 THEN NULL ELSE {missing} END",
        _pick(dialect, ["female", "male", "other", "not-known"], "g % 4"),
        _pick(dialect, years, "g % 12"),
        p["false"],
        p["false"],
    ]
    select = f"SELECT {', '.join(values)} FROM {p['series']}"
    if dialect == "sqlite":
        select = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n) " + select
    return f'INSERT INTO "case" ({COLUMNS}) {select}'


def seed(engine: sa.Engine, cases: int) -> float:
    """Insert `cases` cases; the seconds it took."""
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(sa.text(seed_sql(engine.dialect.name)), {"n": cases})
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql('VACUUM ANALYZE "case"')  # as autovacuum would after a bulk load
    return time.perf_counter() - started


def timed(work, runs: int = RUNS) -> list[float]:
    """Seconds per call of `work` over `runs` calls."""
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        out.append(time.perf_counter() - started)
    return out


def bench(backend: str, cases: int, pg_url: str) -> bool:
    """Seed, time, print; True when every median is under the target."""
    with scratch_engine(backend, pg_url) as engine:
        print(f"{backend}: seeding {cases:,} cases ...", file=sys.stderr)
        took = seed(engine, cases)
        with Session(engine) as session:
            result = build_return(session, census=CENSUS, tz=LONDON)
            figures = build_stats(session, first=dt.date(2025, 11, 1), last=dt.date(2026, 10, 1))
            chart_png(figures)  # warm: matplotlib's import and font cache are paid once per process
            rows = {
                "dfe return (build_return)": timed(lambda: build_return(session, census=CENSUS, tz=LONDON)),
                "stats, 12 months (build_stats)": timed(
                    lambda: build_stats(session, first=dt.date(2025, 11, 1), last=dt.date(2026, 10, 1))
                ),
                "chart PNG (chart_png, warm)": timed(lambda: chart_png(figures), runs=3),
            }
    print(f"\n{backend}, {cases:,} cases (seeded in {took:.1f} s; {result.total:,} CME at {CENSUS}):")
    print(f"  {'':34} {'median':>9} {'slowest':>9}")
    ok = True
    for name, times in rows.items():
        median = statistics.median(times)
        ok = ok and median < TARGET_S
        print(f"  {name:34} {median * 1000:7.0f} ms {max(times) * 1000:7.0f} ms")
    return ok


def demo(path: Path, cases: int) -> int:
    """Fill a new SQLite database at `path` with `cases` cases and stop."""
    if path.exists():
        print(f"{path} already exists: choose a new file", file=sys.stderr)
        return 2
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    took = seed(engine, cases)
    engine.dispose()
    print(f"{cases:,} cases in {path} ({took:.1f} s): CME_DATABASE_URL=sqlite:///{path.resolve()}", file=sys.stderr)
    return 0


def main() -> int:
    """Run the benchmark on each backend asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--demo", type=Path, help="only fill this new SQLite file (for cme-bot chart and export)")
    args = parser.parse_args()
    if args.demo is not None:
        return demo(args.demo, args.cases)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    ok = all([bench(backend, args.cases, args.pg_url) for backend in backends])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
