"""50 people press submit at the same moment: 50 cases, 50 distinct references, none reused."""

from __future__ import annotations

import threading

from sqlmodel import Session, select

from handlers.commands import build_router
from handlers.core import Core, FormContext
from handlers.forms import conversation
from handlers.messages import Address, Channel, Identity, Inbound, ReplyKind
from handlers.referral.form import REFERRAL
from storage.db import unit_of_work
from storage.models import Case, ReferenceCounter
from storage.queries import save_conversation
from tests.support import ANSWERED_BY_DEFAULT, CALM_REFERRAL

PEOPLE = 50


def _reviewed_draft(ctx: FormContext, index: int) -> dict:
    """A draft at its review step, built with the real engine (no database needed)."""
    turn = conversation.start(REFERRAL, ctx)
    for _ in range(80):
        field_id = turn.state.get("field")
        if turn.state["stage"] == "review":
            break
        answer = {**ANSWERED_BY_DEFAULT, **CALM_REFERRAL}.get(field_id, "skip") if turn.state["stage"] == "ask" else "1"
        turn = conversation.step(REFERRAL, turn.state, answer, ctx)
    turn.state["draft_id"] = f"draft-{index}"
    return turn.state


def test_fifty_concurrent_submissions_get_fifty_distinct_references(engine, profile, clock):
    core = Core(engine=engine, profile=profile, clock=clock)
    ctx = FormContext(now=clock(), profile=profile)
    people = [Identity(Channel.TERMINAL, f"user{i}") for i in range(PEOPLE)]
    with unit_of_work(engine) as session:
        for i, person in enumerate(people):
            save_conversation(
                session, user_key=person.key, flow=REFERRAL.id, state=_reviewed_draft(ctx, i), now=clock()
            )
    router = build_router(core)
    barrier = threading.Barrier(PEOPLE)
    results: dict[str, list] = {}

    def submit(person: Identity) -> None:
        barrier.wait()
        results[person.user_id] = router.handle(
            Inbound(person, Address(Channel.TERMINAL, person.user_id), text="submit")
        )

    threads = [threading.Thread(target=submit, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    references = [
        r.data["reference"] for replies in results.values() for r in replies if r.kind is ReplyKind.CONFIRMATION
    ]
    assert len(references) == PEOPLE, [
        r.text for replies in results.values() for r in replies if r.kind is ReplyKind.ERROR
    ]
    assert len(set(references)) == PEOPLE
    with Session(engine) as session:
        cases = session.exec(select(Case)).all()
        assert sorted(c.seq for c in cases) == list(range(1, PEOPLE + 1))
        assert session.get(ReferenceCounter, 2026).last == PEOPLE


def test_references_run_per_year_and_continue_after_new_year(router, clock):
    from tests.support import Person

    refs = []
    for user, when in (("one", (2026, 12, 31, 23, 0)), ("two", (2027, 1, 1, 0, 30))):
        clock.now = clock.now.replace(year=when[0], month=when[1], day=when[2], hour=when[3], minute=when[4])
        person = Person(router, user=user)
        person.say("/cme report")
        person.fill(CALM_REFERRAL)
        refs.append(person.say("submit")[-1].data["reference"])
    assert refs == ["CME-2026-0001", "CME-2027-0001"]
