"""Benchmark /cme find (and cme-bot find): search time per query on a database of N children.

Fills a fresh database with --children children (default 100,000): names drawn from lists of common
and less common English forenames and surnames (with hyphenated double-barrelled surnames and other
names), dates of birth over twelve school years, a postcode shared by about four children, stored
encrypted with their blind indexes and search keys (storage/blind.py). Then times find_children for
random queries of each kind: a whole name, a partial name (a surname's first four letters), a
misspelt surname (two letters swapped), a date of birth, a postcode. Prints p50 and p95 per kind,
how many children a query found on average, and how often the child it was drawn from was among the
20 shown. Exit 1 when a p95 passes 50 ms.

    .venv/bin/python bench/bench_find.py [--children 100000] [--backend sqlite|postgres|both] [--pg-url URL]
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
from handlers.children.search import Query, find_children  # noqa: E402
from storage.blind import blind_columns, blinded_keys_of_rows  # noqa: E402
from storage.children import Child, ChildKey  # noqa: E402

TARGET_MS = 50.0
QUERIES = 200
FORENAMES = (  # noqa: SIM905 (a word list reads best as words)
    "Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie Theo Amelia "
    "Olivia Isla Lily Ava Freya Ivy Florence Willow Mia Isabella Sophia Grace Evie Zainab Aisha Kacper Zofia "
    "Oluwaseun Chidi Siobhan Niamh Aoife Mateusz Anh Mei Priya Arjun Yusuf Maryam Tomasz Eilidh"
).split()
SURNAMES = (  # noqa: SIM905
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
    "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill "
    "Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen Khan Ahmed Hussain Begum Ali Kowalski "
    "Nowak Okafor Adeyemi Nguyen Murphy Kelly Byrne Ryan O'Neill McCarthy Testchild Quillfeather"
).split()


SYLLABLES = (  # noqa: SIM905 (a word list reads best as words)
    "ab ad al an ar ash bel ber bur car cha cor dal den dor el en er fen gar ham har ing ken lan ley lin mar "
    "mer mor nor ock or pen ram ric ros sel sha ston ter thor ton ul van wal well win wood yar zel"
).split()


def _surnames(rng: random.Random, count: int = 20_000) -> list[str]:
    """A long tail of made-up surnames (two or three syllables) behind the common ones."""
    made = {"".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3)))).title() for _ in range(count)}
    return sorted(made)


def _name(rng: random.Random, tail: list[str]) -> tuple[str, str, str | None]:
    # About a third of children have one of the common surnames (Smith alone is 1 in 60 of them), as in the UK.
    pick = (lambda: rng.choice(SURNAMES)) if rng.random() < 0.35 else (lambda: rng.choice(tail))
    surname = pick()
    if rng.random() < 0.08:
        surname = f"{surname}-{pick()}"
    other = f"{rng.choice(FORENAMES)} {surname}" if rng.random() < 0.05 else None
    return rng.choice(FORENAMES), surname, other


def fill(engine, n_children: int, seed: int = 11) -> list[dict]:
    """Insert the children and their keys in batches; returns the rows (for drawing queries)."""
    rng = random.Random(seed)
    tail, letters = _surnames(rng), "ABDEFGHJLNPQRSTUWXYZ"
    rows = []
    for _ in range(n_children):
        forename, surname, other = _name(rng, tail)
        outward = f"BL{rng.randrange(1, 10)} {rng.randrange(10)}{rng.choice(letters)}{rng.choice(letters)}"
        rows.append(
            {
                "forenames": forename,
                "surname": surname,
                "other_names": other,
                "dob": dt.date(2010, 9, 1) + dt.timedelta(days=rng.randrange(12 * 365)),
                "postcode": outward,
                "address": f"{rng.randrange(1, 200)} {rng.choice(SURNAMES)} Street",
                "parent_names": f"{rng.choice(FORENAMES)} {surname}",
            }
        )
    now = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    for start in range(0, len(rows), 5000):
        # A transaction a batch: one for the whole fill kept every page in SQLite's WAL (9.4 GB, never
        # checkpointed, 18 minutes into a 1,000,000 fill).
        with engine.begin() as connection:
            batch = rows[start : start + 5000]
            ids = connection.execute(
                sa.insert(Child).returning(Child.id, sort_by_parameter_order=True),
                [{**r, **blind_columns(r), "created_at": now, "updated_at": now} for r in batch],
            ).scalars()
            keyed = [{**row, "id": child_id} for row, child_id in zip(batch, ids, strict=True)]
            rows[start : start + 5000] = keyed
            connection.execute(sa.insert(ChildKey), blinded_keys_of_rows(keyed))
        if start and start % 100_000 == 0:
            print(f"  {start:,} of {len(rows):,} children stored", file=sys.stderr, flush=True)
    return rows


def _typo(word: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped after the first two (the commonest typing slip)."""
    if len(word) < 5:
        return word
    at = rng.randrange(2, len(word) - 1)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def queries(rows: list[dict], rng: random.Random) -> dict[str, list[tuple[Query, int]]]:
    """QUERIES random queries of each kind, drawn from the children filled in, each with the child it came from."""
    picked = [rng.choice(rows) for _ in range(QUERIES)]
    kinds = {
        "whole name": lambda r: Query("name", f"{r['forenames']} {r['surname']}"),
        "partial name": lambda r: Query("name", r["surname"][:4]),
        "misspelt surname": lambda r: Query("name", f"{r['forenames']} {_typo(r['surname'], rng)}"),
        "date of birth": lambda r: Query("dob", r["dob"]),
        "postcode": lambda r: Query("postcode", r["postcode"]),
    }
    return {kind: [(make(r), r["id"]) for r in picked] for kind, make in kinds.items()}


def measure(engine, rows: list[dict]) -> dict[str, tuple[float, float, float, float]]:
    """Per kind of query: p50 and p95 in ms, the average number found, and how often the child was shown."""
    out = {}
    with Session(engine) as session:
        for kind, batch in queries(rows, random.Random(3)).items():
            times, found, shown = [], [], 0
            for query, child_id in batch:
                started = time.perf_counter()
                hits, total = find_children(session, query)
                times.append((time.perf_counter() - started) * 1000)
                found.append(total)
                shown += any(hit.child.id == child_id for hit in hits)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            out[kind] = (statistics.median(times), p95, statistics.mean(found), 100 * shown / len(batch))
    return out


def run_backend(backend: str, n_children: int, pg_url: str) -> dict:
    """Fill a fresh database on `backend`, measure, and drop it."""
    with scratch_engine(backend, pg_url) as engine:
        rows = fill(engine, n_children)
        if backend == "postgres":
            with engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        return measure(engine, rows)


def main() -> int:
    """Run the benchmark and print one line per backend and kind of query."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    slow = False
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        try:
            figures = run_backend(backend, args.children, args.pg_url)
        except sa.exc.OperationalError as exc:
            print(f"{backend}: skipped, database not reachable ({type(exc.orig).__name__})")
            continue
        for kind, (p50, p95, found, shown) in figures.items():
            slow |= p95 > TARGET_MS
            size = f"{backend:8} children={args.children:>9,} {kind:17}"
            print(f"{size} p50={p50:6.1f} ms p95={p95:6.1f} ms found={found:7.1f} child shown={shown:5.1f}%")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
