"""How the answer engine turns one score per entry into a decision: answer, "did you mean", or abstain.

A wrong confident answer can send a child to the wrong service, so the rules lean to abstaining:
below ANSWER_AT nothing is answered; when the runner-up is nearly level with the winner (a
question that touches two topics without saying which is the point) the engine offers both as
"did you mean" instead of picking one; when the "not about CME" pseudo-entry (school dinners,
illness, admissions, HR) fits as well as the best entry, it says it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# Set on our own paraphrases and the held-out TUNE half (bench/heldout-questions.yaml), never on
# the dev benchmark's wording or the held-out FINAL half.
ANSWER_AT = 0.22
SUGGEST_AT = 0.15
CLOSE_RATIO = 0.8  # a runner-up within 20% of the winner is offered as "did you mean"
TIE_RATIO = 0.92  # a runner-up within 8%: too close to call, offer both rather than guess
MAX_ALTERNATIVES = 3
OFF_TOPIC = "~off-topic"  # the pseudo-entry of questions that are about something else
# "Is X CME?" names a situation X: the entry for X is the answer, not the definition.
DEFINITION_TOPIC = "what-is-cme"
SPECIFIC_RATIO = 0.6  # the named situation must fit well, and have been a contender from the start
_ACTION = re.compile(
    r"\bwhat (?:do|should|shall|can|must) (?:i|we) do\b|\bwhat (?:do|should) (?:i|we) do now\b|\bwhat now\b"
    r"|\bwho (?:do|should|shall|can) (?:i|we) (?:call|ring|phone|contact|tell)\b|\bwhat next\b",
    re.I,
)


@dataclass(frozen=True)
class Decision:
    """The chosen topic (None to abstain), its score, and the "did you mean" topics."""

    topic: str | None
    score: float
    alternatives: list[str] = field(default_factory=list)


def asks_what_to_do(text: str) -> bool:
    """True when the question asks for an action now ("what do I do", "who do I call")."""
    return bool(_ACTION.search(text))


def decide(scores: np.ndarray, ids: list[str]) -> Decision:
    """Answer, offer "did you mean" topics, or abstain, from one score per id (OFF_TOPIC included)."""
    off = ids.index(OFF_TOPIC) if OFF_TOPIC in ids else -1
    candidates = [i for i in np.argsort(-scores, kind="stable") if i != off]
    top = float(scores[candidates[0]])
    if off >= 0 and scores[off] >= top > 0:
        return Decision(None, top)  # it fits a question about something else at least as well
    near = [ids[i] for i in candidates[1 : 1 + MAX_ALTERNATIVES] if scores[i] >= max(SUGGEST_AT, CLOSE_RATIO * top)]
    if top < ANSWER_AT:
        return Decision(None, top, [ids[i] for i in candidates[:MAX_ALTERNATIVES] if scores[i] >= SUGGEST_AT])
    if scores[candidates[1]] >= TIE_RATIO * top:
        return Decision(None, top, [ids[candidates[0]], *near][:MAX_ALTERNATIVES])
    return Decision(ids[candidates[0]], top, near)


def prefer_situation(
    decision: Decision, first: np.ndarray, rescore: Callable[[], np.ndarray | None], ids: list[str]
) -> Decision:
    """When the definition wins only through "does it count" words, answer about the situation the question names.

    `rescore` gives the scores without those words (None when there were none to set aside).
    """
    if DEFINITION_TOPIC not in (decision.topic, *decision.alternatives[:1]):
        return decision
    scores = rescore()
    if scores is None:
        return decision
    scores = scores.copy()
    scores[ids.index(DEFINITION_TOPIC)] = 0.0
    specific = decide(scores, ids)
    if specific.topic is None or specific.score < SPECIFIC_RATIO * decision.score:
        return decision
    if first[ids.index(specific.topic)] < SPECIFIC_RATIO * first.max():
        return decision  # a stray word, not a situation the question was about from the start
    return Decision(specific.topic, specific.score, [DEFINITION_TOPIC, *specific.alternatives][:MAX_ALTERNATIVES])
