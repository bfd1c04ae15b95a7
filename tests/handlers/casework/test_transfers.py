"""Moves between councils through the router: /cme transfer, its acknowledgement, closing, /cme incoming."""

from __future__ import annotations

import datetime as dt
import threading

from sqlmodel import Session, select

from handlers.casework.reminders import run_sweep
from handlers.commands import build_router
from handlers.core import Core
from handlers.knowledge.profile import CouncilContact
from handlers.messages import ActionId, ReplyKind
from storage.children import Transfer
from storage.models import Case, EnquiryStep
from tests.handlers.casework.test_cases import events, press, raise_case
from tests.handlers.casework.test_child_intake import confirmed
from tests.handlers.casework.test_reminders import outbox
from tests.support import CALM_REFERRAL, Person


def transfers(engine) -> list[Transfer]:
    with Session(engine) as session:
        return list(session.exec(select(Transfer).order_by(Transfer.id)).all())


def steps(engine, reference: str) -> dict[str, EnquiryStep]:
    with Session(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        rows = session.exec(select(EnquiryStep).where(EnquiryStep.case_id == case.id)).all()
        return {row.step_id: row for row in rows}


def with_leeds(core: Core) -> Core:
    """The same core with Leeds's CME contact in the profile's directory."""
    leeds = CouncilContact(label="Leeds CME team", email="cme@leeds.example")
    profile = core.profile.model_copy(update={"councils": {"383": leeds}})
    return Core(engine=core.engine, profile=profile, clock=core.clock)


def test_transfer_to_a_council_in_the_directory_records_it_and_adds_the_steps_with_school_day_deadlines(core, engine):
    router = build_router(with_leeds(core))
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    done = officer.say(f"/cme transfer {reference} Leeds City Council phone")
    assert done[0].kind is ReplyKind.CONFIRMATION and "Leeds (383)" in done[0].text
    assert "cme@leeds.example" in done[0].text  # the directory's contact, not asked for
    (move,) = transfers(engine)
    assert (move.direction, move.council_code, move.method, move.acknowledged_at) == ("out", "383", "phone", None)
    assert move.notified_at is not None and move.created_by == "terminal:local:cme-officer"
    plan = steps(engine, reference)
    assert plan["transfer-notify"].state == "done"  # told by phone as the move was recorded
    # Thursday 26 November 2026: 5 school days is Thursday 3 December, 10 is Thursday 10 December.
    assert plan["transfer-lpd"].due_on == dt.date(2026, 12, 3) and plan["transfer-lpd"].title.endswith(": Leeds")
    assert plan["transfer-ack"].due_on == dt.date(2026, 12, 10) and plan["transfer-ack"].state == "open"
    (event,) = events(engine, "transfer.started")
    assert event.detail == {"council": "383", "method": "phone"}


def test_closing_as_moved_is_refused_until_the_acknowledgement_is_recorded(router, engine):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    refused = officer.say(f"/cme close {reference} moved_other_la")[0]
    assert refused.kind is ReplyKind.ERROR and f"/cme transfer {reference} ack EVIDENCE" in refused.text
    asked = officer.say(f"/cme transfer {reference} 943")  # Westmorland and Furness is not in the directory
    assert "isn't in our directory" in asked[0].text and asked[-1].question.field_id == "contact"
    assert officer.say("someone")[0].kind is ReplyKind.ERROR  # neither an email nor a phone number
    assert officer.say("cme@westmorlandandfurness.example")[-1].question.field_id == "method"
    assert officer.say("secure email")[0].kind is ReplyKind.CONFIRMATION
    again = officer.say(f"/cme close {reference} moved_other_la")[0]
    assert again.kind is ReplyKind.ERROR and "acknowledgement" in again.text
    acked = officer.say(f"/cme transfer {reference} ack on roll at Kendal Primary, confirmed by their CME officer")
    assert acked[0].kind is ReplyKind.CONFIRMATION and acked[0].buttons[0].value.endswith("moved_other_la")
    (move,) = transfers(engine)
    assert move.contact == "cme@westmorlandandfurness.example" and move.method == "secure_email"
    assert move.acknowledged_at is not None and move.evidence.startswith("on roll at Kendal")
    assert steps(engine, reference)["transfer-ack"].state == "done"
    pressed = press(router, "cme-officer", ActionId.CASE_CLOSE, acked[0].buttons[0].value)
    closed = confirmed(officer, pressed)  # its other enquiry steps not done: confirmed with a reason
    assert closed[0].kind is ReplyKind.CONFIRMATION and closed[0].data["outcome"] == "moved_other_la"
    (event,) = events(engine, "transfer.acknowledged")
    assert event.reason.startswith("on roll at Kendal") and event.detail == {"council": "943"}


def test_an_abolished_or_ambiguous_council_lists_the_candidates_as_buttons_and_nothing_is_guessed(router, engine):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    cumbria = officer.say(f"/cme transfer {reference} Cumbria")[0]
    assert "replaced on 1 April 2023" in cumbria.text
    assert [b.value for b in cumbria.buttons] == [f"/cme transfer {reference} 942", f"/cme transfer {reference} 943"]
    kingston = officer.say(f"/cme transfer {reference} Kingston phone")[0]
    assert {b.label for b in kingston.buttons} == {"Kingston upon Thames (314)", "Kingston upon Hull, City of (810)"}
    assert all(b.value.endswith(" phone") for b in kingston.buttons)  # the method typed travels with the choice
    typo = officer.say(f"/cme transfer {reference} Leds")[0]
    assert [b.label for b in typo.buttons] == ["Leeds (383)"]
    unknown = officer.say(f"/cme transfer {reference} Narnia")[0]
    assert unknown.kind is ReplyKind.ERROR and "three-digit DfE LA code" in unknown.text
    assert transfers(engine) == [] and "transfer-ack" not in steps(engine, reference)
    asked = press(router, "cme-officer", ActionId.OPEN_FORM, cumbria.buttons[0].value)
    assert asked[-1].question.field_id == "contact" and "Cumberland" in asked[0].title


def test_transfer_twice_a_closed_case_and_an_ack_without_a_move_are_refused_clearly(core, engine):
    router = build_router(with_leeds(core))
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    early = officer.say(f"/cme transfer {reference} ack")[0]
    assert early.kind is ReplyKind.ERROR and f"/cme transfer {reference} COUNCIL" in early.text
    officer.say(f"/cme transfer {reference} 383 email")
    twice = officer.say(f"/cme transfer {reference} Manchester phone")[0]
    assert twice.kind is ReplyKind.ERROR and "already being moved to Leeds" in twice.text
    assert len(transfers(engine)) == 1
    officer.say(f"/cme transfer {reference} ack")
    confirmed(officer, officer.say(f"/cme close {reference} moved_other_la"))
    closed = officer.say(f"/cme transfer {reference} Manchester phone")[0]
    assert closed.kind is ReplyKind.ERROR and f"/cme reopen {reference}" in closed.text
    missing = officer.say("/cme transfer CME-2026-9999 Leeds")[0]
    assert missing.kind is ReplyKind.ERROR and "There is no case CME-2026-9999" in missing.text


def test_not_told_yet_then_notified_later_records_when_and_how(router, engine, clock):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    officer.say(f"/cme transfer {reference} Leeds")
    officer.say("0113 000 0000")
    said = officer.say("not told yet")[0]
    assert "not told yet" in said.text and f"/cme transfer {reference} notified" in said.text
    assert transfers(engine)[0].notified_at is None and steps(engine, reference)["transfer-notify"].state == "open"
    clock.advance(hours=2)
    told = officer.say(f"/cme transfer {reference} notified phone")
    assert told[0].kind is ReplyKind.CONFIRMATION
    (move,) = transfers(engine)
    assert move.method == "phone" and move.notified_at.replace(tzinfo=dt.UTC) == clock()
    assert steps(engine, reference)["transfer-notify"].state == "done"


def test_a_reporter_cannot_transfer_or_record_an_incoming_child(router, engine):
    reference = raise_case(router)
    alice = Person(router, user="alice")
    assert alice.say(f"/cme transfer {reference} Leeds phone")[0].kind is ReplyKind.ERROR
    assert alice.say("/cme incoming Leeds")[0].kind is ReplyKind.ERROR
    assert transfers(engine) == [] and len(events(engine, "permission.refused")) == 2


def test_incoming_child_is_the_referral_form_with_the_sending_council_and_their_reference(router, engine):
    officer = Person(router, user="cme-officer", name="Olive Officer")
    first = officer.say("/cme incoming Leeds LCC-2026-0117")
    assert first[-1].question.field_id == "immediate_danger"  # the council and their reference came with the command
    officer.fill(CALM_REFERRAL)
    done = officer.say("submit")[0]
    assert done.kind is ReplyKind.CONFIRMATION and "notified by Leeds (383)" in done.text
    (move,) = transfers(engine)
    assert (move.direction, move.council_code, move.their_reference) == ("in", "383", "LCC-2026-0117")
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
    assert case.reference == done.data["reference"] and move.case_id == case.id
    assert len(events(engine, "case.created")) == 1 and len(events(engine, "transfer.incoming")) == 1


def test_incoming_without_a_council_asks_for_it_and_checks_it(router, engine):
    officer = Person(router, user="cme-officer")
    assert officer.say("/cme incoming")[-1].question.field_id == "from_council"
    wrong = officer.say("Cumbria")
    assert wrong[0].kind is ReplyKind.ERROR and "Cumberland (942)" in wrong[0].text
    assert officer.say("942")[-1].question.field_id == "their_reference"
    officer.say("skip")
    officer.fill(CALM_REFERRAL)
    assert officer.say("submit")[0].kind is ReplyKind.CONFIRMATION
    (move,) = transfers(engine)
    assert (move.council_name, move.their_reference) == ("Cumberland", None)


def test_the_case_view_shows_the_moves_to_and_from_other_councils(router, engine):
    officer = Person(router, user="cme-officer", name="Olive Officer")
    officer.say("/cme incoming Westmorland WF-2026-31")
    officer.fill(CALM_REFERRAL)
    reference = officer.say("submit")[0].data["reference"]
    before = officer.say(f"/cme case {reference}")
    (shown,) = [r for r in before if r.title == "Moves between councils"]
    assert shown.facts == (("From Westmorland and Furness (943)", "their reference WF-2026-31; recorded 26 Nov 2026"),)
    for said in (f"/cme transfer {reference} Leeds", "cme@leeds.example", "not told yet"):
        officer.say(said)
    after = officer.say(f"/cme case {reference}")
    (shown,) = [r for r in after if r.title == "Moves between councils"]
    to_leeds = ("To Leeds (383)", "contact cme@leeds.example; not told yet; awaiting acknowledgement")
    assert shown.facts[1] == to_leeds
    assert [r for r in Person(router, user="alice").say(f"/cme case {reference}") if r.facts] == []  # officers only


def test_the_transfer_steps_are_in_the_digest_when_due_and_the_acknowledgement_stops_them(router, core, engine, clock):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    for number in range(1, 10):  # the referral's own plan is done: only the move is left to chase
        officer.say(f"/cme done {reference} {number}")
    for said in (f"/cme transfer {reference} Leeds", "cme@leeds.example", "phone"):
        officer.say(said)
    clock.advance(days=14)  # Thursday 10 December 2026, 10:00: after the digest time
    run_sweep(core)
    (digest,) = [row for row in outbox(engine) if row.kind == "reminder.digest"]
    assert digest.text.splitlines()[1:4] == [
        f"{reference} (not assigned yet)",
        "  • Check the Lost Pupils Database / School2School: Leeds: OVERDUE (was due Thu 3 Dec 2026)",
        "  • Get the other council's acknowledgement: Leeds: due today",
    ]
    officer.say(f"/cme transfer {reference} ack")
    clock.advance(days=1)
    run_sweep(core)
    (_, second) = [row for row in outbox(engine) if row.kind == "reminder.digest"]
    assert "acknowledgement" not in second.text and "Lost Pupils Database" in second.text


def test_evidence_without_an_acknowledgement_also_lets_the_case_close_and_says_what_it_needs(core, engine):
    router = build_router(with_leeds(core))
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    officer.say(f"/cme transfer {reference} 383 not_yet")  # not a method word: taken as part of the council
    assert transfers(engine) == []
    officer.say(f"/cme transfer {reference} 383")
    officer.say("not told yet")
    bare = officer.say(f"/cme transfer {reference} evidence")[0]
    assert bare.kind is ReplyKind.ERROR and f"/cme transfer {reference} evidence TEXT" in bare.text
    said = officer.say(f"/cme transfer {reference} evidence Lost Pupils Database: on roll at a Leeds school")[0]
    assert said.kind is ReplyKind.CONFIRMATION and "evidence that the family" in said.text
    (move,) = transfers(engine)
    assert move.acknowledged_at is None and move.evidence.startswith("Lost Pupils Database")
    plan = steps(engine, reference)
    assert plan["transfer-ack"].state == "done" and plan["transfer-notify"].state == "open"  # still to tell them
    assert confirmed(officer, officer.say(f"/cme close {reference} moved_other_la"))[0].kind is ReplyKind.CONFIRMATION
    (event,) = events(engine, "transfer.evidence")
    assert event.reason.startswith("Lost Pupils Database") and event.detail == {"council": "383"}


def test_this_council_itself_is_not_a_move_between_councils(router, engine):
    reference = raise_case(router)
    officer = Person(router, user="cme-officer")
    within = officer.say(f"/cme transfer {reference} Bury phone")[0]
    assert within.kind is ReplyKind.ERROR and "Bury (351) is this council" in within.text
    assert f"/cme note {reference}" in within.text
    assert "is this council" in officer.say("/cme incoming 351 B-1")[0].text
    officer.say("/cme incoming")
    typed = officer.say("Bury Council")[0]
    assert typed.kind is ReplyKind.ERROR and "is this council" in typed.text
    assert transfers(engine) == []


def test_two_officers_recording_a_move_at_once_take_turns_and_the_second_is_told(core, engine):
    router = build_router(with_leeds(core))
    reference = raise_case(router)
    with Session(engine) as first:  # the first officer's turn, part-way: the case locked, the move not yet committed
        case = first.exec(select(Case).where(Case.reference == reference).with_for_update()).one()
        first.add(Transfer(case_id=case.id, council_code="383", council_name="Leeds", created_by="terminal:local:a"))
        first.flush()
        said: list = []
        second = threading.Thread(
            target=lambda: said.extend(Person(router, user="cme-manager").say(f"/cme transfer {reference} 383 email"))
        )
        second.start()
        second.join(timeout=1.0)
        assert second.is_alive()  # waiting for the first officer's turn to end
        first.commit()
    second.join(timeout=10)
    assert said[0].kind is ReplyKind.ERROR and "already being moved to Leeds" in said[0].text
    assert len(transfers(engine)) == 1 and events(engine, "transfer.started") == []


def test_an_incoming_child_already_open_here_is_added_to_that_case_with_where_it_came_from(router, engine):
    first = raise_case(router)  # a school here raised the same child
    officer = Person(router, user="cme-officer", name="Olive Officer")
    officer.say("/cme incoming Leeds LCC-2026-0117")
    officer.fill(CALM_REFERRAL)
    done = officer.say("submit")[0]
    assert done.kind is ReplyKind.CONFIRMATION and f"It is the child of open case {first}" in done.text
    assert done.buttons[0].value == f"/cme case {first}"
    (move,) = transfers(engine)
    with Session(engine) as session:
        standing = session.exec(select(Case).where(Case.reference == first)).one()
    assert move.case_id == standing.id and move.their_reference == "LCC-2026-0117"
    (event,) = events(engine, "transfer.incoming")
    assert event.case_id == standing.id and event.detail == {"council": "383", "referral": done.data["reference"]}
    view = officer.say(f"/cme case {first}")
    assert any(r.title == "Moves between councils" and r.facts[0][0] == "From Leeds (383)" for r in view)
