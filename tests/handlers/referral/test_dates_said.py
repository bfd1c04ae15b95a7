"""Dates in a referral as people say them (issue 21 item 2): stored as the day meant, shown to the officer so."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.messages import ReplyKind
from handlers.reports.dfe_check import cases_to_check
from storage.models import Case, Report
from tests.support import CALM_REFERRAL, Person


def test_three_weeks_ago_is_stored_as_that_day_and_shown_to_the_officer_as_that_date(router, engine, clock):
    alice = Person(router, user="alice")
    alice.say("/cme report")
    alice.fill({**CALM_REFERRAL, "date_last_attended": "3 weeks ago", "date_last_seen": "early October"})
    said = [r.text for r in alice.heard if r.kind is ReplyKind.INFO and r.text.startswith("Taken as")]
    meant = clock().date() - dt.timedelta(days=21)  # Thursday 5 November 2026
    assert f"Taken as {meant:%A} {meant.day} {meant:%B %Y}." in said
    assert "Taken as early October 2026." in said
    reference = alice.say("submit")[-1].data["reference"]
    with Session(engine) as session:
        answers = session.exec(select(Report)).one().answers
        case = session.exec(select(Case)).one()
    assert answers["date_last_attended"] == meant.isoformat() and case.missing_since == meant
    assert answers["date_last_seen.precision"] == "early"
    details = Person(router, user="cme-officer").say(f"/cme case {reference}")[1]
    assert ("Last attended", f"{meant.day} {meant:%B %Y}") in details.facts
    assert ("Last seen", "early October 2026") in details.facts


def test_a_rough_date_last_attended_is_counted_from_its_first_day_and_the_officer_is_asked_for_the_day(
    router, engine, profile
):
    alice = Person(router, user="alice")
    alice.say("/cme report")
    alice.fill({**CALM_REFERRAL, "date_last_attended": "early October"})
    reference = alice.say("submit")[-1].data["reference"]
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
        assert (case.missing_since, case.missing_since_precision) == (dt.date(2026, 10, 1), "early")
        (check,) = cases_to_check(session, census=dt.date(2027, 1, 14), tz=profile.tz)
    assert "missing since early October 2026, a rough date from the referral: set the day" in str(check)
    officer = Person(router, user="cme-officer")
    assert officer.say(f"/cme set {reference} missing-since 5/10/2026")[0].kind is ReplyKind.CONFIRMATION
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
        assert (case.missing_since, case.missing_since_precision) == (dt.date(2026, 10, 5), None)
