"""The matcher measured on bench/matching-pairs.yaml: hand-labelled pairs of referrals (same child or two children).

Each pair runs alone in one migrated database: its known child (and any `others`) is made the way
intake makes one (handlers/children/record.py from a referral's answers, "Not known" included), the
referral is matched with the call intake makes (find_matches), and the transaction is rolled back.
Outcomes: a same-child pair is joined (an automatic merge into the right child), flagged (offered to an
officer as a possible match), joined to another child (a false merge) or missed; a different-child
pair is merged (a false merge), flagged, or kept apart.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import yaml
from sqlalchemy import Engine
from sqlmodel import Session

from handlers.children.matching import find_matches
from handlers.children.record import child_values, new_child
from handlers.knowledge.profile import Matching

PAIRS_FILE = Path(__file__).resolve().parent / "matching-pairs.yaml"
NOW = dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC)
_ANSWER = {"forenames": "child_forenames", "surname": "child_surname", "other_names": "child_aliases",
           "dob": "child_dob", "sex": "child_gender", "postcode": "child_postcode", "upn": "child_upn"}  # fmt: skip


def load_pairs(path: Path = PAIRS_FILE) -> list[dict]:
    """The labelled pairs, as written."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))["pairs"]


def values(child: dict) -> dict:
    """A child as intake stores it: the referral's answers through child_values (so "Not known" is as stored)."""
    dated = {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in child.items()}
    return child_values({_ANSWER[key]: value for key, value in dated.items()})


def outcome(engine: Engine, pair: dict, thresholds: Matching) -> str:
    """What the matcher did with one pair: joined, flagged, joined other, missed / merged, flagged, apart."""
    with Session(engine) as session:
        known = new_child(session, values(pair["known"]), NOW)
        for other in pair.get("others", []):
            new_child(session, values(other), NOW)
        found = find_matches(session, values(pair["referral"]), thresholds)
        session.rollback()
    strong = found.strong.child_id if found.strong else None
    flagged = known.id in {candidate.child_id for candidate in found.possible}
    if pair["same"]:
        if strong is not None:
            return "joined" if strong == known.id else "joined other"
        return "flagged" if flagged else "missed"
    if strong is not None:
        return "merged"
    return "flagged" if flagged or found.possible else "apart"


def measure(engine: Engine, pairs: list[dict], thresholds: Matching) -> list[tuple[dict, str]]:
    """Every pair with its outcome."""
    return [(pair, outcome(engine, pair, thresholds)) for pair in pairs]


def report(results: list[tuple[dict, str]]) -> list[str]:
    """Precision, recall and false merges overall, then each kind of pair."""
    tally = Counter(("same" if pair["same"] else "different", result) for pair, result in results)
    same_n = sum(n for (side, _), n in tally.items() if side == "same")
    different_n = sum(n for (side, _), n in tally.items() if side == "different")
    joined, flagged = tally[("same", "joined")], tally[("same", "flagged")]
    false_merges = tally[("different", "merged")] + tally[("same", "joined other")]
    wrongly_flagged = tally[("different", "flagged")]
    found = joined + flagged
    lines = [
        f"  {same_n} same-child pairs, {different_n} different-child pairs ({PAIRS_FILE.name})",
        f"  automatic merges: {joined + false_merges}, of which wrong (false merges): {false_merges}; "
        f"precision {joined / max(joined + false_merges, 1):.3f}, recall {joined / max(same_n, 1):.3f}",
        f"  found (merged or offered as a possible match): recall {found / max(same_n, 1):.3f} "
        f"({found}/{same_n}); precision {found / max(found + false_merges + wrongly_flagged, 1):.3f}",
        f"  different children offered as a possible match: {wrongly_flagged}/{different_n}; "
        f"kept apart: {tally[('different', 'apart')]}/{different_n}",
    ]
    kinds = sorted({(pair["same"], pair["kind"]) for pair, _ in results}, key=lambda k: (not k[0], k[1]))
    for same, kind in kinds:
        counts = Counter(result for pair, result in results if pair["kind"] == kind and pair["same"] == same)
        shown = ", ".join(f"{name} {counts[name]}" for name in sorted(counts))
        lines.append(f"    {'same' if same else 'different'} / {kind:<17} {shown}")
    return lines


def misses(results: list[tuple[dict, str]]) -> list[str]:
    """The pairs the matcher got wrong or only half right, by id (names stay in the file)."""
    bad = {"joined other", "missed", "merged"}
    return [f"    {pair['id']}: {result}" for pair, result in results if result in bad]
