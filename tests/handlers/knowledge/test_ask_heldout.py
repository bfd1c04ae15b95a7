"""The held-out questions (bench/heldout-questions.yaml): the FINAL half must not regress, and the
engine's retrieval material must not be copied from any held-out or dev question."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz

from bench.bench_ask import load_cases
from bench.bench_ask_heldout import HELDOUT_FILE, evaluate, split
from handlers.knowledge.ask import build_engine
from handlers.knowledge.profile import bundled_profile

DEV_FILE = Path(__file__).resolve().parents[4] / "shared" / "eval" / "faq-dev.yaml"
# Floors a little under what the FINAL half gave when measured once, at the end of issue 3's work:
# accuracy 0.914 (74/81), 4 confident wrong, 1 of 24 out-of-scope answered ("nursery funding for
# 2 year olds"). Not tuned on afterwards, so that miss stays until a fresh set shows a general fix.
MIN_ACCURACY = 0.88
MAX_CONFIDENT_WRONG = 5
MAX_OOS_ANSWERED = 1
NEAR_COPY = 90  # rapidfuzz token_sort_ratio: at or above, a phrasing is a reworded question
# Phrasings written before the held-out set (commit 5e6f192) that short questions happen to match.
WRITTEN_BEFORE = {
    "what is a school attendance order",
    "can the council make parents send a child to school",
    "when can a young person leave school",
}


@pytest.fixture(scope="module")
def engine():
    return build_engine(bundled_profile())


def test_the_split_is_fixed_and_covers_every_entry(engine):
    cases = load_cases(HELDOUT_FILE)
    tune, final = split(cases, "tune"), split(cases, "final")
    assert len(tune) + len(final) == len(cases) and not set(tune) & set(final)
    for half in (tune, final):
        named = {t for _, t in half if t}
        assert set(engine.knowledge.ids) <= named <= set(engine.topics)  # every entry; glossary terms too
        assert sum(t is None for _, t in half) >= 20


def test_the_final_half_holds_its_floor(engine):
    figures = evaluate(engine, split(load_cases(HELDOUT_FILE), "final"))
    assert figures.oos_answered <= MAX_OOS_ANSWERED, figures.misses
    assert figures.confident_wrong <= MAX_CONFIDENT_WRONG, figures.misses
    assert figures.accuracy >= MIN_ACCURACY, figures.misses


def test_phrasings_are_not_copied_from_held_out_or_dev_questions(engine):
    def plain(text: str) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", text.lower()))

    questions = [q for q, _ in load_cases(HELDOUT_FILE)]
    if DEV_FILE.exists():
        questions += [str(item["q"]) for item in yaml.safe_load(DEV_FILE.read_text(encoding="utf-8"))]
    plain_questions = [plain(q) for q in questions]
    for entry in engine.knowledge.entries:
        for phrasing in set(entry.phrasings) - WRITTEN_BEFORE:
            near = [q for q in plain_questions if fuzz.token_sort_ratio(plain(phrasing), q) >= NEAR_COPY]
            assert not near, f"{entry.id}: {phrasing!r} rewords {near}"
