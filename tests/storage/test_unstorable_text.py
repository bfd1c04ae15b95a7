"""The last guard before the database: text it can't keep is refused by name, on both backends.

PostgreSQL refuses NUL in text and reports it as a DataError, which the router used to answer with
"the case system can't be reached"; a lone surrogate can't be encoded by either driver.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from storage.db import UnstorableText, unit_of_work
from storage.models import AuditEvent, Outbox
from storage.queries import enqueue_many
from storage.types import utcnow


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\udfff"], ids=["nul", "high-surrogate", "low-surrogate"])
def test_text_with_a_character_the_database_cannot_keep_is_refused_and_nothing_is_written(engine, bad):
    with pytest.raises(UnstorableText) as raised, unit_of_work(engine) as session:
        session.add(AuditEvent(actor="terminal:local:cme-officer", action="case.note", reason=f"rang{bad}"))
    assert bad not in str(raised.value)  # the message never carries what was typed
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(AuditEvent)).one() == 0


def test_a_batch_with_one_bad_row_is_refused_whole(engine):
    now = utcnow()
    rows = [
        Outbox(kind="k", dedupe_key=f"k{i}", recipient={}, text=text, created_at=now, not_before=now)
        for i, text in enumerate(["fine", "also fine", "not\x00fine"])
    ]
    with pytest.raises(UnstorableText), unit_of_work(engine) as session:
        enqueue_many(session, rows)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Outbox)).one() == 0


def test_ordinary_text_in_any_script_and_json_escapes_are_stored_as_given(engine):
    reason = "Zoë rang from Łódź: 家族は引っ越した 👍"
    with unit_of_work(engine) as session:
        session.add(AuditEvent(actor="a", action="b", reason=reason, detail={"raw": "a\x00b"}))
    with Session(engine) as session:
        event = session.exec(select(AuditEvent)).one()
    assert (event.reason, event.detail) == (reason, {"raw": "a\x00b"})
