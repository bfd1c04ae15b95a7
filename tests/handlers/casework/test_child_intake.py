"""Matching at intake through the router, as reporters and officers use it (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlmodel import Session, select

from handlers.casework.reminders import run_sweep
from handlers.children.possible import possible_matches_of
from handlers.forms.identifiers import upn_check_letter
from handlers.messages import ActionId, ReplyKind
from storage.children import Child, ChildMatch
from storage.models import AuditEvent, Case, EnquiryStep, Outbox, Report
from tests.handlers.casework.test_cases import press
from tests.support import CALM_REFERRAL, Person

AVA = {**CALM_REFERRAL, "child_forenames": "Ava", "child_surname": "Testchild", "child_dob": "02/05/2014",
       "child_postcode": "BL9 0EJ"}  # fmt: skip
EVA = {**AVA, "child_forenames": "Eva", "child_surname": "Test-Child"}
OFFICER = "cme-officer"


def refer(router, user: str, answers: dict) -> str:
    """`user` raises a referral through the form; returns their reference (and checks what they were told)."""
    person = Person(router, user=user, name=f"{user.title()} Teacher")
    person.say("/cme report")
    person.fill(answers)
    confirmation = person.say("submit")[-1]
    assert confirmation.kind is ReplyKind.CONFIRMATION
    return confirmation.data["reference"]


def officer_alerts(engine) -> list[Outbox]:
    with Session(engine) as session:
        query = select(Outbox).where(Outbox.recipient["conversation_id"].as_string() == "officers")
        return list(session.exec(query.order_by(Outbox.id)).all())


def session_rows(engine, kind: str) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.exec(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id)).all())


def view(router, reference: str) -> dict:
    """The officer's case view by title."""
    return {reply.title: reply for reply in Person(router, user=OFFICER).say(f"/cme case {reference}")}


def close(router, reference: str, outcome: str = "moved_abroad") -> None:
    """Close the case as an officer, confirming the steps not done (with the reason typed)."""
    officer = Person(router, user=OFFICER)
    reply = confirmed(officer, officer.say(f"/cme close {reference} {outcome} family moved to Leeds"))[0]
    assert reply.kind is ReplyKind.CONFIRMATION, reply.text


def confirmed(officer: Person, replies: list) -> list:
    """A closing's replies once confirmed: why close with steps not done (asked when not typed), then submit."""
    last = replies[-1]
    if last.question is not None and last.question.field_id == "early":
        last = officer.say("closed on what is recorded")[-1]
    return officer.say("submit") if last.kind is ReplyKind.REVIEW else replies


def test_ava_then_eva_is_a_possible_match_with_reasons_and_same_child_joins_them(router, engine):
    ava = refer(router, "alice", AVA)
    eva = refer(router, "bob", EVA)
    shown = view(router, eva)
    matches = shown["Possible matches"]
    assert matches.facts[0][0] == ava
    for reason in ("same date of birth", "same surname, written differently", "same postcode"):
        assert reason in matches.facts[0][1]
    same, different = matches.buttons[:2]
    assert (same.value, same.action_id) == (f"/cme same {eva} {ava}", ActionId.SAME_CHILD)
    assert (different.value, different.action_id) == (f"/cme different {eva} {ava}", ActionId.DIFFERENT_CHILD)
    assert "Possible matches" in view(router, ava), "the earlier case shows the match too"

    told = press(router, OFFICER, ActionId.SAME_CHILD, same.value)[-1]
    assert told.kind is ReplyKind.CONFIRMATION and f"{eva} was merged into {ava}" in told.text
    again = press(router, OFFICER, ActionId.SAME_CHILD, same.value)[-1]  # a double press changes nothing
    assert again.kind is ReplyKind.ERROR and f"one case already ({ava}, after an earlier merge)" in again.text
    with Session(engine) as session:
        cases = {c.reference: c for c in session.exec(select(Case)).all()}
        live = session.exec(select(Child).where(Child.merged_into == None)).all()  # noqa: E711
        assert cases[eva].child_id == cases[ava].child_id == live[0].id and len(live) == 1
        assert [r.submitted_by for r in session.exec(select(Report).where(Report.case_id == cases[ava].id))] == [
            "terminal:local:alice",
            "terminal:local:bob",
        ]
        decided = session.exec(select(ChildMatch)).one()
        assert (decided.state, decided.decided_by) == ("same", "terminal:local:cme-officer")
        audited = {e.action for e in session.exec(select(AuditEvent)).all()}
    assert {"child.same", "case.merged", "case.merged_in"} <= audited
    after = view(router, eva)
    assert f"{eva} was merged" in after and "Possible matches" not in after
    assert after[f"Case {ava}"].data["reference"] == ava
    titles = list(after)
    later = next(t for t in titles if t.startswith("Details from a later referral"))
    assert titles.index("Details from the referral") < titles.index(later), "both referrals, the first first"


