"""The referral conversation end to end through the router, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.messages import ReplyKind
from storage.models import AuditEvent, Case, Outbox, Report
from tests.support import CALM_REFERRAL, Person


def test_calm_referral_creates_case_report_audit_and_alert(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    review = alice.fill(CALM_REFERRAL)
    assert review[-1].kind is ReplyKind.REVIEW
    assert ("2. First name(s)", "Zephyrine") in review[-1].facts
    done = alice.say("submit")
    confirmation = done[-1]
    assert confirmation.kind is ReplyKind.CONFIRMATION
    reference = confirmation.data["reference"]
    assert reference == "CME-2026-0001"
    assert "What happens next" in confirmation.text
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
        assert (case.reference, case.urgent, case.triage_outcome) == (reference, False, "cme")
        report = session.exec(select(Report)).one()
        assert report.answers["child_forenames"] == "Zephyrine"
        assert report.answers["child_dob"] == "2014-05-02"
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "case.created")).one().case_id == case.id
        alert = session.exec(select(Outbox)).one()
        assert reference in alert.text and not alert.urgent
        assert "Zephyrine" not in alert.text and "Quillfeather" not in alert.text


def test_referrer_name_comes_from_channel_identity(router):
    alice = Person(router, name="Alice Teacher")
    alice.say("/cme report")
    review = alice.fill(CALM_REFERRAL)[-1]
    assert any(label.endswith("Your name") and value == "Alice Teacher" for label, value in review.facts)
    asked = [r.question.field_id for r in alice.heard if r.question]
    assert "referrer_name" not in asked


def test_a_name_the_channel_learns_mid_form_is_used_when_the_form_gets_there(router):
    alice = Person(router, name=None)  # Slack says who someone is only after their first message
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL, until="concern")
    alice.name = "Alice Teacher"
    review = alice.fill(CALM_REFERRAL)[-1]
    assert any(label.endswith("Your name") and value == "Alice Teacher" for label, value in review.facts)
    assert "referrer_name" not in [r.question.field_id for r in alice.heard if r.question]


def test_a_channel_profile_phone_the_question_would_refuse_is_asked_for_instead(router):
    alice = Person(router, name="Alice Teacher")
    alice.phone, alice.email = "ext 2234", "ALICE@School.Example.ORG"  # as a Slack profile may hold them
    alice.say("/cme report")
    review = dict(alice.fill(CALM_REFERRAL | {"referrer_phone": "0161 496 0123"})[-1].facts)
    asked = [r.question.field_id for r in alice.heard if r.question]
    assert "referrer_phone" in asked and "referrer_email" not in asked
    assert any(v == "0161 496 0123" for k, v in review.items() if k.endswith("Your phone"))
    assert any(v.lower() == "alice@school.example.org" for k, v in review.items() if k.endswith("Your email"))


def test_harm_shows_signpost_before_next_question_and_marks_urgent(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    answers = dict(CALM_REFERRAL, harm_indicators="2, 3")
    alice.fill(answers | {"mash_contacted": "not yet"})
    kinds = [r.kind for r in alice.heard]
    signpost_at = kinds.index(ReplyKind.SIGNPOST)
    harm_question = max(i for i, r in enumerate(alice.heard[:signpost_at]) if r.question)
    assert alice.heard[harm_question].question.field_id == "harm_indicators"
    assert all(r.question is None for r in alice.heard[harm_question + 1 : signpost_at + 1])
    assert alice.heard[signpost_at + 2].question.field_id == "mash_contacted"
    assert "0161 253 5678" in " ".join(v for _, v in alice.heard[signpost_at].facts)  # MASH in office hours
    done = alice.say("submit")
    assert any(r.kind is ReplyKind.SIGNPOST for r in done)
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
        report = session.exec(select(Report)).one()
        assert case.urgent and report.harm_flagged
        assert report.mash_contacted == "not-yet"
        assert report.signpost_shown_at is not None
        alerts = session.exec(select(Outbox).order_by(Outbox.id)).all()
        assert [a.kind for a in alerts] == ["harm.flagged", "case.new"]
        assert all(a.urgent for a in alerts)
        assert all("Zephyrine" not in a.text and "Quillfeather" not in a.text for a in alerts)


def test_immediate_danger_out_of_hours_leads_with_999_then_out_of_hours_team(router, clock):
    clock.now = dt.datetime(2026, 11, 28, 22, 0, tzinfo=dt.UTC)  # Saturday night
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(
        {
            "child_forenames": "A",
            "child_surname": "B",
            "missing_from_home": "no",
            "on_roll": "no",
            "home_educated": "no",
            "awaiting_place": "no",
            "other_provision": "no",
            "immediate_danger": "yes",
            "harm_indicators": "none",
            "mash_contacted": "yes",
        },
        until="parent_names",
    )
    signpost = next(r for r in alice.heard if r.kind is ReplyKind.SIGNPOST)
    numbers = [v for _, v in signpost.facts]
    assert numbers[0].startswith("999")
    assert any("0161 253 6606" in n for n in numbers)
    assert not any("0161 253 5678" in n for n in numbers)


def test_triage_redirect_on_roll_offers_stop_and_stop_creates_nothing(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    replies = alice.fill(
        {
            "child_forenames": "A",
            "child_surname": "B",
            "child_dob": "02/05/2014",
            "missing_from_home": "no",
            "on_roll": "yes",
        },
        decisions={"triage": "stop"},
    )
    explanation = next(r for r in alice.heard if r.data.get("triage") == "attendance")
    assert "attendance" in explanation.title.lower()
    assert "Stopped" in replies[-1].text
    with Session(engine) as session:
        assert session.exec(select(Case)).first() is None
    assert "report" in alice.say("/cme status")[0].text  # no draft left behind: status lists nothing


def test_triage_redirect_can_be_overridden_and_still_reported(router, engine):
    alice = Person(router)
    alice.say("/cme report")
    answers = dict(CALM_REFERRAL, on_roll="yes")
    alice.fill(answers, decisions={"triage": "carry on"})
    done = alice.say("submit")
    assert done[-1].kind is ReplyKind.CONFIRMATION
    with Session(engine) as session:
        assert session.exec(select(Case)).one().triage_outcome == "attendance"


def test_below_school_age_is_said_at_once(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill({"child_forenames": "A", "child_surname": "B", "child_dob": "10/01/2023"}, decisions={"triage": "stop"})
    assert any(r.data.get("triage") == "below_school_age" for r in alice.heard)


def test_signpost_is_not_repeated_unless_the_danger_is_greater(router):
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(
        dict(CALM_REFERRAL, immediate_danger="yes", harm_indicators="1", mash_contacted="yes"), until="parent_names"
    )
    signposts = [r for r in alice.heard if r.kind is ReplyKind.SIGNPOST]
    assert len(signposts) == 1 and signposts[0].data["signpost"]["immediate_danger"]
    bob = Person(router, user="bob")
    bob.say("/cme report")
    bob.fill(
        dict(
            CALM_REFERRAL,
            details="x",
            child_address="Lives with an uncle; she is scared to go home",
            harm_indicators="2",
            immediate_danger="no",
            mash_contacted="yes",
        ),
        until="parent_names",
    )
    assert len([r for r in bob.heard if r.kind is ReplyKind.SIGNPOST]) == 1
    assert any("alerted" in r.text for r in bob.heard)
