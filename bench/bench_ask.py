"""Benchmark the "what counts as CME" engine on the shared development questions.

Prints top-1 accuracy on the in-scope questions, how many out-of-scope questions got an answer
(the target is 0), and the median and 95th percentile time per question after a warm-up. The
engine's build time is reported on its own. Exit status 1 when a target is missed.

    .venv/bin/python bench/bench_ask.py [--file ../shared/eval/faq-dev.yaml] [--repeat 5] [--verbose]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import statistics
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a plain script from anywhere

from handlers.knowledge.ask import build_engine  # noqa: E402
from handlers.knowledge.profile import bundled_profile  # noqa: E402

DEFAULT_FILE = REPO.parent / "shared" / "eval" / "faq-dev.yaml"
TARGET_ACCURACY = 0.9
TARGET_P95_MS = 20.0
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)  # a fixed weekday morning: same signposts every run


def load_cases(path: Path) -> list[tuple[str, str | None]]:
    """The (question, expected topic or None) pairs of an eval file."""
    return [(str(item["q"]), item.get("topic")) for item in yaml.safe_load(path.read_text(encoding="utf-8"))]


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (fraction 0 to 1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(cases: list[tuple[str, str | None]], repeat: int) -> tuple[float, dict, list[float]]:
    """Build the engine, warm it up, then time every question `repeat` times."""
    started = time.perf_counter()
    engine = build_engine(bundled_profile())
    build_ms = (time.perf_counter() - started) * 1000
    for question, _ in cases:  # warm-up: caches, lazy imports
        engine.ask(question, now=NOW)
    timings: list[float] = []
    results = {}
    for _ in range(max(1, repeat)):
        for question, _ in cases:
            started = time.perf_counter()
            results[question] = engine.ask(question, now=NOW)
            timings.append((time.perf_counter() - started) * 1000)
    return build_ms, results, timings


def list_misses(cases: list[tuple[str, str | None]], results: dict) -> None:
    """Print every question whose answer was not the expected one."""
    for question, topic in cases:
        got = results[question]
        if got.topic != topic:
            print(f"  miss: {question!r} -> {got.topic} (expected {topic}, score {got.score:.3f})")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="eval YAML (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the questions")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    if not args.file.exists() and args.file == DEFAULT_FILE:
        # A clone without ../shared: the project's own questions are measured by bench_ask_heldout.py.
        print(f"skipped: the shared development questions are not here ({args.file}).")
        print("         Run bench/bench_ask_heldout.py for the project's own held-out questions.")
        return 0
    cases = load_cases(args.file)
    build_ms, results, timings = measure(cases, args.repeat)
    in_scope = [(q, t) for q, t in cases if t is not None]
    out_of_scope = [q for q, t in cases if t is None]
    correct = sum(results[q].topic == t for q, t in in_scope)
    answered_oos = sum(results[q].topic is not None for q in out_of_scope)
    accuracy = correct / len(in_scope) if in_scope else 0.0
    median, p95 = statistics.median(timings), percentile(timings, 0.95)
    if args.verbose:
        list_misses(cases, results)
    print(f"file:                    {args.file}")
    print(f"engine build:            {build_ms:.1f} ms")
    print(f"top-1 accuracy:          {accuracy:.3f} ({correct}/{len(in_scope)})  target >= {TARGET_ACCURACY}")
    print(f"out-of-scope answered:   {answered_oos}/{len(out_of_scope)}  target 0")
    print(f"time per question:       median {median:.2f} ms, p95 {p95:.2f} ms  target p95 < {TARGET_P95_MS:.0f} ms")
    print(f"                         ({len(timings)} timed asks after a warm-up)")
    met = accuracy >= TARGET_ACCURACY and answered_oos == 0 and p95 < TARGET_P95_MS
    print("targets:                 " + ("met" if met else "MISSED"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