def test_the_reporter_of_a_merged_case_keeps_their_reference_and_learns_nothing_of_the_other(router, engine):
    refer(router, "alice", AVA)
    second = refer(router, "bob", AVA)  # the same child, strongly: added to Alice's open case
    bob = Person(router, user="bob")
    status = bob.say(f"/cme status {second}")[-1]
    assert status.data["reference"] == second and status.data["state"] == "open"
    said = " ".join([status.text, *(f"{k} {v}" for k, v in status.facts)])
    assert "CME-2026-0001" not in said and "merged" not in said.lower()
    texts = [row.text for row in officer_alerts(engine)]
    assert texts[-1].startswith("New information on CME-2026-0001")
    assert "Ava" not in texts[-1] and "Testchild" not in texts[-1]


def test_the_same_upn_joins_the_open_case_and_under_another_name_is_offered(router, engine):
    upn = upn_check_letter("201234567890") + "201234567890"
    first = refer(router, "alice", {**AVA, "child_upn": upn})
    zara = refer(router, "bob", {**CALM_REFERRAL, "child_forenames": "Zara", "child_upn": upn.lower()})
    moved = refer(router, "carol", {**AVA, "child_upn": upn.lower(), "child_postcode": "M8 3BB"})
    assert len({first, zara, moved}) == 3
    with Session(engine) as session:
        cases = {c.reference: c for c in session.exec(select(Case)).all()}
        created = session.exec(select(AuditEvent).where(AuditEvent.action == "case.created")).all()
    assert cases[zara].merged_into is None, "the same UPN under another child's name is for an officer to decide"
    assert cases[moved].merged_into == cases[first].id and cases[moved].child_id == cases[first].child_id
    assert [e.detail["child"] for e in created] == ["new", "possible", "upn"]
    said = view(router, zara)["Possible matches"].facts[0][1]
    assert said.startswith("Possible match. Agrees: same UPN") and "first names differ: Zara / Ava" in said
    assert officer_alerts(engine)[-1].text.startswith(f"New information on {first}")


def test_closing_the_case_that_stands_tells_each_reporter_under_their_own_reference(router, engine):
    first = refer(router, "alice", AVA)
    second = refer(router, "bob", AVA)
    close(router, first)
    with Session(engine) as session:
        told = {
            row.recipient["conversation_id"]: row.text
            for row in session.exec(select(Outbox).where(Outbox.kind == "case.outcome"))
        }
    assert told["dm:alice"].startswith(f"Update on the concern you raised ({first}): The child has moved abroad.")
    assert told["dm:bob"].startswith(f"Update on the concern you raised ({second}): The child has moved abroad.")
    assert first not in told["dm:bob"], "Bob learns nothing about Alice's case"
    status = Person(router, user="bob").say(f"/cme status {second}")[-1]
    assert status.data["state"] == "closed" and ("Outcome", "The child has moved abroad.") in status.facts


def test_a_third_referral_after_the_first_case_closed_is_a_repeat_episode(router, engine):
    first = refer(router, "alice", AVA)
    second = refer(router, "bob", EVA)
    press(router, OFFICER, ActionId.SAME_CHILD, f"/cme same {second} {first}")
    close(router, first)
    third = refer(router, "carol", AVA)
    shown = view(router, third)
    assert shown["REPEAT EPISODE"].facts[0] == ("Episode", f"2nd episode: previous {first} closed moved_abroad")
    plan = shown["Enquiry plan"]
    assert plan.facts[-1] == (
        "10. Review the earlier episodes and how they closed [previous-episodes]",
        "due Fri 27 Nov 2026",
    ), "a repeat episode's plan has its own step, due the next school day"
    assert "[previous-episodes]" not in " ".join(label for label, _ in view(router, first)["Enquiry plan"].facts)
    alert = officer_alerts(engine)[-1].text
    assert f"New CME concern {third}. Repeat episode (2nd episode: previous {first} closed moved_abroad)" in alert
    assert "Ava" not in alert


def test_different_child_is_recorded_and_a_second_officer_is_told_the_decision_stands(router, engine):
    ava = refer(router, "alice", AVA)
    eva = refer(router, "bob", EVA)
    first = press(router, OFFICER, ActionId.DIFFERENT_CHILD, f"/cme different {eva} {ava}")[-1]
    assert first.kind is ReplyKind.CONFIRMATION
    late = press(router, "cme-manager", ActionId.SAME_CHILD, f"/cme same {eva} {ava}")[-1]
    assert late.kind is ReplyKind.ERROR
    assert "already decided by cme-officer: different child" in late.text and "nothing was changed" in late.text
    with Session(engine) as session:
        assert len(session.exec(select(Child).where(Child.merged_into == None)).all()) == 2  # noqa: E711
        assert session.exec(select(ChildMatch)).one().state == "different"


