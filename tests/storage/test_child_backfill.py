"""Migration 0006 gives every existing case a child record made from its first report (and no guesses)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from storage.migrate import upgrade
from tests.storage.old_schema import database_at


@pytest.fixture(params=["sqlite", "postgres"])
def old_engine(request, tmp_path):
    """An empty database at revision 0005 (before the child record), on each backend."""
    with database_at("0005", request.param, tmp_path) as engine:
        yield engine


def _add_case(conn, seq: int, answers: dict, *, extra_report: dict | None = None) -> None:
    now = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    conn.execute(
        sa.text(
            'INSERT INTO "case" (id, reference, year, seq, state, urgent, reporter_key, reporter_address, '
            "created_at, updated_at) VALUES (:id, :ref, 2026, :id, 'open', false, 'terminal:sam', '{}', :now, :now)"
        ),
        {"id": seq, "ref": f"CME-2026-{seq:04d}", "now": now},
    )
    for number, report in enumerate([answers, *([extra_report] if extra_report else [])]):
        conn.execute(
            sa.text(
                "INSERT INTO report (id, case_id, form_id, answers, submitted_by, submitted_at, harm_flagged) "
                "VALUES (:id, :case_id, 'cme-referral', :answers, 'terminal:sam', :now, false)"
            ),
            {"id": seq * 10 + number, "case_id": seq, "answers": json.dumps(report), "now": now},
        )


def test_each_case_gets_its_child_and_a_shared_upn_shares_one(old_engine):
    ava = {
        "child_forenames": "Ava",
        "child_surname": "Testchild",
        "child_dob": "2014-05-02",
        "child_postcode": "BL9 0EJ",
        "child_upn": "A123456789012",
        "child_gender": "female",
    }
    with old_engine.begin() as conn:
        _add_case(conn, 1, ava, extra_report={"child_forenames": "Later", "child_surname": "Report"})
        _add_case(conn, 2, {**ava, "child_forenames": "Ava-Mae"})  # same UPN: the same pupil
        _add_case(conn, 3, {"child_forenames": "Eva", "child_surname": "Test-Child", "child_dob": "2014-05-02"})
    upgrade(old_engine)
    with old_engine.connect() as conn:
        cases = dict(conn.execute(sa.text('SELECT id, child_id FROM "case" ORDER BY id')).all())
        children = {row.id: row for row in conn.execute(sa.text("SELECT * FROM child")).all()}
    assert cases[1] == cases[2], "a UPN is one pupil's: both cases share the child"
    assert cases[3] != cases[1], "a similar name and the same DOB is for an officer to decide, not the migration"
    first = children[cases[1]]
    assert (first.forenames, first.surname, first.postcode) == ("Ava", "Testchild", "BL9 0EJ")
    assert str(first.dob) == "2014-05-02" and first.sex == "female"
    assert children[cases[3]].upn is None
