"""School register notices through the router: /cme deletion and /cme newpupil, as a school's designated person."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.commands import build_router
from handlers.core import Core
from handlers.knowledge.profile import CouncilContact
from handlers.messages import ReplyKind
from handlers.reports.dfe_return import build_return
from storage.models import Case, EnquiryStep, Outbox, Report
from storage.notices import SchoolNotice
from tests.handlers.casework.test_cases import events
from tests.support import CALM_REFERRAL, Person

# A deletion return for a pupil off roll after 20 school days' absence, whereabouts unknown: what the school types.
WHEREABOUTS_UNKNOWN = {
    "school_name": "Elm Street Primary",
    "school_urn": "105312",
    "child_forenames": "Zephyrine",
    "child_surname": "Quillfeather",
    "child_dob": "02/05/2014",
    "child_gender": "female",
    "child_year_group": "Y7",
    "child_address": "1 Mill Lane, Bury",
    "parent_names": "Orla Quillfeather",
    "parent_phone": "0161 496 0000",
    "reg9_ground": "i",
    "deletion_date": "25/11/2026",
    "date_last_attended": "20/10/2026",
    "referrer_name": "Dee Lead",
    "referrer_role": "Designated safeguarding lead",
}
MOVING_TO_LEEDS = {
    **WHEREABOUTS_UNKNOWN,
    "reg9_ground": "a",
    "new_school": "Leeds Park Academy",
    "new_school_urn": "148000",
    "new_school_council": "Leeds",
    "new_start_date": "01/12/2026",
}


def notices(engine) -> list[SchoolNotice]:
    with Session(engine) as session:
        return list(session.exec(select(SchoolNotice).order_by(SchoolNotice.id)).all())


def rows(engine, table) -> list:
    with Session(engine) as session:
        return list(session.exec(select(table)).all())


def send(router, answers: dict[str, str], *, user: str = "dee", command: str = "/cme deletion") -> list:
    """The designated person fills the return one question at a time and submits it."""
    dee = Person(router, user=user, name="Dee Lead")
    dee.say(command)
    review = dee.fill(answers)
    assert review[-1].kind is ReplyKind.REVIEW, review[-1].text
    return dee.say("submit")


def test_a_whereabouts_unknown_deletion_opens_a_case_with_its_plan_and_tells_the_school_when_enquiries_are_due(
    router, engine
):
    done = send(router, WHEREABOUTS_UNKNOWN)[-1]
    assert done.kind is ReplyKind.CONFIRMATION
    (notice,) = notices(engine)
    (case,) = rows(engine, Case)
    assert notice.reference == "SN-2026-0001" and notice.reference in done.text and case.reference in done.text
    assert case.reference == "CME-2026-0001"  # notices count on their own: case numbers stay consecutive
    assert (notice.kind, notice.ground, notice.school_urn, notice.case_id) == ("deletion", "i", "105312", case.id)
    assert notice.details["child_surname"] == "Quillfeather" and "Quillfeather" not in notice.school_name
    # Bury's plan ends with the S2S step, 20 school days from Thursday 26 November 2026 (Christmas holiday skipped).
    steps = rows(engine, EnquiryStep)
    assert len(steps) >= 9 and notice.enquiries_due == max(s.due_on for s in steps) == dt.date(2027, 1, 7)
    assert "Thursday 7 January 2027" in done.text and done.data["enquiries_due"] == "2027-01-07"
    # Ground (i) says the child's whereabouts are unknown, not why they are missing education: no DfE reason
    # yet (Not recorded), for the officer to choose.
    assert (case.source, case.cme_reason, case.missing_since) == ("deletion", None, dt.date(2026, 11, 25))
    assert (case.sex, case.year_group) == ("female", "year-7") and case.triage_outcome in ("cme", "possible_cme")
    (report,) = rows(engine, Report)
    assert report.answers["reason"] == "deleted-reg9" and report.answers["reg9_ground"] == "i"
    assert [e.detail["notice"] for e in events(engine, "notice.deletion")] == ["SN-2026-0001"]
    assert events(engine, "case.fields_set")[0].detail["missing_since"] == "2026-11-25"
    alerts = [o for o in rows(engine, Outbox) if o.kind == "case.new"]
    assert alerts and all("Quillfeather" not in o.text for o in alerts)


def test_a_deletion_naming_a_school_in_another_council_records_the_notice_and_prompts_a_transfer_without_a_case(
    core, engine
):
    leeds = CouncilContact(label="Leeds CME team", email="cme@leeds.example")
    router = build_router(Core(engine=engine, profile=core.profile.model_copy(update={"councils": {"383": leeds}}),
                               clock=core.clock))  # fmt: skip
    done = send(router, MOVING_TO_LEEDS)[-1]
    assert done.kind is ReplyKind.CONFIRMATION and "Leeds (383)" in done.text and done.data["case"] is None
    (notice,) = notices(engine)
    assert (notice.ground, notice.new_school_name, notice.new_school_la_code) == ("a", "Leeds Park Academy", "383")
    assert notice.case_id is None and notice.enquiries_due is None and rows(engine, Case) == []
    (prompt,) = [o for o in rows(engine, Outbox) if o.kind == "notice.transfer"]
    assert "SN-2026-0001" in prompt.text and "cme@leeds.example" in prompt.text and "Quillfeather" not in prompt.text


def test_a_deletion_to_a_school_in_this_council_is_only_recorded(router, engine):
    done = send(router, {**MOVING_TO_LEEDS, "new_school_council": "Bury"})[-1]
    assert "needs nothing more" in done.text
    assert rows(engine, Case) == [] and [o for o in rows(engine, Outbox) if o.kind == "notice.transfer"] == []


def test_moved_away_with_no_school_named_opens_a_case(router, engine):
    send(router, {**WHEREABOUTS_UNKNOWN, "reg9_ground": "g"})
    (case,) = rows(engine, Case)
    assert case.cme_reason is None  # moved where? the officer chooses the DfE reason


def test_unpaid_boarding_fees_at_an_academy_open_a_case_under_other(router, engine):
    done = send(router, {**WHEREABOUTS_UNKNOWN, "reg9_ground": "m"})[-1]
    (case,) = rows(engine, Case)
    assert case.cme_reason == "other" and case.reference in done.text


def test_a_deletion_dated_in_the_future_is_refused_unless_the_ground_allows_it(router, clock):
    dee = Person(router, user="dee")
    dee.say("/cme deletion")
    dee.fill(WHEREABOUTS_UNKNOWN, until="deletion_date")
    refused = dee.say("30/11/2026")[0]
    assert refused.kind is ReplyKind.ERROR and "Ground (i) has to be met already" in refused.text
    assert dee.last_question() == "deletion_date"
    assert "nonsense" not in dee.say("no idea")[0].text and dee.last_question() == "deletion_date"
    assert "more than a year ago" in dee.say("01/01/2020")[0].text
    assert dee.say("25/11/2026")[-1].question.field_id == "date_last_attended"


def test_a_nursery_leaver_is_not_dated_ahead_but_a_school_leaver_may_be(router):
    """Ground (b) is met once the nursery education has been completed (SI 2024/208 reg 9(1)(b)); (l) looks ahead."""
    dee = Person(router, user="dee")
    dee.say("/cme deletion")
    dee.fill({**WHEREABOUTS_UNKNOWN, "reg9_ground": "b"}, until="deletion_date")
    ahead = dee.say("18/12/2026")[0]
    assert ahead.kind is ReplyKind.ERROR and "Ground (b) has to be met already" in ahead.text
    assert dee.say("25/11/2026")[-1].question.field_id == "date_last_attended"
    leaver = Person(router, user="lee")
    leaver.say("/cme deletion")
    leaver.fill({**WHEREABOUTS_UNKNOWN, "reg9_ground": "l"}, until="deletion_date")
    too_far = leaver.say("01/09/2027")[0]
    assert too_far.kind is ReplyKind.ERROR and "allows a deletion up to 6 March 2027" in too_far.text
    assert leaver.say("18/12/2026")[-1].question.field_id == "date_last_attended"


def test_a_ground_with_a_condition_says_it_before_the_school_goes_on(router, engine):
    dee = Person(router, user="dee")
    dee.say("/cme deletion")
    dee.fill({**WHEREABOUTS_UNKNOWN, "reg9_ground": "f"}, until="reg9_ground")
    said = dee.say("f")
    assert any("special school" in r.text and "council's consent" in r.text for r in said)
    assert said[-1].question.field_id == "deletion_date"
    excluded = send(router, {**WHEREABOUTS_UNKNOWN, "reg9_ground": "o"}, user="ola")[-1]
    assert "sixth school day" in excluded.text


def test_a_ground_that_needs_a_new_school_without_one_says_what_to_do(router):
    dee = Person(router, user="dee")
    dee.say("/cme deletion")
    dee.fill({**WHEREABOUTS_UNKNOWN, "reg9_ground": "a"}, until="reg9_ground")
    refused = dee.say("a")[0]
    assert refused.kind is ReplyKind.ERROR and "must name it" in refused.text and "'back'" in refused.text
    assert "isn't one of the options" in dee.say("zz")[0].text  # not a ground at all
    assert "no 'not known' answer" in dee.say("no idea")[0].text
    assert dee.say("i")[-1].question.field_id == "deletion_date"


def test_bad_school_details_are_refused_with_the_fix(router):
    dee = Person(router, user="dee")
    dee.say("/cme deletion")
    dee.fill(WHEREABOUTS_UNKNOWN, until="school_urn")
    assert "6-digit" in dee.say("no idea")[0].text
    dee.fill(WHEREABOUTS_UNKNOWN, until="new_school_council")
    assert "isn't an English council" in dee.say("Narnia")[0].text


def test_a_deletion_about_a_child_with_an_open_case_joins_it_and_the_school_keeps_its_own_reference(router, engine):
    alice = Person(router, user="alice")
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL)
    first = alice.say("submit")[-1].data["reference"]
    done = send(router, WHEREABOUTS_UNKNOWN)[-1]
    (notice,) = notices(engine)
    standing = [c for c in rows(engine, Case) if c.merged_into is None]
    assert [c.reference for c in standing] == [first] and notice.case_id == standing[0].id
    assert first not in done.text  # the school is told nothing about the other case
    assert standing[0].cme_reason is None and standing[0].missing_since == dt.date(2026, 11, 25)


def test_submitting_twice_records_one_notice(router, engine):
    dee = Person(router, user="dee")
    dee.say("/cme deletion")
    dee.fill(WHEREABOUTS_UNKNOWN)
    first = dee.say("submit")[-1]
    again = dee.say("submit")[-1]
    assert again.data == first.data and len(notices(engine)) == 1 and len(rows(engine, Case)) == 1


def test_a_new_pupil_return_is_recorded(router, engine):
    answers = {**WHEREABOUTS_UNKNOWN, "admission_date": "24/11/2026", "previous_school": "Oak Hill Primary"}
    done = send(router, answers, command="/cme newpupil")[-1]
    (notice,) = notices(engine)
    assert notice.kind == "admission" and notice.event_date == dt.date(2026, 11, 24) and notice.reference in done.text
    assert notice.details["previous_school"] == "Oak Hill Primary" and rows(engine, Case) == []
    assert len(events(engine, "notice.new_pupil")) == 1


def test_a_new_pupil_admitted_in_the_future_is_refused(router):
    dee = Person(router, user="dee")
    dee.say("/cme newpupil")
    dee.fill(WHEREABOUTS_UNKNOWN, until="admission_date")
    assert "in the future" in dee.say("01/12/2026")[0].text


def test_help_lists_the_returns_for_anyone(router):
    facts = dict(Person(router, user="dee").say("/cme help")[0].facts)
    assert "/cme deletion" in facts and "/cme newpupil" in facts and "/cme set" not in facts
    officer = dict(Person(router, user="cme-officer").say("/cme help")[0].facts)
    assert "/cme set" in officer


def test_the_dfe_return_counts_the_case_a_deletion_opened_under_the_dfe_reason(router, engine, profile):
    send(router, WHEREABOUTS_UNKNOWN)
    with Session(engine) as session:
        result = build_return(session, census=dt.date(2026, 11, 26), tz=profile.tz)
    assert result.total == 1 and result.breakdowns["primary_reason"]["Not recorded"] == 1
    assert result.breakdowns["year_group"]["Year 7"] == 1 and result.breakdowns["sex"] == {
        "Female": 1,
        "Male": 0,
        "Unknown": 0,
    }


def test_a_new_pupil_who_is_the_child_of_an_open_case_is_told_to_the_officers_not_the_school(router, engine):
    alice = Person(router, user="alice")
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL)
    reference = alice.say("submit")[-1].data["reference"]
    answers = {**WHEREABOUTS_UNKNOWN, "admission_date": "24/11/2026"}
    done = send(router, answers, command="/cme newpupil")[-1]
    assert reference not in done.text
    (told,) = [o for o in rows(engine, Outbox) if o.kind == "notice.admitted"]
    assert reference in told.text and "SN-2026-0001" in told.text and "Quillfeather" not in told.text
    (event,) = events(engine, "notice.admitted")
    assert event.detail == {"notice": "SN-2026-0001", "school_urn": "105312"}
    assert events(engine, "notice.new_pupil")[0].detail["open_cases"] == [reference]


def test_a_new_pupil_who_only_looks_like_a_known_child_is_not_linked(router, engine):
    alice = Person(router, user="alice")
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL)
    alice.say("submit")
    send(
        router,
        {**WHEREABOUTS_UNKNOWN, "child_dob": "03/06/2013", "child_year_group": "Y9", "admission_date": "24/11/2026"},
        command="/cme newpupil",
    )
    assert [o for o in rows(engine, Outbox) if o.kind == "notice.admitted"] == []


def test_no_idea_is_not_taken_as_the_schools_own_name(router):
    dee = Person(router, user="dee")
    dee.say("/cme deletion")
    refused = dee.say("no idea")[0]  # the first question: the school's own name, needed
    assert refused.kind is ReplyKind.ERROR and "don't know" in refused.text
    assert dee.last_question() == "school_name"
    assert dee.say("Elm Street Primary")[-1].question.field_id == "school_urn"


def test_a_pupil_joining_on_the_first_day_of_the_school_year_needs_no_new_pupil_return(router, engine):
    """SI 2024/208 reg 13(2): none for the most junior class on the first day of the year, unless the council asks."""
    dee = Person(router, user="dee")
    intro = dee.say("/cme newpupil")
    assert any("most junior class on the first day of the school year" in r.text for r in intro)
    dee.fill(WHEREABOUTS_UNKNOWN, until="admission_date")
    asked = dee.say("02/09/2026")  # Bury's first day of the 2026/27 school year
    assert "unless the council has asked for it" in asked[-1].text and asked[-1].buttons
    stopped = dee.say("Yes: no return needed")[-1]
    assert "no new pupil return" in stopped.text and "regulation 13(2)" in stopped.text
    assert notices(engine) == []
    # Another day is not asked about; the council may still ask for one: "carry on" records it.
    carry = Person(router, user="cara")
    carry.say("/cme newpupil")
    carry.fill(WHEREABOUTS_UNKNOWN, until="admission_date")
    carry.say("02/09/2026")
    assert carry.say("No, or the council asked: carry on")[-1].question.field_id == "previous_school"
    later = Person(router, user="lou")
    later.say("/cme newpupil")
    later.fill(WHEREABOUTS_UNKNOWN, until="admission_date")
    assert later.say("03/09/2026")[-1].question.field_id == "previous_school"
