"""The officer asks the reporter (/cme follow-up): question, answer, reminder, digest (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlmodel import Session, select

from handlers.casework import follow_ups, waiting_questions
from handlers.messages import ReplyKind
from storage.db import unit_of_work
from storage.models import AuditEvent, Case, Outbox, Report
from storage.reporter_links import FollowUp
from tests.handlers.casework.test_child_intake import AVA, close, refer, view
from tests.support import Person

OFFICER = "cme-officer"
QUESTION = "Has the family been seen?"


def to(engine, conversation: str, kind: str | None = None) -> list[Outbox]:
    """What the outbox holds for one inbox (dm:alice, dm:cme-officer, officers), oldest first."""
    with Session(engine) as session:
        rows = session.exec(select(Outbox).order_by(Outbox.id)).all()
    return [r for r in rows if r.recipient.get("conversation_id") == conversation and kind in (None, r.kind)]


def actions(engine) -> list[str]:
    with Session(engine) as session:
        return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def ask(router, reference: str, question: str = QUESTION, officer: str = OFFICER):
    return Person(router, user=officer).say(f"/cme follow-up {reference} {question}")[-1]


def test_the_question_reaches_the_reporter_and_their_answer_appears_on_the_case(router, engine):
    reference = refer(router, "alice", AVA)
    sent = ask(router, reference)
    assert sent.kind is ReplyKind.CONFIRMATION and "Tue 1 Dec 2026" in sent.text  # 3 school days after Thu 26 Nov
    [question] = to(engine, "dm:alice", "reporter.question")
    assert reference in question.text and QUESTION in question.text
    assert f"/cme add {reference}" in question.text
    assert question.payload["preview"] == f"A question about your concern {reference}"  # no question on a lock screen
    assert question.payload["thread"]["reference"] == reference and question.payload["buttons"][0]["label"] == "Answer"
    status = dict(Person(router, user="alice").say(f"/cme status {reference}")[-1].facts)
    assert "in your messages from the bot" in status["Question for you"] and QUESTION not in str(status)
    answered = Person(router, user="alice").say(f"/cme add {reference} Yes, seen at the park on Saturday")[-1]
    assert answered.kind is ReplyKind.CONFIRMATION and "officer who asked has been told" in answered.text
    facts = dict(view(router, reference)["The reporter"].facts)
    assert any(v == f"{QUESTION} [answered]" for v in facts.values())
    assert "Yes, seen at the park on Saturday" in facts.values()
    [told] = to(engine, f"dm:{OFFICER}", "reporter.answer")
    assert told.text == f"The reporter answered your question on {reference}. Open it: /cme case {reference}"
    assert {"reporter.asked", "reporter.answered"} <= set(actions(engine))
    assert "Question for you" not in dict(Person(router, user="alice").say(f"/cme status {reference}")[-1].facts)


def test_only_staff_may_ask_and_a_restricted_case_only_its_named_officers(router, engine, profile):
    reference = refer(router, "alice", AVA)
    refused = Person(router, user="alice").say(f"/cme follow-up {reference} {QUESTION}")[-1]
    assert refused.kind is ReplyKind.ERROR and "officer" in refused.text
    restricted = Person(router, user=OFFICER).say(f"/cme restrict {reference} family known to staff")[-1]
    assert restricted.kind is ReplyKind.CONFIRMATION, restricted.text
    manager = ask(router, reference, officer="cme-manager")
    assert manager.kind is ReplyKind.ERROR and "restricted case" in manager.text
    assert ask(router, reference).kind is ReplyKind.CONFIRMATION  # the officer who restricted it is named on it
    assert len(to(engine, "dm:alice", "reporter.question")) == 1


def test_a_closed_case_or_no_question_or_a_long_one(router, engine):
    reference = refer(router, "alice", AVA)
    officer = Person(router, user=OFFICER)
    form = officer.say(f"/cme follow-up {reference}")
    assert form[0].title == f"Ask the reporter: {reference}" and form[-1].question.field_id == "question"
    assert officer.say("cancel")[-1].kind is not ReplyKind.ERROR
    long = ask(router, reference, "why? " * 300)
    assert long.kind is ReplyKind.ERROR and "1,000" in long.text
    close(router, reference)
    closed = ask(router, reference)
    assert closed.kind is ReplyKind.ERROR and "is closed" in closed.text and f"/cme reopen {reference}" in closed.text
    assert to(engine, "dm:alice", "reporter.question") == []


def test_unanswered_after_its_school_days_one_reminder_then_the_digest_and_the_flag(router, engine, core, clock):
    reference = refer(router, "alice", AVA)
    ask(router, reference)
    with Session(engine) as session:
        case_id = session.exec(select(Case.id).where(Case.reference == reference)).one()
    assert follow_ups.run_reminders(core) == 0  # Thursday: not due yet
    with Session(engine) as session:
        assert waiting_questions.cases_waiting_for_reporter(session, [case_id]) == {case_id}
    clock.advance(days=4)  # Monday 30 Nov: the second school day after
    assert follow_ups.run_reminders(core) == 0
    clock.advance(days=1)  # Tuesday 1 Dec: the third
    assert follow_ups.run_reminders(core) == 1
    assert follow_ups.run_reminders(core) == 0, "one reminder only"
    [reminder] = to(engine, "dm:alice", "reporter.reminder")
    lead = f"Reminder: the CME officer is still waiting about the concern you raised ({reference})"
    assert reminder.text.startswith(lead)
    with Session(engine) as session:
        [waiting] = waiting_questions.follow_ups_waiting(session, profile=core.profile)
        someone = "terminal:local:someone"
        assert waiting_questions.follow_ups_waiting(session, profile=core.profile, officer=someone) == []
    assert waiting.reference == reference and waiting.asked_by == f"terminal:local:{OFFICER}"
    assert waiting.line().startswith(f"{reference}: your question to the reporter of Thu 26 Nov 2026 is unanswered")
    assert "reminded Tue 1 Dec 2026" in waiting.line()
    Person(router, user="alice").say(f"/cme add {reference} Not seen since")
    with Session(engine) as session:
        assert waiting_questions.follow_ups_waiting(session, profile=core.profile) == []
        assert waiting_questions.cases_waiting_for_reporter(session, [case_id]) == set()


def test_a_withdrawn_question_is_not_reminded(router, engine, core, clock):
    reference = refer(router, "alice", AVA)
    ask(router, reference)
    withdrawn = Person(router, user=OFFICER).say(f"/cme follow-up {reference} withdraw")[-1]
    assert withdrawn.kind is ReplyKind.CONFIRMATION and "Withdrawn: 1 question" in withdrawn.text
    clock.advance(days=6)
    assert follow_ups.run_reminders(core) == 0
    again = Person(router, user=OFFICER).say(f"/cme follow-up {reference} withdraw")[-1]
    assert "no question waiting" in again.text


def test_a_reporter_the_channel_cannot_reach_is_named_to_the_officer_with_their_contact(router, engine, core, clock):
    reference = refer(router, "alice", AVA | {"referrer_phone": "0161 496 0123"})
    with unit_of_work(engine) as session:  # Alice raised it in Slack, and has since left the council
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        case.reporter_key = "slack:T0COUNCIL:U0ALICE"
        case.reporter_address = {"channel": "slack", "conversation_id": "U0ALICE", "user_id": "U0ALICE"}
        session.add(case)
        report = session.exec(select(Report).where(Report.case_id == case.id)).one()
        report.submitted_by = case.reporter_key
        session.add(report)
    ask(router, reference)
    with unit_of_work(engine) as session:
        row = session.exec(select(Outbox).where(Outbox.kind == "reporter.question")).one()
        assert follow_ups.undeliverable(session, row=row, reason="is_archived", profile=core.profile, now=clock())
        assert follow_ups.undeliverable(session, row=row, reason="is_archived", profile=core.profile, now=clock())
        new_case = session.exec(select(Outbox).where(Outbox.kind == "case.new")).first()
        assert not follow_ups.undeliverable(session, row=new_case, reason="x", profile=core.profile, now=clock())
    [told] = to(engine, f"dm:{OFFICER}", "reporter.unreachable")  # once, however often the channel refuses
    assert told.text.startswith(f"Your question on {reference} could not reach the person who raised it: Slack")
    assert "Alice Teacher" in told.text and "0161 496 0123" in told.text and "slack user U0ALICE" in told.text
    with Session(engine) as session:
        [follow_up] = session.exec(select(FollowUp)).all()
    assert follow_up.state == "unreachable" and follow_up.unreachable_reason == "is_archived"
    assert "reporter.unreachable" in actions(engine)
    assert "could not reach them" in str(view(router, reference)["The reporter"].facts)


def test_a_merged_reference_asks_its_own_reporter_and_a_split_keeps_the_question_with_it(router, engine):
    first = refer(router, "alice", AVA)
    second = refer(router, "bob", AVA)  # the same child: merged into Alice's case at intake
    assert ask(router, second).kind is ReplyKind.CONFIRMATION
    assert to(engine, "dm:alice", "reporter.question") == [] and len(to(engine, "dm:bob", "reporter.question")) == 1
    Person(router, user="bob").say(f"/cme add {second} Not seen since Monday")
    facts = dict(view(router, first)["The reporter"].facts)  # the case that stands shows Bob's side too
    assert f"{QUESTION} [answered]" in facts.values() and "Not seen since Monday" in facts.values()
    split = Person(router, user=OFFICER).say(f"/cme split {second} twins, not the same child")[-1]
    assert split.kind is ReplyKind.CONFIRMATION, split.text
    assert f"{QUESTION} [answered]" in dict(view(router, second)["The reporter"].facts).values()
    assert QUESTION not in str(view(router, first).get("The reporter"))
