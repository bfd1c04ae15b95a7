"""Benchmark the audit chain: chained writes (one writer, then several at once) and `verify` over the whole chain.

Writes --events audit events one transaction each through record_audit (the head row locked per event),
then with --writers threads at once, then times audit_chain.verify over everything written.
Prints events per second for each; the figures go in docs/benchmarks.md.

    .venv/bin/python bench/bench_audit_chain.py [--events 2000] [--writers 8] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a plain script from anywhere

from sqlmodel import Session  # noqa: E402

from bench.scratch import PG_URL, scratch_engine  # noqa: E402
from storage import audit_chain  # noqa: E402
from storage.db import unit_of_work  # noqa: E402
from storage.queries import record_audit  # noqa: E402


def _write(engine, count: int, actor: str) -> None:
    for i in range(count):
        with unit_of_work(engine) as session:
            record_audit(session, actor=actor, action="case.viewed", reason="shown on request", detail={"i": i})


def _timed(label: str, events: int, work) -> None:
    started = time.perf_counter()
    work()
    took = time.perf_counter() - started
    print(f"  {label}: {events} events in {took:.2f} s = {events / took:,.0f}/s")


def run(backend: str, events: int, writers: int, pg_url: str) -> None:
    """Print the figures for one backend."""
    print(f"{backend}:")
    with scratch_engine(backend, pg_url) as engine:
        _timed("one writer", events, lambda: _write(engine, events, "officer-0"))
        each = events // writers

        def many() -> None:
            threads = [threading.Thread(target=_write, args=(engine, each, f"officer-{n}")) for n in range(writers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        _timed(f"{writers} writers at once", each * writers, many)
        with Session(engine) as session:
            verdict = audit_chain.Verdict()

            def check() -> None:
                nonlocal verdict
                verdict = audit_chain.verify(session, audit_chain.events(session))

            _timed("verify", events + each * writers, check)
        print(f"  chain sound: {verdict.broken is None} ({verdict.checked} events)")


def main() -> int:
    """Run the benchmark on the chosen backends."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, args.events, args.writers, args.pg_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
