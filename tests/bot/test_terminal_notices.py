"""`cme-bot chat` as a separate process: a school's deletion return, piped, opens a case (or records a move)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from handlers.commands import build_router
from handlers.core import Core
from handlers.knowledge.profile import bundled_profile
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Case, EnquiryStep, Outbox
from storage.notices import SchoolNotice
from tests.bot.chat_process import run_piped
from tests.handlers.notices.test_deletion import MOVING_TO_LEEDS, WHEREABOUTS_UNKNOWN
from tests.support import Person


def _today_answers(answers: dict[str, str]) -> dict[str, str]:
    """The same return dated by the real clock the chat process reads."""
    today = dt.date.today()
    return {
        **answers,
        "deletion_date": f"{today - dt.timedelta(days=1):%d/%m/%Y}",
        "date_last_attended": f"{today - dt.timedelta(days=35):%d/%m/%Y}",
        "new_start_date": f"{today + dt.timedelta(days=5):%d/%m/%Y}",
    }


def _script(tmp_path, answers: dict[str, str]) -> list[str]:
    """What the designated person types for `answers`, found by a dry run on a scratch database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'dry.db'}")
    upgrade(engine)
    person = Person(build_router(Core(engine=engine, profile=bundled_profile())), user="dry")
    person.say("/cme deletion")
    person.fill(answers)
    engine.dispose()
    return [*person.sent, "submit"]


def _stored(db_url: str) -> tuple[list[SchoolNotice], list[Case], list[EnquiryStep], list[Outbox]]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        found = tuple(list(session.exec(select(t)).all()) for t in (SchoolNotice, Case, EnquiryStep, Outbox))
    engine.dispose()
    return found


def test_piped_whereabouts_unknown_deletion_opens_a_case_with_its_plan(db_url, tmp_path):
    lines = _script(tmp_path, _today_answers(WHEREABOUTS_UNKNOWN))
    replies, stderr = run_piped(lines, db_url, "--as", "dsl1", "--name", "Dee Lead")
    done = next(r for r in replies if r["kind"] == "confirmation")
    notices, cases, steps, _ = _stored(db_url)
    (notice,), (case,) = notices, cases
    assert done["data"]["notice"] == notice.reference and done["data"]["case"] == case.reference
    assert case.source == "deletion" and case.cme_reason is None and len(steps) >= 9  # ground (i): the officer chooses
    assert done["data"]["enquiries_due"] == notice.enquiries_due.isoformat()
    assert "Quillfeather" not in stderr


def test_piped_deletion_to_a_school_in_another_council_opens_no_case(db_url, tmp_path):
    lines = _script(tmp_path, _today_answers(MOVING_TO_LEEDS))
    replies, _ = run_piped(lines, db_url, "--as", "dsl2", "--name", "Dee Lead")
    done = next(r for r in replies if r["kind"] == "confirmation")
    notices, cases, _, outbox = _stored(db_url)
    assert len(notices) == 1 and cases == [] and done["data"]["case"] is None
    assert notices[0].new_school_la_code == "383" and [o.kind for o in outbox] == ["notice.transfer"] * len(outbox)
    assert outbox  # the officers are prompted to tell Leeds
