"""Before a DfE census day the officer's digest lists the counted cases with no reason for the return."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlmodel import Session, select

from handlers.casework.census import reasons_due
from handlers.casework.reminders import run_sweep
from handlers.core import Core
from storage.models import Case
from tests.handlers.casework.test_cases import make_case
from tests.handlers.casework.test_reminders import at, outbox

OFFICER = "terminal:local:cme-officer"
CENSUS = dt.date(2027, 1, 21)  # the spring census day: the third Thursday of January


def _case(engine, profile, seq: int, **values) -> str:
    reference = make_case(engine, profile, seq, at(2026, 12, 14, 9), assigned_to=values.pop("assigned_to", None))
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        for name, value in {"triage_outcome": "cme", **values}.items():
            setattr(case, name, value)
        session.add(case)
        session.commit()
    return reference


def _seed(engine, profile) -> dict[str, str]:
    return {
        "no reason": _case(engine, profile, 1),
        "has a reason": _case(engine, profile, 2, cme_reason="waiting-school-start"),
        "officer's, no reason": _case(engine, profile, 3, assigned_to=OFFICER),
        "not CME": _case(engine, profile, 4, triage_outcome="ehe"),
        "closed": _case(engine, profile, 5, state="closed", closed_at=at(2026, 12, 20, 9)),
    }


def test_the_cases_counted_with_no_reason_are_listed_only_in_the_days_before_a_census_day(engine, profile):
    cases = _seed(engine, profile)
    with Session(engine) as session:
        due = reasons_due(session, today=dt.date(2027, 1, 6))
        assert {officer: item.references for officer, item in due.items()} == {
            None: (cases["no reason"],),
            OFFICER: (cases["officer's, no reason"],),
        }
        assert {item.census for item in due.values()} == {CENSUS}
        assert reasons_due(session, today=dt.date(2026, 12, 1)) == {}  # seven weeks before: not yet
        assert reasons_due(session, today=CENSUS) != {}  # the day itself still asks


def test_the_digest_asks_for_the_reasons_before_the_census_day(engine, profile):
    cases = _seed(engine, profile)
    with time_machine.travel(at(2027, 1, 6, 8, 31), tick=False):
        run_sweep(Core(engine=engine, profile=profile))
    (mine,) = outbox(engine, "reminder.digest")  # one message: the officer's cases and the team's
    assert mine.recipient["conversation_id"] == "dm:cme-officer"
    assert "Before the DfE census day (Thu 21 Jan 2027), 2 case(s) need a reason" in mine.text
    listed = mine.text.split("need a reason")[1]
    assert cases["no reason"] in listed and cases["officer's, no reason"] in listed
    assert cases["has a reason"] not in listed
    need = [cases["officer's, no reason"], cases["no reason"]]
    assert mine.payload["census"] == {"date": "2027-01-21", "need_reason": need}
    assert "Zephyrine" not in mine.text  # references only


def test_no_census_prompt_weeks_before(engine, profile):
    _seed(engine, profile)
    with time_machine.travel(at(2026, 12, 15, 8, 31), tick=False):
        run_sweep(Core(engine=engine, profile=profile))
    assert all("census day" not in row.text for row in outbox(engine, "reminder.digest"))
