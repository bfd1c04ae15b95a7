"""A database from before encryption (revision 0009, plain rows) after migration 0010: every row still reads
(legacy plain text), old children wait for their blind indexes, and the bot's start (or cme-bot keys rotate)
encrypts them and makes the indexes, so they are found again and nothing plain is left."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from bot.config import Settings
from bot.wiring import build_core
from handlers.children.search import find_children, read_query
from storage.children import Child
from storage.migrate import upgrade
from storage.models import AuditEvent, Conversation, Report
from storage.rekey import needs_indexing, rotate, status
from tests.storage.old_schema import database_at

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def at_0009(request, tmp_path):
    """A database at revision 0009 holding plain rows, on each backend."""
    with database_at("0009", request.param, tmp_path) as engine:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO child (id, forenames, surname, dob, upn, postcode, address, created_at, updated_at) "
                    "VALUES (1, 'Zephyrine', 'Quackenbush', :dob, 'A123456789012', 'BL9 0EJ', '77 Unlikely Lane', "
                    ":now, :now)"
                ),
                {"dob": dt.date(2014, 5, 2), "now": NOW},
            )
            conn.execute(
                sa.text(
                    'INSERT INTO "case" (id, reference, year, seq, state, urgent, reporter_key, reporter_address, '
                    "created_at, updated_at, child_id, source, restricted, legal_hold) VALUES (1, 'CME-2026-0001', "
                    "2026, 1, 'open', false, 'r', '{}', :now, :now, 1, 'referral', false, false)"
                ),
                {"now": NOW},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO report (case_id, form_id, answers, submitted_by, submitted_at, harm_flagged) "
                    "VALUES (1, 'cme_referral', :answers, 'r', :now, false)"
                ),
                {"answers": '{"child_forenames": "Zephyrine"}', "now": NOW},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO auditevent (case_id, at, actor, action, reason, detail) "
                    "VALUES (1, :now, 'officer', 'case.note', 'Zephyrine seen', :detail)"
                ),
                {"now": NOW, "detail": '{"said": "Quackenbush"}'},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO conversation (user_key, flow, state, version, created_at, updated_at) "
                    "VALUES ('u', 'cme_referral', :state, 0, :now, :now)"
                ),
                {"now": NOW, "state": '{"answers": {"child_surname": "Quackenbush"}}'},
            )
        yield engine


def test_plain_rows_read_after_0010_and_are_encrypted_and_indexed_by_rotate(at_0009):
    upgrade(at_0009)
    with Session(at_0009) as session:  # legacy plain text reads as it is
        child = session.get(Child, 1)
        assert (child.forenames, child.dob, child.postcode) == ("Zephyrine", dt.date(2014, 5, 2), "BL9 0EJ")
        assert session.exec(select(Report)).one().answers == {"child_forenames": "Zephyrine"}
        event = session.exec(select(AuditEvent)).one()
        assert (event.reason, event.detail) == ("Zephyrine seen", {"said": "Quackenbush"})
        assert session.exec(select(Conversation)).one().state["answers"]["child_surname"] == "Quackenbush"
    assert needs_indexing(at_0009)
    done = rotate(at_0009, batch=1)
    assert done.indexed == 1 and done.changed == 6 + 1 + 2 + 1  # six child values, answers, reason+detail, state
    assert not needs_indexing(at_0009)
    assert all(None not in counter for counter in status(at_0009).values())  # nothing plain is left
    with Session(at_0009) as session:
        for typed in ("Quackenbush", "quack", "2/5/2014", "BL9 0EJ", "A123456789012"):
            hits, _ = find_children(session, read_query(typed, today=dt.date(2026, 12, 1)))
            assert [hit.child.id for hit in hits] == [1], typed
        assert session.exec(select(Report)).one().answers == {"child_forenames": "Zephyrine"}


def test_the_bot_encrypts_and_indexes_old_rows_when_it_starts(at_0009, caplog):
    url = at_0009.url.render_as_string(hide_password=False)
    with caplog.at_level(logging.WARNING):
        core = build_core(Settings(database_url=url))
    assert "indexed 1 children" in caplog.text and "Zephyrine" not in caplog.text
    assert not needs_indexing(core.engine)
    with Session(core.engine) as session:
        hits, _ = find_children(session, read_query("Zephyrine", today=dt.date(2026, 12, 1)))
    assert [hit.child.id for hit in hits] == [1]
    core.engine.dispose()