def test_same_child_of_one_case_twice_or_a_missing_reference_says_what_to_type(router):
    ava = refer(router, "alice", AVA)
    officer = Person(router, user=OFFICER)
    itself = officer.say(f"/cme same {ava} {ava}")[-1]
    assert (
        itself.kind is ReplyKind.ERROR and f"You named {ava} twice: a case can't be merged into itself" in itself.text
    )
    missing = officer.say(f"/cme same {ava}")[-1]
    assert missing.kind is ReplyKind.ERROR and "/cme same REF OTHERREF" in missing.text
    nobody = officer.say(f"/cme same {ava} CME-2026-0999")[-1]
    assert "There is no case CME-2026-0999" in nobody.text


def test_a_reporter_cannot_decide_a_match(router, engine):
    ava = refer(router, "alice", AVA)
    eva = refer(router, "bob", EVA)
    refused = Person(router, user="bob").say(f"/cme same {eva} {ava}")[-1]
    assert refused.kind is ReplyKind.ERROR
    with Session(engine) as session:
        assert session.exec(select(ChildMatch)).one().state == "pending"


def test_an_old_reference_opens_the_case_that_stands_and_commands_act_on_it(router, engine):
    ava = refer(router, "alice", AVA)
    eva = refer(router, "bob", EVA)
    press(router, OFFICER, ActionId.SAME_CHILD, f"/cme same {eva} {ava}")
    done = Person(router, user=OFFICER).say(f"/cme done {eva} phone-contacts rang every number")
    assert done[0].kind is ReplyKind.CONFIRMATION, done[0].text
    with Session(engine) as session:
        survivor = session.exec(select(Case).where(Case.reference == ava)).one()
        merged = session.exec(select(Case).where(Case.reference == eva)).one()
        assert (merged.merged_into, merged.state) == (survivor.id, "merged")
        step = session.exec(
            select(EnquiryStep).where(EnquiryStep.step_id == "phone-contacts", EnquiryStep.state == "done")
        ).one()
    assert step.case_id == survivor.id


def test_the_digest_flags_a_repeat_episode(router, engine, core, clock):
    first = refer(router, "alice", AVA)
    close(router, first)
    second = refer(router, "bob", AVA)
    clock.advance(days=5)  # Tuesday 1 December, 10:00: a school day after the digest time
    run_sweep(core)
    (digest,) = session_rows(engine, "reminder.digest")
    assert f"{second} (2nd episode: previous {first} closed moved_abroad; not assigned yet)" in digest.text.splitlines()
    assert "Ava" not in digest.text and "Testchild" not in digest.text


def test_twins_with_first_names_a_letter_apart_stay_two_cases_offered_as_a_possible_match(router, engine):
    twins = {**AVA, "child_surname": "Ashcroft"}
    jon = refer(router, "alice", {**twins, "child_forenames": "Jon"})
    joan = refer(router, "bob", {**twins, "child_forenames": "Joan"})
    with Session(engine) as session:
        cases = {c.reference: c for c in session.exec(select(Case)).all()}
        assert cases[joan].merged_into is None and cases[joan].child_id != cases[jon].child_id
        assert len(session.exec(select(Child)).all()) == 2
        match = session.exec(select(ChildMatch)).one()
    stored = ["same surname", "same date of birth", "same postcode", "first names differ, one letter apart"]
    assert match.reasons == stored, "what is stored names no one"
    shown = view(router, joan)["Possible matches"]
    assert shown.facts[0][0] == jon
    assert "Differs: first names differ: Joan / Jon, one letter apart" in shown.facts[0][1]
    assert "Agrees: same surname, same date of birth, same postcode" in shown.facts[0][1]
    alert = officer_alerts(engine)[-1]
    assert alert.text.startswith(f"New CME concern {joan}. Possible match with {jon}: the case view says why")
    assert alert.payload["possible_matches"] == [jon] and "Ashcroft" not in alert.text and "Jo" not in alert.text
    with Session(engine) as session:
        ids = {c.reference: c.id for c in session.exec(select(Case)).all()}
        both_ways = possible_matches_of(session, [ids[jon], ids[joan]])
    assert both_ways == {ids[jon]: [joan], ids[joan]: [jon]}


def test_a_referral_whose_surname_is_not_known_is_never_joined_nor_found_by_the_words(router, engine):
    only_first = {**AVA, "child_surname": "not known"}
    first = refer(router, "alice", only_first)
    second = refer(router, "bob", only_first)
    with Session(engine) as session:
        children = session.exec(select(Child)).all()
        assert len(children) == 2 and {child.surname for child in children} == {None}
        cases = {c.reference: c for c in session.exec(select(Case)).all()}
        assert cases[second].merged_into is None
    assert "surname not known on either record" in view(router, second)["Possible matches"].facts[0][1]
    officer = Person(router, user=OFFICER)
    refused = officer.say("/cme find Not known")[-1]
    assert refused.kind is ReplyKind.ERROR and "no child is recorded under it" in refused.text
    found = officer.say("/cme find Ava")[-1].data["results"]
    assert sorted(hit["cases"][0]["reference"] for hit in found) == [first, second]
    assert all(hit["names"] == ["Ava"] for hit in found), "no 'Not known' surname on the record"
