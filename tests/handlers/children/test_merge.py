"""Merges and decisions as services, on SQLite and PostgreSQL: refused merges change nothing; one decision stands."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from handlers.children.merge import MergeError, check_case_merge, decide_different, decide_same, merge_case
from handlers.children.record import child_values, new_child
from storage.child_queries import decide_match, match_between
from storage.children import ChildMatch
from storage.db import unit_of_work
from storage.models import AuditEvent, Case

NOW = dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC)


def _case(session: Session, seq: int, child_id: int, state: str = "open") -> Case:
    case = Case(reference=f"CME-2026-{seq:04d}", year=2026, seq=seq, state=state, reporter_key=f"terminal:local:r{seq}",
                child_id=child_id, created_at=NOW + dt.timedelta(minutes=seq), updated_at=NOW)  # fmt: skip
    session.add(case)
    session.flush()
    return case


@pytest.fixture
def two_children(engine):
    """Two open cases about two child records with a pending possible match between them."""
    with unit_of_work(engine) as session:
        ava = new_child(session, child_values({"child_forenames": "Ava", "child_surname": "Testchild"}), NOW)
        eva = new_child(session, child_values({"child_forenames": "Eva", "child_surname": "Test-Child"}), NOW)
        first, second = _case(session, 1, ava.id), _case(session, 2, eva.id)
        session.add(ChildMatch(case_id=second.id, candidate_id=ava.id, score=0.9, reasons=["same date of birth"]))
        return first.id, second.id


def _snapshot(engine) -> list[tuple]:
    with Session(engine) as session:
        cases = [
            (c.reference, c.state, c.merged_into, c.child_id) for c in session.exec(select(Case).order_by(Case.id))
        ]
        return cases + [(m.state, m.version) for m in session.exec(select(ChildMatch))]


@pytest.mark.parametrize("how", ["itself", "closed", "merged elsewhere"])
def test_a_refused_merge_says_why_and_changes_nothing(engine, two_children, how):
    first_id, second_id = two_children
    with unit_of_work(engine) as session:
        first, second = session.get(Case, first_id), session.get(Case, second_id)
        third = _case(session, 3, first.child_id)
        if how == "closed":
            first.state = "closed"
        if how == "merged elsewhere":
            second.merged_into = third.id
    before = _snapshot(engine)
    with unit_of_work(engine) as session:
        first, second = session.get(Case, first_id), session.get(Case, second_id)
        target = second if how == "itself" else first
        with pytest.raises(MergeError) as refused:
            merge_case(session, second, target, actor="terminal:local:cme-officer", now=NOW, reason="test")
    assert "Nothing was changed" in str(refused.value) and "CME-2026-000" in str(refused.value)
    assert _snapshot(engine) == before


def test_merging_into_a_case_merged_elsewhere_names_where_to_look(engine, two_children):
    first_id, second_id = two_children
    with unit_of_work(engine) as session:
        first, second = session.get(Case, first_id), session.get(Case, second_id)
        first.merged_into, first.state = _case(session, 3, first.child_id).id, "merged"
        with pytest.raises(MergeError, match="was itself merged into another case"):
            check_case_merge(second, first)


def test_two_officers_deciding_at_once_one_decision_stands(engine, two_children):
    _, second_id = two_children
    # Both officers saw the pending match (version 0) before either pressed a button.
    seen = []
    for _ in range(2):
        with Session(engine) as session:
            match = session.exec(select(ChildMatch)).one()
            session.expunge(match)
            seen.append(match)
    match_a, match_b = seen
    with unit_of_work(engine) as session:
        assert decide_match(session, match_a, state="same", actor="terminal:local:officer-a", now=NOW)
    with unit_of_work(engine) as session:
        assert not decide_match(session, match_b, state="different", actor="terminal:local:officer-b", now=NOW)
    with Session(engine) as session:
        final = session.exec(select(ChildMatch)).one()
    assert (final.state, final.decided_by, final.version) == ("same", "terminal:local:officer-a", 1)


def test_the_second_decision_is_told_who_decided_and_nothing_changes(engine, two_children):
    first_id, second_id = two_children
    with unit_of_work(engine) as session:
        text = decide_different(session, session.get(Case, second_id), session.get(Case, first_id),
                                actor="terminal:local:officer-a", now=NOW)  # fmt: skip
    assert "different children" in text
    before = _snapshot(engine)
    refused = pytest.raises(MergeError, match="already decided by officer-a: different child")
    with unit_of_work(engine) as session, refused:
        decide_same(session, session.get(Case, second_id), session.get(Case, first_id),
                    actor="terminal:local:officer-b", now=NOW)  # fmt: skip
    assert _snapshot(engine) == before


def test_same_child_merges_the_newer_open_case_into_the_older_and_audits_both(engine, two_children):
    first_id, second_id = two_children
    with unit_of_work(engine) as session:
        decide_same(
            session, session.get(Case, second_id), session.get(Case, first_id), actor="terminal:local:o", now=NOW
        )
    with Session(engine) as session:
        first, second = session.get(Case, first_id), session.get(Case, second_id)
        assert (second.merged_into, second.state, second.child_id) == (first.id, "merged", first.child_id)
        match = match_between(session, [second.id], [first.child_id])
        assert match is not None and match.state == "same"
        actions = sorted(e.action for e in session.exec(select(AuditEvent)))
    assert actions == ["case.merged", "case.merged_in", "child.same", "child.same"]
