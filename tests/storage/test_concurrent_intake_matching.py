"""Ten people submit a referral about one child at the same moment: one child record, one case that stands.

Intake matches inside the submit transaction after taking the year's reference counter row (locked
until commit on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers), so each submit sees the
child the one before it committed and no duplicate record is made.
"""

from __future__ import annotations

import threading

from sqlmodel import Session, select

from handlers.commands import build_router
from handlers.core import Core, FormContext
from handlers.messages import Address, Channel, Identity, Inbound, ReplyKind
from handlers.referral.form import REFERRAL
from storage.children import Child
from storage.db import unit_of_work
from storage.models import Case
from storage.queries import save_conversation
from tests.storage.test_concurrent_submits import _reviewed_draft

PEOPLE = 10


def test_concurrent_referrals_about_one_child_make_one_child_and_one_open_case(engine, profile, clock):
    ctx = FormContext(now=clock(), profile=profile)
    people = [Identity(Channel.TERMINAL, f"user{i}") for i in range(PEOPLE)]
    with unit_of_work(engine) as session:
        for i, person in enumerate(people):
            draft = _reviewed_draft(ctx, i)
            save_conversation(session, user_key=person.key, flow=REFERRAL.id, state=draft, now=clock())
    router = build_router(Core(engine=engine, profile=profile, clock=clock))
    barrier = threading.Barrier(PEOPLE)
    told: dict[str, list] = {}

    def submit(person: Identity) -> None:
        barrier.wait()
        told[person.user_id] = router.handle(Inbound(person, Address(Channel.TERMINAL, person.user_id), text="submit"))

    threads = [threading.Thread(target=submit, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    references = {r.data["reference"] for replies in told.values() for r in replies if r.kind is ReplyKind.CONFIRMATION}
    assert len(references) == PEOPLE, "each reporter has their own reference"
    with Session(engine) as session:
        live = session.exec(select(Child).where(Child.merged_into == None)).all()  # noqa: E711
        cases = session.exec(select(Case)).all()
    assert len(live) == 1
    standing = [c for c in cases if c.merged_into is None]
    assert len(standing) == 1 and standing[0].state == "open"
    assert all(c.merged_into == standing[0].id and c.state == "merged" for c in cases if c is not standing[0])
