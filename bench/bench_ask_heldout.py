"""Benchmark the answer engine on the held-out questions (bench/heldout-questions.yaml).

The file's header fixes the split: within each expected topic (null is one), in file order, odd
positions form the TUNE half and even positions the FINAL half. Prints top-1 accuracy on the
in-scope questions, confident-wrong answers (an answer with the wrong topic), abstentions on
in-scope questions, out-of-scope questions answered, and p95 time per question.

    .venv/bin/python bench/bench_ask_heldout.py [--half tune|final|all] [--verbose]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a plain script from anywhere

from bench.bench_ask import NOW, load_cases, percentile  # noqa: E402
from handlers.knowledge.ask import AskEngine, build_engine  # noqa: E402
from handlers.knowledge.profile import bundled_profile  # noqa: E402

HELDOUT_FILE = REPO / "bench" / "heldout-questions.yaml"
HALVES = ("tune", "final", "all")


@dataclass(frozen=True)
class Figures:
    """What one run over a set of questions gives."""

    in_scope: int
    correct: int
    confident_wrong: int
    abstained: int
    out_of_scope: int
    oos_answered: int
    p95_ms: float
    misses: tuple[str, ...]

    @property
    def accuracy(self) -> float:
        """Top-1 accuracy on the in-scope questions."""
        return self.correct / self.in_scope if self.in_scope else 0.0


def split(cases: list[tuple[str, str | None]], half: str) -> list[tuple[str, str | None]]:
    """The file's fixed split: per topic, in file order, 1st/3rd/... tune, 2nd/4th/... final."""
    if half == "all":
        return cases
    seen: Counter = Counter()
    chosen = []
    for question, topic in cases:
        seen[topic] += 1
        if (seen[topic] % 2 == 1) == (half == "tune"):
            chosen.append((question, topic))
    return chosen


def evaluate(engine: AskEngine, cases: list[tuple[str, str | None]]) -> Figures:
    """Ask every question once (after a warm-up pass) and count the outcomes."""
    import time

    for question, _ in cases:
        engine.ask(question, now=NOW)
    timings, counts, misses = [], Counter(), []
    for question, topic in cases:
        started = time.perf_counter()
        got = engine.ask(question, now=NOW)
        timings.append((time.perf_counter() - started) * 1000)
        outcome = _outcome(topic, got.topic)
        counts[outcome] += 1
        if outcome not in ("correct", "oos-ok"):
            alts = ",".join(got.alternatives)
            misses.append(f"{outcome:16} {question!r} -> {got.topic} (want {topic}; {got.score:.3f}; dym {alts})")
    in_scope = sum(t is not None for _, t in cases)
    return Figures(
        in_scope,
        counts["correct"],
        counts["confident-wrong"],
        counts["abstained"],
        len(cases) - in_scope,
        counts["oos-answered"],
        percentile(timings, 0.95),
        tuple(misses),
    )


def _outcome(expected: str | None, got: str | None) -> str:
    if expected is None:
        return "oos-ok" if got is None else "oos-answered"
    if got is None:
        return "abstained"
    return "correct" if got == expected else "confident-wrong"


def main(argv: list[str] | None = None) -> int:
    """Run the held-out benchmark on one half (or all) and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=HALVES, default="tune", help="which half (default: %(default)s)")
    parser.add_argument("--file", type=Path, default=HELDOUT_FILE)
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    cases = split(load_cases(args.file), args.half)
    figures = evaluate(build_engine(bundled_profile()), cases)
    if args.verbose:
        print("\n".join(f"  {m}" for m in figures.misses))
    print(f"half:                    {args.half} ({len(cases)} questions)")
    print(f"top-1 accuracy:          {figures.accuracy:.3f} ({figures.correct}/{figures.in_scope})")
    print(f"confident wrong:         {figures.confident_wrong}")
    print(f"abstained (in scope):    {figures.abstained}")
    print(f"out-of-scope answered:   {figures.oos_answered}/{figures.out_of_scope}")
    print(f"p95 per question:        {figures.p95_ms:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
