"""Children and their cases straight into the database, as intake would leave them (no form)."""

from __future__ import annotations

import datetime as dt

from handlers.casework.enquiries import create_plan
from handlers.children.household import link_household
from storage.children import Child
from storage.db import unit_of_work
from storage.models import Case

RAISED = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


def add_child(engine, *, link: bool = True, **details) -> int:
    """A child record (details as Child's columns), indexed and linked like intake does; returns its id."""
    with unit_of_work(engine) as session:
        child = Child(**details)
        session.add(child)
        session.flush()
        if link:
            link_household(session, child=child, actor="terminal:local:intake")
        return child.id


def add_case(engine, profile, child_id: int, seq: int, *, state: str = "open", year: int = 2026) -> str:
    """A case of the child with its enquiry plan; returns its reference."""
    with unit_of_work(engine) as session:
        case = Case(
            reference=f"CME-{year}-{seq:04d}",
            year=year,
            seq=seq,
            child_id=child_id,
            state=state,
            outcome="moved_other_la" if state == "closed" else None,
            reporter_key="terminal:local:alice",
            reporter_address={"channel": "terminal", "conversation_id": "dm:alice", "user_id": "alice"},
            created_at=RAISED + dt.timedelta(minutes=seq),
            updated_at=RAISED,
        )
        session.add(case)
        session.flush()
        create_plan(session, case, profile, RAISED)
        return case.reference
