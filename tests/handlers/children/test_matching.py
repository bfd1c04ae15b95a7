"""The intake matcher: names written differently, swapped day and month, short forms, UPN, thresholds."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import event as sa_event

from handlers.children.matching import compare_child, find_matches, swapped
from handlers.children.names import fold, joined, meaningful, same_short_form
from handlers.children.record import child_values, new_child
from handlers.knowledge.profile import Matching, ProfileError, load_profile
from storage.db import unit_of_work

BORN = dt.date(2014, 5, 2)
MATCHING = Matching()


def known(**values) -> SimpleNamespace:
    base = {"id": 1, "forenames": "Ava", "surname": "Testchild", "other_names": None, "dob": BORN,
            "postcode": "BL9 0EJ", "upn": None, "sex": None}  # fmt: skip
    return SimpleNamespace(**{**base, **values})


def referral(**values) -> dict:
    return {**vars(known()), **values}


def test_names_fold_hyphens_spaces_accents_apostrophes_and_stroke_letters():
    assert joined("Test-Child") == joined("Test Child") == joined("testchild")
    assert fold("Zoë O'Neil") == "zoe oneil" and fold("Łukasz Øster") == "lukasz oster"
    assert same_short_form("alex", "alexander") and not same_short_form("alexander", "alexandra")


@pytest.mark.parametrize("name", ["Not known", "not-known", "UNKNOWN", "N/K", "", None, "J", "J.", "?"])
def test_what_a_referral_writes_for_no_name_is_never_a_name(name):
    assert meaningful(name) == ""


@pytest.mark.parametrize(
    ("twin", "other"), [("Jon", "Joan"), ("Ali", "Alia"), ("Ava", "Eva"), ("Amelia", "Amelie"), ("Hassan", "Hussain")]
)
def test_twins_with_first_names_a_letter_apart_are_never_joined_and_the_reason_says_what_differs(twin, other):
    found = compare_child(referral(forenames=other), known(forenames=twin))
    assert not found.may_join() and found.may_offer()
    assert found.agrees() == ("same surname", "same date of birth", "same postcode")
    assert found.differs()[0].startswith(f"first names differ: {other} / {twin}, ")
    assert twin not in " ".join(found.differs(plain=True)), "the stored words name no one"


def test_twins_recorded_as_a_boy_and_a_girl_are_not_even_offered():
    found = compare_child(referral(forenames="Joan", sex="female"), known(forenames="Jon", sex="male"))
    assert not found.may_offer()
    assert "recorded as female on the new referral and male on the known record" in found.differs()


@pytest.mark.parametrize("surname", ["Not known", "unknown", None, ""])
def test_a_first_name_and_birthday_alone_are_at_most_a_possible_match(surname):
    found = compare_child(referral(surname=surname), known())
    assert not found.may_join() and found.may_offer()
    assert "surname not known on the new referral" in found.differs()


def test_two_not_known_surnames_do_not_agree():
    found = compare_child(referral(forenames="Lily", surname="Not known"), known(forenames="Amy", surname="Not known"))
    assert "same surname" not in found.agrees() and not found.may_offer()


def test_one_letter_names_never_agree_and_two_initials_that_differ_rule_a_match_out():
    assert not compare_child(referral(forenames="A"), known(forenames="A")).may_join()
    assert "first initials differ" in compare_child(referral(forenames="M"), known(forenames="J")).differs()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"forenames": "Testchild", "surname": "Ava"},
         "first name and surname swapped (Testchild Ava / Ava Testchild)"),
        ({"surname": "Byrne", "other_names": "Ava Testchild"}, "the surname may have changed: Byrne / Testchild, "
         "the other given as another name"),
        ({"dob": dt.date(2014, 2, 5)}, "dates of birth differ: day and month swapped"),
        ({"dob": dt.date(2015, 5, 2)}, "dates of birth a year apart"),
        ({"surname": "Testchidl"}, "surnames differ: Testchidl / Testchild, two letters swapped"),
        ({"forenames": "Avalon"}, "first name may be a short form of the other (Avalon / Ava)"),
    ],
)  # fmt: skip
def test_each_slip_is_offered_never_joined_and_says_what_differs(change, reason):
    found = compare_child(referral(**change), known())
    assert found.may_offer() and not found.may_join()
    assert reason in found.differs()


def test_29_february_recorded_as_1_march_is_offered():
    found = compare_child(referral(dob=dt.date(2012, 3, 1)), known(dob=dt.date(2012, 2, 29)))
    assert found.may_offer() and not found.may_join()
    assert found.differs() == ("dates of birth differ: 29 February recorded as 1 March",)


@pytest.mark.parametrize(
    ("change", "first"),
    [({"forenames": "Alex"}, "Alexander"), ({"surname": "Test-Child"}, "Ava"), ({"forenames": "Ava Grace"}, "Ava"),
     ({"surname": "Smith-Testchild"}, "Ava"), ({"forenames": "ZOË"}, "Zoe")],
)  # fmt: skip
def test_the_same_name_written_another_way_with_birthday_and_postcode_joins(change, first):
    found = compare_child(referral(**change), known(forenames=first))
    assert found.may_join() and found.score >= Matching().strong


def test_a_moved_child_is_offered_not_joined_a_common_name_may_share_a_birthday():
    found = compare_child(referral(postcode="M8 3BB"), known())
    assert not found.may_join() and found.may_offer()
    assert "postcodes differ (the child may have moved)" in found.differs()


def test_brothers_a_year_apart_with_names_alike_are_kept_apart():
    found = compare_child(referral(forenames="Tyler", dob=dt.date(2015, 5, 2)), known(forenames="Taylor"))
    assert not found.may_offer()
    assert found.differs() == ("first names differ: Tyler / Taylor, they sound alike", "dates of birth a year apart")


def test_a_brother_at_the_same_address_is_not_a_match():
    assert not compare_child(referral(forenames="Noah", dob=dt.date(2011, 9, 14)), known()).may_offer()


def test_the_same_upn_joins_unless_another_identifier_contradicts_it():
    upn = {"upn": "A123456789012"}
    assert compare_child(referral(surname=None, postcode=None, **upn), known(**upn)).may_join()
    other = compare_child(referral(forenames="Zara", **upn), known(**upn))
    assert not other.may_join() and other.may_offer() and other.agrees()[0] == "same UPN"
    assert not compare_child(referral(upn="B123456789012"), known(upn="A123456789012")).may_join()


def test_swapped_is_only_another_real_date():
    assert swapped(dt.date(2014, 5, 2)) == dt.date(2014, 2, 5)
    assert swapped(dt.date(2014, 5, 20)) is None and swapped(dt.date(2014, 5, 5)) is None


@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30), st.dates(), st.text(max_size=8))
def test_any_child_scored_against_itself_scores_one_and_joins_only_with_real_names(forenames, surname, dob, postcode):
    child = known(forenames=forenames, surname=surname, dob=dob, postcode=postcode or None)
    found = compare_child(vars(child), child)
    real = meaningful(forenames) and meaningful(surname)
    assert found.may_join() == bool(real)
    assert 0.0 <= found.score <= 1.0
    assert found.score == pytest.approx(1.0) or not real


@given(st.sampled_from(["Jon", "Ava", "Ali", "Noah", "Mia", "Leo", "Zofia", "Wei"]), st.text(min_size=2, max_size=12))
def test_two_different_first_names_never_join(first, other):
    assume(joined(first) != joined(other) and not same_short_form(joined(first), joined(other)))
    assume(fold(first).split()[:1] != fold(other).split()[:1])
    assert not compare_child(referral(forenames=other), known(forenames=first)).may_join()


def test_thresholds_are_validated_in_the_profile(tmp_path):
    text = (load_profile.__globals__["DEFAULT_PROFILE"]).read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("strong: 0.95", "strong: 0.5"))
    with pytest.raises(ProfileError, match="matching"):
        load_profile(bad)


def test_the_same_upn_joins_the_child_and_under_another_first_name_is_offered(engine):
    now = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    with unit_of_work(engine) as session:
        first = new_child(session, child_values({"child_forenames": "Ava", "child_upn": "a123456789012"}), now)
        same = find_matches(
            session, child_values({"child_forenames": "Ava", "child_upn": "A123 4567 89012"}), Matching()
        )
        other = find_matches(
            session, child_values({"child_forenames": "Zara", "child_upn": "A123456789012"}), Matching()
        )
    assert same.strong is not None and same.strong.child_id == first.id and same.strong.reasons[0] == "same UPN"
    assert other.strong is None and [c.child_id for c in other.possible] == [first.id]
    assert other.possible[0].differs[0] == "first names differ"


def test_candidates_come_from_the_birthday_swapped_29_february_and_the_postcode(engine):
    now = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    answers = {"child_forenames": "Ava", "child_surname": "Testchild"}
    with unit_of_work(engine) as session:
        by_swap = new_child(session, child_values({**answers, "child_dob": "2012-01-03"}), now)
        by_leap = new_child(session, child_values({**answers, "child_dob": "2012-02-29"}), now)
        by_home = new_child(session, child_values({**answers, "child_postcode": "bl90ej"}), now)
        new_child(session, child_values({**answers, "child_dob": "2010-01-01"}), now)  # no way to find it: not wanted
        found = find_matches(
            session, child_values({**answers, "child_dob": "2012-03-01", "child_postcode": "BL9 0EJ"}), Matching()
        )
    assert found.strong is None
    reasons = {c.child_id: c.differs for c in found.possible}
    assert reasons == {
        by_swap.id: ("dates of birth differ: day and month swapped",),
        by_leap.id: ("dates of birth differ: 29 February recorded as 1 March",),
        by_home.id: ("date of birth not known on the known record",),
    }


def test_twins_known_stay_two_and_two_children_fitting_alike_are_both_offered(engine):
    now = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    base = {"child_surname": "Ashcroft", "child_dob": "2014-03-12", "child_postcode": "BL9 0EJ"}
    with unit_of_work(engine) as session:
        jon = new_child(session, child_values({**base, "child_forenames": "Jon"}), now)
        joan = find_matches(session, child_values({**base, "child_forenames": "Joan"}), Matching())
        assert joan.strong is None and [c.child_id for c in joan.possible] == [jon.id]
        alexander = new_child(session, child_values({**base, "child_forenames": "Alexander"}), now)
        alexandra = new_child(session, child_values({**base, "child_forenames": "Alexandra"}), now)
        alex = find_matches(session, child_values({**base, "child_forenames": "Alex"}), Matching())
    assert alex.strong is None, "Alex fits Alexander and Alexandra alike: an officer decides"
    assert {c.child_id for c in alex.possible} == {alexander.id, alexandra.id}


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
