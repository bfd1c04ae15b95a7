"""Migration 0008 gives every existing child its search keys; after 0010 rekey blinds them; they are found by name."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from handlers.children.search import find_children, read_query
from storage.migrate import upgrade
from storage.rekey import needs_indexing, rotate
from tests.storage.old_schema import database_at

CHILDREN = [
    {"forenames": "Ava", "surname": "Test-Child", "postcode": "BL9 0EJ", "address": "12 Elm St, Bury"},
    {"forenames": "Zoë", "surname": "O'Neill", "postcode": None, "address": None},
    {"forenames": None, "surname": None, "postcode": None, "address": None},  # a referral with no name
]


@pytest.fixture(params=["sqlite", "postgres"])
def at_0006(request, tmp_path):
    """A database at revision 0006 (children, no keys) on each backend."""
    with database_at("0006", request.param, tmp_path) as engine:
        yield engine


def test_existing_children_get_their_keys_and_are_found_by_name(at_0006):
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with at_0006.begin() as conn:
        for number, child in enumerate(CHILDREN, 1):
            conn.execute(
                sa.text(
                    "INSERT INTO child (id, forenames, surname, postcode, address, parent_names, created_at, "
                    "updated_at) VALUES (:id, :forenames, :surname, :postcode, :address, 'Orla Test-Child', :now, :now)"
                ),
                {"id": number, "now": now, **child},
            )
    upgrade(at_0006, "0008")
    with at_0006.connect() as conn:
        keys = {tuple(row) for row in conn.execute(sa.text("SELECT child_id, kind, key FROM child_key"))}
    assert {(1, "name", "testchild"), (1, "name", "test"), (1, "addr", "BL90EJ|12 elm street")} <= keys
    assert (1, "parent", "orla test child|BL90EJ|12 elm street") in keys
    assert {(2, "name", "zoe"), (2, "name", "oneill")} <= keys
    assert not [key for key in keys if key[0] == 3]  # nothing to find a nameless child by
    # 0010 deletes those plain keys; rekey (cme-bot keys rotate, or the bot at start) makes them blinded.
    upgrade(at_0006)
    assert needs_indexing(at_0006)
    rotate(at_0006)
    assert not needs_indexing(at_0006)
    with Session(at_0006) as session:
        for typed, child_id in (("testchild", 1), ("Zoe O'Neill", 2), ("oneil", 2)):
            hits, _ = find_children(session, read_query(typed, today=dt.date(2026, 12, 1)))
            assert [hit.child.id for hit in hits] == [child_id], typed
