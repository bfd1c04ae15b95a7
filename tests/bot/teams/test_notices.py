"""A school's deletion return in Teams: /cme deletion offers the card, its pages are submitted, a case opens."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from storage.models import Case, EnquiryStep
from storage.notices import SchoolNotice
from tests.bot.slack.test_notices import RETURN
from tests.bot.teams.harness import SAM, form_card, inputs_of, run, running, submission
from tests.bot.teams.test_officer_actions import buttons
from tests.support import Clock

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


def stored(engine):
    with Session(engine) as session:
        return tuple(list(session.exec(select(t)).all()) for t in (SchoolNotice, Case, EnquiryStep))


async def deletion_by_card(db_url, profile, answers: dict) -> tuple[list, object]:
    """Sam (a school's designated person) types deletion, presses Open the form and submits every page."""
    async with running(db_url, profile, clock=Clock(NOW)) as h:
        offered = await h.say("deletion", who=SAM)
        sent = await h.say(value=buttons(offered[0].cards[0])["Open the form"], who=SAM)
        pages = []
        while any("_draft" in str(c) for s in sent for c in s.cards):
            card = form_card(sent)
            pages.append(card["actions"][0]["data"]["_section"])
            given = {k: v for k, v in answers.items() if k in inputs_of(card)}
            sent = await h.say(value=submission(card, given), who=SAM)
            if pages.count(pages[-1]) > 2:  # the same page again: an error is shown on it
                return sent, stored(h.engine)
        return sent, stored(h.engine)


def test_a_whereabouts_unknown_deletion_by_card_opens_a_case_with_its_plan(db_url, teams_profile):
    sent, (notices, cases, steps) = run(deletion_by_card(db_url, teams_profile, RETURN))
    (notice,), (case,) = notices, cases
    shown = " ".join(s.text for s in sent)
    assert notice.reference in shown and case.reference in shown and "7 January 2027" in shown
    assert case.source == "deletion" and case.reporter_key == "teams:tenant-1:aad-sam" and len(steps) >= 9


def test_a_deletion_by_card_to_a_school_in_another_council_opens_no_case(db_url, teams_profile):
    leeds = {**RETURN, "reg9_ground": "a", "new_school": "Leeds Park Academy", "new_school_council": "383"}
    sent, (notices, cases, _) = run(deletion_by_card(db_url, teams_profile, leeds))
    assert len(notices) == 1 and notices[0].new_school_la_code == "383" and cases == []
    assert any("Leeds (383)" in s.text for s in sent)


async def new_pupil_by_card(db_url, profile) -> tuple[list, object]:
    async with running(db_url, profile, clock=Clock(NOW)) as h:
        offered = await h.say("newpupil", who=SAM)
        sent = await h.say(value=buttons(offered[0].cards[0])["Open the form"], who=SAM)
        answers = {**RETURN, "admission_date": "2026-11-24"}
        for _ in range(8):
            if not any("_draft" in str(c) for s in sent for c in s.cards):
                break
            card = form_card(sent)
            sent = await h.say(
                value=submission(card, {k: v for k, v in answers.items() if k in inputs_of(card)}), who=SAM
            )
        return sent, stored(h.engine)


def test_a_new_pupil_return_by_card_is_recorded(sqlite_url, teams_profile):
    sent, (notices, cases, _) = run(new_pupil_by_card(sqlite_url, teams_profile))
    (notice,) = notices
    assert notice.kind == "admission" and cases == [] and any(notice.reference in s.text for s in sent)
