"""The officer's morning in the terminal chat: one digest naming every case, nothing per step, and few lines."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlmodel import Session, func, select

from bot.cli.main import main
from bot.terminal import Chat, render
from handlers.casework.reminders import run_sweep
from handlers.commands import build_router
from handlers.core import Core
from handlers.knowledge.calendar import add_school_days
from handlers.messages import Address, Channel, Identity
from storage.models import AuditEvent, EnquiryStep, Outbox, ReminderRun
from tests.handlers.casework.test_cases import make_case
from tests.support import Clock

OFFICER = "terminal:local:cme-officer"
RAISED = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)  # a Thursday in term
# What the officer read before typing anything, with these three cases ten school days on: 65 lines before
# issue 22 (eight "Overdue" banners, one per step of the urgent case, and two digests). The guide and the
# README give the figure; this stops it growing.
MOST_LINES = 19


def three_cases(engine, profile, officer: str = OFFICER) -> list[str]:
    """An urgent case nobody has yet, one of the officer's, one nobody's, raised at RAISED: as the issue tried it."""
    return [
        make_case(engine, profile, 1, RAISED, urgent=True),
        make_case(engine, profile, 2, RAISED, assigned_to=officer),
        make_case(engine, profile, 3, RAISED),
    ]


def ten_school_days_on(profile) -> dt.datetime:
    """08:31 in London (GMT in December) on the tenth school day after the cases were raised."""
    day = add_school_days(RAISED.date(), 10, profile)
    return dt.datetime.combine(day, dt.time(8, 31), tzinfo=dt.UTC)


def officer_opens_the_chat(core: Core) -> list[str]:
    """What `cme-bot chat --as cme-officer` prints before the officer types anything (piped: no help)."""
    me = Identity(Channel.TERMINAL, "cme-officer", "local")
    chat = Chat(core, build_router(core), me, Address(Channel.TERMINAL, "dm:cme-officer", "cme-officer"))
    return "\n".join(render(reply) for reply in chat.start(False)).splitlines()


def written(engine) -> tuple[int, ...]:
    """What a preview must not change: outbox rows, audit events, the sweep's record, steps escalated."""
    with Session(engine) as session:
        marked = select(func.count()).select_from(EnquiryStep).where(EnquiryStep.escalated_for != None)  # noqa: E711
        counts = [select(func.count()).select_from(table) for table in (Outbox, AuditEvent, ReminderRun)]
        return tuple(session.exec(query).one() for query in (*counts, marked))


def preview_for(user: str, day: dt.date, capsys) -> list[str]:
    """`cme-bot remind --preview --on DAY --as USER`: the lines of the one message it prints for USER."""
    assert main(["remind", "--preview", "--on", day.isoformat(), "--as", user]) == 0
    out = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(out) if line.startswith("To cme-officer (terminal: dm:cme-officer)"))
    return out[start + 1 : out.index("", start)]


def test_ten_school_days_on_the_officer_reads_one_digest_naming_all_three_cases_as_previewed(
    engine, profile, db_url, monkeypatch, capsys
):
    monkeypatch.delenv("CME_PROFILE", raising=False)
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    references = three_cases(engine, profile)
    before = written(engine)
    with time_machine.travel(RAISED + dt.timedelta(hours=1), tick=False):  # the day the cases were raised
        previewed = preview_for("cme-officer", ten_school_days_on(profile).date(), capsys)
    assert written(engine) == before, "the preview changed nothing"
    core = Core(engine=engine, profile=profile, clock=Clock(ten_school_days_on(profile)))
    run_sweep(core)  # the scheduler's sweep at start and at the digest time
    run_sweep(core)
    lines = officer_opens_the_chat(core)
    assert lines[0] == "── Your day, Thu 10 Dec 2026 ──"
    assert sum(line.startswith("── ") or line.startswith("!!!") for line in lines) == 1, "one message"
    assert all(reference in "\n".join(lines) for reference in references)
    assert not any("Overdue" in line or "!!!" in line for line in lines), "no per-step overdue banner"
    assert len(lines) <= MOST_LINES, "\n".join(lines)
    assert lines == previewed  # the preview printed the same, ten school days before
    assert officer_opens_the_chat(core) == []  # delivered once
