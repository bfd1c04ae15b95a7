"""Harm flagged in a referral still being written: who to call, then the reference, or word that it was not sent."""

from __future__ import annotations

from sqlmodel import Session, select

from handlers.casework import harm_drafts
from handlers.forms.flows import expire_idle_drafts
from storage.db import unit_of_work
from storage.models import AuditEvent
from storage.reporter_links import HarmDraft
from tests.handlers.casework.test_child_intake import AVA, officer_alerts
from tests.support import Person

HARM = AVA | {"harm_indicators": "2, 3", "mash_contacted": "not yet"}


def writing(router, **who) -> Person:
    """Alice starts a referral and flags harm; the form now asks whether she contacted MASH."""
    alice = Person(router, user="alice", **who)
    alice.say("/cme report")
    alice.fill(HARM, until="mash_contacted")
    return alice


def drafts(engine) -> list[HarmDraft]:
    with Session(engine) as session:
        return list(session.exec(select(HarmDraft)).all())


def test_the_alert_says_who_the_reporter_is_and_the_new_case_alert_follows_with_the_reference(router, engine):
    alice = writing(router, email="alice@school.example.org", phone="0161 496 0000")
    [alert] = officer_alerts(engine)
    assert alert.kind == "harm.flagged" and alert.urgent
    contact = alert.text.split("how to reach them: ")[1]
    assert contact.startswith("Alice Teacher, 0161 496 0000, alice@school.example.org, terminal user alice.")
    assert "Ava" not in alert.text and "Testchild" not in alert.text
    alice.fill(HARM)
    reference = next(r.data["reference"] for r in alice.say("submit") if "reference" in r.data)
    new_case = officer_alerts(engine)[-1]
    assert new_case.text.startswith(f"URGENT: new CME concern {reference}. This is the referral whose harm alert came")
    assert "10:00" in new_case.text
    [draft] = drafts(engine)
    assert (draft.outcome, draft.reference) == ("sent", reference)


def test_a_cancelled_draft_with_harm_is_told_to_the_officers_once_with_the_contact(router, engine, core):
    alice = writing(router)
    assert harm_drafts.run_check(core) == 0, "still being written"
    alice.say("cancel")
    assert harm_drafts.run_check(core) == 1
    assert harm_drafts.run_check(core) == 0, "told once"
    told = officer_alerts(engine)[-1]
    assert told.kind == "harm.unsent" and told.urgent
    assert "was not sent: they cancelled it" in told.text and "terminal user alice" in told.text
    assert "Ava" not in told.text
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "harm.draft_unsent")).all()
    assert event.detail["outcome"] == "abandoned"


def test_an_expired_draft_with_harm_is_told_and_one_kept_for_later_is_not(router, engine, core, clock):
    alice = writing(router)
    alice.say("/cme keep")
    assert harm_drafts.run_check(core) == 0, "kept for later is still open"
    clock.advance(hours=73)
    with unit_of_work(engine) as session:
        expire_idle_drafts(session, profile=core.profile, now=clock())
    assert harm_drafts.run_check(core) == 1
    assert "it was left unfinished until it expired" in officer_alerts(engine)[-1].text
    alice.say("/cme report")  # the kept draft is found stale and forgotten: nothing more to tell
    assert harm_drafts.run_check(core) == 0


def test_a_draft_gone_after_the_idle_limit_may_have_expired_or_been_cancelled(router, engine, core, clock):
    alice = writing(router)
    clock.advance(hours=73)
    alice.say("Zephyrine")  # back after the limit: the idle draft is deleted and Alice told; nothing records how
    assert harm_drafts.run_check(core) == 1
    assert "it was cancelled, or left unfinished until it expired" in officer_alerts(engine)[-1].text


def test_a_live_draft_that_expires_is_told_as_expired(router, engine, core, clock):
    writing(router)
    clock.advance(hours=71)
    assert harm_drafts.run_check(core) == 0
    clock.advance(hours=2)  # idle past the 72 hours, before or after the expiry job has been round
    assert harm_drafts.run_check(core) == 1
    assert "expired" in officer_alerts(engine)[-1].text
    assert drafts(engine)[0].outcome == "expired"
    with unit_of_work(engine) as session:
        expire_idle_drafts(session, profile=core.profile, now=clock())
    assert harm_drafts.run_check(core) == 0
