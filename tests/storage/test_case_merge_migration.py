"""Migration 0013 (case_merge) on a database made before it: a case merged then is split from what is inferred."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from handlers.casework.enquiries import create_plan
from handlers.children.merge import merge_case
from handlers.children.record import child_values, new_child
from handlers.commands import build_router
from handlers.core import Core
from handlers.messages import ReplyKind
from storage.db import unit_of_work
from storage.merges import CaseMerge
from storage.migrate import upgrade
from storage.models import Case, EnquiryStep, Report
from tests.storage.old_schema import database_at, seeding_with_todays_models
from tests.support import Person

RAISED = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


def _case(session, seq: int, child_id: int, reporter: str, answers: dict, profile) -> Case:
    at = RAISED + dt.timedelta(minutes=seq)
    case = Case(reference=f"CME-2026-{seq:04d}", year=2026, seq=seq, reporter_key=reporter, child_id=child_id,
                created_at=at, updated_at=at)  # fmt: skip
    session.add(case)
    session.flush()
    session.add(
        Report(case_id=case.id, form_id="cme_referral", answers=answers, submitted_by=reporter, submitted_at=at)
    )
    create_plan(session, case, profile, at)
    return case


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_merge_made_before_0013_is_split_after_the_upgrade(backend, tmp_path, profile, clock):
    jon = {"child_forenames": "Jon", "child_surname": "Ashcroft", "child_dob": "2014-03-12"}
    joan = {**jon, "child_forenames": "Joan"}
    with database_at("0012", backend, tmp_path) as engine:
        with seeding_with_todays_models(engine), unit_of_work(engine) as session:  # merged, nothing kept to undo it
            child = new_child(session, child_values(jon), RAISED)
            first = _case(session, 1, child.id, "terminal:local:alice", jon, profile)
            second = _case(session, 2, child.id, "terminal:local:bob", joan, profile)
            merge_case(session, second, first, actor="terminal:local:cme-officer", now=RAISED, reason="strong match")
        upgrade(engine)
        with Session(engine) as session:
            assert session.exec(select(CaseMerge)).all() == []
        router = build_router(Core(engine=engine, profile=profile, clock=clock))
        said = Person(router, user="cme-officer").say("/cme split CME-2026-0002 twins")[-1]
        assert said.kind is ReplyKind.CONFIRMATION, said.text
        assert "made before merges were recorded in full" in said.text
        with Session(engine) as session:
            cases = {c.reference: c for c in session.exec(select(Case)).all()}
            mine = cases["CME-2026-0002"]
            assert (mine.state, mine.merged_into) == ("open", None) and mine.child_id != cases["CME-2026-0001"].child_id
            reports = session.exec(select(Report).where(Report.case_id == mine.id)).all()
            assert [r.submitted_by for r in reports] == ["terminal:local:bob"]
            steps = session.exec(select(EnquiryStep).where(EnquiryStep.case_id == mine.id)).all()
            assert {s.state for s in steps} == {"open"}
