"""The intake matcher: names written differently, swapped day and month, short forms, UPN, thresholds."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event as sa_event

from handlers.children.matching import find_matches, score, swapped
from handlers.children.names import fold, joined, same_short_form
from handlers.children.record import child_values, new_child
from handlers.knowledge.profile import Matching, ProfileError, load_profile
from storage.db import unit_of_work

BORN = dt.date(2014, 5, 2)


def known(**values) -> SimpleNamespace:
    base = {"id": 1, "forenames": "Ava", "surname": "Testchild", "other_names": None, "dob": BORN,
            "postcode": "BL9 0EJ", "upn": None}  # fmt: skip
    return SimpleNamespace(**{**base, **values})


def referral(**values) -> dict:
    return {**vars(known()), **values}


def test_names_fold_hyphens_spaces_accents_and_apostrophes():
    assert joined("Test-Child") == joined("Test Child") == joined("testchild")
    assert fold("Zoë O'Neil") == "zoe oneil"
    assert same_short_form("alex", "alexander") and not same_short_form("alexander", "alexandra")


def test_eva_test_child_is_possible_not_strong_and_says_why():
    found = score(referral(forenames="Eva", surname="Test-Child"), known())
    assert Matching().possible <= found.score < Matching().strong
    assert found.reasons == ("same surname, written differently", "same date of birth", "same postcode")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"surname": "Smith-Testchild"}, "one part of a double-barrelled surname"),
        ({"forenames": "Ava-Mae"}, "same first name"),
        ({"surname": "Testchilde"}, "surname sounds alike"),
        ({"forenames": "Avah"}, "first name sounds alike"),
        ({"dob": dt.date(2014, 2, 5)}, "day and month swapped"),
    ],
)
def test_each_kind_of_difference_has_its_reason(change, reason):
    found = score(referral(**change), known())
    assert reason in found.reasons


def test_short_forms_and_transliterations_are_strong():
    assert score(referral(forenames="Alex"), known(forenames="Alexander")).score >= Matching().strong
    assert score(referral(forenames="Muhammad"), known(forenames="Mohammed")).score >= Matching().strong


def test_swapped_day_and_month_is_never_strong_even_with_every_name_the_same():
    found = score(referral(dob=dt.date(2014, 2, 5)), known())
    assert not found.may_join and found.score >= Matching().possible


def test_a_brother_at_the_same_address_is_not_a_match():
    found = score(referral(forenames="Noah", dob=dt.date(2011, 9, 14)), known())
    assert found.score < Matching().possible


def test_swapped_is_only_another_real_date():
    assert swapped(dt.date(2014, 5, 2)) == dt.date(2014, 2, 5)
    assert swapped(dt.date(2014, 5, 20)) is None and swapped(dt.date(2014, 5, 5)) is None


@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30), st.dates(), st.text(max_size=8))
def test_any_child_scored_against_itself_scores_one(forenames, surname, dob, postcode):
    child = known(forenames=forenames, surname=surname, dob=dob, postcode=postcode or None)
    found = score(vars(child), child)
    assert found.score == pytest.approx(1.0) or not (joined(forenames) or joined(surname))
    assert 0.0 <= found.score <= 1.0


def test_thresholds_are_validated_in_the_profile(tmp_path):
    text = (load_profile.__globals__["DEFAULT_PROFILE"]).read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("strong: 0.95", "strong: 0.5"))
    with pytest.raises(ProfileError, match="matching"):
        load_profile(bad)


def test_the_same_upn_is_the_same_child_whatever_the_names(engine):
    now = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    with unit_of_work(engine) as session:
        first = new_child(session, child_values({"child_forenames": "Ava", "child_upn": "a123456789012"}), now)
        found = find_matches(
            session, child_values({"child_forenames": "Zara", "child_upn": "A123 4567 89012"}), Matching()
        )
    assert found.strong is not None and found.strong.child_id == first.id and "same UPN" in found.strong.reasons


def test_candidates_come_from_the_date_of_birth_swapped_and_the_postcode(engine):
    now = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    answers = {"child_forenames": "Ava", "child_surname": "Testchild", "child_dob": "2014-02-05"}
    with unit_of_work(engine) as session:
        new_child(session, child_values(answers), now)
        moved = new_child(
            session, child_values({**answers, "child_dob": "2010-01-01", "child_postcode": "bl90ej"}), now
        )
        found = find_matches(
            session, child_values({**answers, "child_dob": "2014-05-02", "child_postcode": "BL9 0EJ"}), Matching()
        )
    assert found.strong is None
    assert {c.child_id for c in found.possible} >= {moved.id}
    assert any("day and month swapped" in c.reasons for c in found.possible)


def test_the_candidate_look_ups_are_index_searches_never_a_scan(engine):
    now = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM child" in statement:
            statements.append((statement, parameters))

    with unit_of_work(engine) as session:
        for n in range(30):
            new_child(
                session, child_values({"child_forenames": f"Kid{n}", "child_dob": f"2010-01-{n % 28 + 1:02d}"}), now
            )
    sa_event.listen(engine, "before_cursor_execute", keep)
    try:
        with unit_of_work(engine) as session:
            values = child_values({"child_forenames": "Ava", "child_dob": "2014-05-02", "child_postcode": "BL9 0EJ",
                                   "child_upn": "A123456789012"})  # fmt: skip
            find_matches(session, values, Matching())
            values["upn"] = None
            find_matches(session, values, Matching())
    finally:
        sa_event.remove(engine, "before_cursor_execute", keep)
    assert len(statements) == 5  # UPN (no one has it), then date of birth (with the swap) and postcode, twice
    with engine.connect() as connection:
        postgres = engine.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql("SET enable_seqscan = off")  # a seq scan now means no index could serve it
        for statement, parameters in statements:
            prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            plan = " ".join(str(row) for row in connection.exec_driver_sql(prefix + statement, parameters).all())
            assert ("Seq Scan" not in plan) if postgres else ("SCAN child" not in plan), plan
            assert "ix_child_" in plan, plan
