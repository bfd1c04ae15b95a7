"""Finding a child on a real database (SQLite and PostgreSQL): names, partial names, typos, DOB, UPN, postcode."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlmodel import Session

from handlers.children.search import SearchError, find_children, read_query
from storage.children import Child
from storage.db import unit_of_work
from tests.handlers.children.kin import add_case, add_child

TODAY = dt.date(2026, 11, 26)
AVA = {"forenames": "Ava", "surname": "Testchild", "dob": dt.date(2014, 5, 2), "postcode": "BL9 0EJ"}


def search(engine, typed: str) -> list[dict]:
    with Session(engine) as session:
        hits, _ = find_children(session, read_query(typed, today=TODAY))
        return [hit.to_json() for hit in hits]


def valid_upn() -> str:
    from handlers.forms.identifiers import upn_check_letter

    body = "234567890123"
    return upn_check_letter(body) + body


@pytest.mark.parametrize(
    ("typed", "kind", "value"),
    [
        ("2/5/2014", "dob", dt.date(2014, 5, 2)),
        ("02/05/2014", "dob", dt.date(2014, 5, 2)),
        ("2 May 2014", "dob", dt.date(2014, 5, 2)),
        ("2nd may 2014", "dob", dt.date(2014, 5, 2)),
        ("2014-05-02", "dob", dt.date(2014, 5, 2)),
        ("2.5.14", "dob", dt.date(2014, 5, 2)),
        ("bl9 0ej", "postcode", "BL9 0EJ"),
        ("BL90EJ", "postcode", "BL9 0EJ"),
        ("Ava Testchild", "name", "Ava Testchild"),
        ("o'neil", "name", "o'neil"),
    ],
)
def test_a_query_is_read_as_people_type_it(typed, kind, value):
    query = read_query(typed, today=TODAY)
    assert (query.kind, query.value) == (kind, value)


def test_a_upn_is_read_with_spaces_and_a_wrong_check_letter_is_explained():
    upn = valid_upn()
    assert read_query(f"{upn[:5]} {upn[5:]}".lower(), today=TODAY).value == upn
    wrong = ("B" if upn[0] != "B" else "C") + upn[1:]
    with pytest.raises(SearchError, match="check letter"):
        read_query(wrong, today=TODAY)


@pytest.mark.parametrize("typed", ["", "   ", None, "a", "98765", "32/13/2014", "Ava\x00", "x" * 101])
def test_empty_or_unreadable_searches_say_what_to_type(typed):
    with pytest.raises(SearchError) as raised:
        read_query(typed, today=TODAY)
    message = str(raised.value)
    assert "/cme find Ava Testchild" in message and "/cme find BL9 0EJ" in message
    if typed and len(typed.strip()) > 3:
        assert typed.strip() not in message  # what was typed is never quoted back


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_query_or_a_clear_message(typed):
    try:
        query = read_query(typed, today=TODAY)
    except SearchError as exc:
        assert "For example" in str(exc)
    else:
        assert query.kind in ("name", "dob", "upn", "postcode")


def test_by_date_of_birth_with_the_day_and_month_swapped_after(engine, profile):
    ava = add_child(engine, **AVA)
    swapped = add_child(engine, forenames="Mia", surname="Other", dob=dt.date(2014, 2, 5))
    add_child(engine, forenames="Noah", surname="Other", dob=dt.date(2015, 5, 2))
    add_case(engine, profile, ava, 1, state="closed")
    add_case(engine, profile, ava, 2)
    found = search(engine, "02/05/2014")
    assert [(f["child_id"], f["matched_on"]) for f in found] == [
        (ava, "dob"),
        (swapped, "dob (day and month swapped)"),
    ]
    assert found[0] == {
        "child_id": ava,
        "names": ["Ava Testchild"],
        "dob": "2014-05-02",
        "matched_on": "dob",
        "score": 100,
        "cases": [{"reference": "CME-2026-0001", "state": "closed"}, {"reference": "CME-2026-0002", "state": "open"}],
    }


def test_names_whole_partial_misspelt_hyphenated_and_accented(engine):
    ava = add_child(engine, **AVA)
    zoe = add_child(engine, forenames="Zoë", surname="Smith-Jones", other_names="Zoe Jones")
    add_child(engine, forenames="Ben", surname="Walker")
    ids = lambda typed: [f["child_id"] for f in search(engine, typed)]  # noqa: E731
    assert ids("Ava Testchild") == [ava]
    assert ids("testch") == [ava] and search(engine, "testch")[0]["matched_on"] == "partial name"
    assert ids("Ava Testchlid") == [ava] and search(engine, "Testchlid")[0]["matched_on"] == "similar name"
    assert ids("Eva Test-Child") == [ava]
    assert ids("zoe smithjones") == [zoe] and ids("Smith Jones") == [zoe] and ids("ZOË") == [zoe]
    assert ids("Jones") == [zoe]  # other names and each part of a double-barrelled surname
    assert ids("Quillfeather") == []


def test_a_merged_record_is_shown_as_the_child_it_was_merged_into(engine, profile):
    survivor = add_child(engine, **AVA)
    duplicate = add_child(engine, forenames="Eva", surname="Test-Child", dob=dt.date(2014, 5, 2))
    add_case(engine, profile, survivor, 1)
    add_case(engine, profile, duplicate, 2)
    with unit_of_work(engine) as session:
        session.get(Child, duplicate).merged_into = survivor
    for typed in ("Eva Test-Child", "2/5/2014"):
        [found] = search(engine, typed)
        assert found["child_id"] == survivor
        assert [c["reference"] for c in found["cases"]] == ["CME-2026-0001", "CME-2026-0002"]


def test_by_upn_and_postcode(engine):
    upn = valid_upn()
    ava = add_child(engine, upn=upn, **AVA)
    add_child(engine, forenames="Ben", surname="Walker", postcode="M1 1AE")
    assert [f["child_id"] for f in search(engine, upn)] == [ava]
    assert [f["child_id"] for f in search(engine, "bl90ej")] == [ava]
    assert search(engine, "SW1A 1AA") == []


def test_searches_read_indexes_never_every_child(engine, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's query plan names full scans plainly")
    for n in range(30):
        add_child(engine, link=n < 3, forenames=f"Kid{n}", surname="Walker", dob=dt.date(2014, 1, 1 + n % 28))
    add_child(engine, **AVA)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for typed in ("Ava Testchild", "wal", "Walkre", "2/5/2014", "BL9 0EJ", valid_upn()):
            search(engine, typed)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    with engine.connect() as connection:
        for statement, parameters in statements:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            # a full scan, or an index read on its first column alone (every name key)
            scans = [row[-1] for row in plan if _whole_table(str(row[-1]))]
            assert not scans, (statement, scans)
    assert len(statements) >= 6  # the listener saw every search


def _whole_table(step: str) -> bool:
    """A step reading a whole table (a subquery's own result, anon_N, is not one)."""
    table = re.match(r"SCAN (\w+)", step)
    return bool(table and not table.group(1).startswith("anon_") and "USING" not in step) or step.endswith("(kind=?)")
