"""`cme-bot remind --now` and `cme-bot cases --json --as USER` through the real command, and terminal delivery."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from sqlmodel import Session, select

from bot.cli.main import main
from bot.terminal import _alerts
from handlers.core import Core
from handlers.messages import Channel, Identity
from storage.models import AuditEvent
from tests.handlers.casework.test_cases import make_case, raise_case

THURSDAY = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def cli_db(db_url, engine, profile, monkeypatch):
    """Three cases in the database the CLI opens through CME_DATABASE_URL."""
    monkeypatch.delenv("CME_PROFILE", raising=False)
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    make_case(engine, profile, 1, dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC), urgent=True)
    make_case(engine, profile, 2, dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC), assigned_to="terminal:local:cme-officer")
    make_case(engine, profile, 3, THURSDAY)
    return engine


def test_remind_now_queues_and_prints_then_finds_nothing_new(cli_db, capsys):
    with time_machine.travel(THURSDAY, tick=False):
        assert main(["remind", "--now"]) == 0
        first = capsys.readouterr().out.splitlines()
        assert main(["remind", "--now", "--json"]) == 0
        again = json.loads(capsys.readouterr().out)
    assert first[0] == "Sweep for Thu 26 Nov 2026: 10 step(s) due or overdue."
    assert (
        "queued reminder.digest -> terminal:dm:cme-officer: 2 case(s) need you today, Thu 26 Nov 2026: "
        "10 enquiry step(s) due or overdue." in first
    )
    assert not any("reminder.overdue" in line for line in first)  # no alert per step: the digest lists them
    assert any(line.startswith("queued reminder.escalation -> terminal:managers") for line in first)
    assert first[-1].endswith("new message(s) in the outbox (0 were already queued).")
    assert again["ran"] and again["new"] == 0 and again["due_steps"] == 10


def test_remind_without_now_explains(capsys):
    assert main(["remind"]) == 2
    assert "--now" in capsys.readouterr().err


def test_cases_json_for_an_officer_and_refused_for_a_reporter(cli_db, capsys):
    with time_machine.travel(THURSDAY, tick=False):
        assert main(["cases", "--json", "--as", "cme-officer"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert main(["cases", "--json", "--as", "alice"]) == 3
    out, err = capsys.readouterr()
    assert [c["reference"] for c in listed] == ["CME-2026-0001", "CME-2026-0002", "CME-2026-0003"]
    assert listed[0]["urgent"] and listed[0]["overdue_steps"] == 8 and listed[0]["next_due"] == "2026-11-18"
    assert listed[1]["assigned_to"] == "terminal:local:cme-officer" and listed[1]["due_today_steps"] == 1
    assert out == "" and "CME officer and their manager only" in err
    with Session(cli_db) as session:
        actions = [(e.actor, e.action) for e in session.exec(select(AuditEvent).where(AuditEvent.case_id == None))]  # noqa: E711
    assert actions == [("terminal:local:cme-officer", "cases.listed"), ("terminal:local:alice", "permission.refused")]


def test_the_reporter_reads_the_outcome_when_they_next_open_the_terminal_chat(router, core):
    reference = raise_case(router)
    from tests.handlers.casework.test_child_intake import confirmed
    from tests.support import Person

    officer = Person(router, user="cme-officer")
    for said in (f"/cme transfer {reference} Leeds", "cme@leeds.example", "secure email"):  # not in the directory
        officer.say(said)
    officer.say(f"/cme transfer {reference} ack")  # moved_other_la closes only once the move is acknowledged
    confirmed(officer, officer.say(f"/cme close {reference} moved_other_la"))
    alice = Identity(Channel.TERMINAL, "alice", "local")
    (told,) = _alerts(core, alice)
    assert told.text == (
        f"Update on the concern you raised ({reference}): The child has moved to another area; that council's "
        "CME service has the case. Thank you for raising it."
    )
    assert _alerts(core, alice) == []  # delivered once
    officer = _alerts(Core(core.engine, core.profile, core.clock), Identity(Channel.TERMINAL, "cme-officer", "local"))
    assert [r.data.get("reference") for r in officer] == [reference]  # the new-case alert, not the reporter's news


def test_serve_schedules_the_sweep_at_start_and_every_quarter_hour_and_the_digest_at_0830(tmp_path):
    import asyncio

    from bot.app import CONTEXT_KEY, create_app
    from bot.config import Settings

    app = create_app(Settings(CME_DATABASE_URL=f"sqlite:///{tmp_path}/serve.db"))

    async def start_and_stop() -> dict:
        for hook in app.on_startup:
            await hook(app)
        jobs = {job.id: job for job in app[CONTEXT_KEY].extras["jobs"].scheduler.get_jobs()}
        for hook in app.on_cleanup:
            await hook(app)
        return jobs

    jobs = asyncio.run(start_and_stop())
    assert jobs["reminders"].trigger.interval == dt.timedelta(minutes=15)
    assert jobs["reminders"].coalesce and jobs["digest"].coalesce
    fields = {f.name: str(f) for f in jobs["digest"].trigger.fields}
    assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("mon-fri", "8", "30")


def test_remind_preview_on_a_day_with_no_digest_in_the_past_or_for_someone_else_says_so(cli_db, capsys):
    with time_machine.travel(THURSDAY, tick=False):
        said = {}
        for day in ("2026-12-12", "2027-05-03", "2026-12-21", "2026-12-18"):
            assert main(["remind", "--preview", "--on", day]) == 0
            said[day] = capsys.readouterr().out.splitlines()
        assert main(["remind", "--preview", "--on", "2026-11-25"]) == 2
        past = capsys.readouterr().err
        assert main(["remind", "--preview", "--on", "2026-12-18", "--as", "alice"]) == 3
        refused = capsys.readouterr()
        assert main(["remind", "--preview"]) == 2
        no_day = capsys.readouterr().err
    assert said["2026-12-12"][0] == (
        "Saturday 12 December 2026 is not a school day: no digest is sent; the next is Monday 14 December."
    )
    assert said["2027-05-03"][0] == (
        "Monday 3 May 2027 is not a school day (a bank holiday): no digest is sent; the next is Tuesday 4 May."
    )
    assert said["2026-12-21"][0] == (
        "Monday 21 December 2026 is not a school day (a school holiday): no digest is sent; the next is Monday 4 "
        "January 2027."
    )
    friday = "\n".join(said["2026-12-18"])
    assert said["2026-12-18"][0].startswith("Friday 18 December 2026: what each officer and manager gets at 08:30")
    assert "To cme-officer (terminal: dm:cme-officer):" in friday and "── Your day, Fri 18 Dec 2026 ──" in friday
    assert "CME-2026-0001" in friday and "CME-2026-0003" in friday
    said_past = "cme-bot remind: Wednesday 25 November 2026 is in the past: a preview shows today or a day to come.\n"
    assert past.endswith(said_past)
    assert refused.out == "" and "CME officer and their manager only" in refused.err
    assert "--on YYYY-MM-DD" in no_day
    with Session(cli_db) as session:
        from storage.models import Outbox

        assert session.exec(select(Outbox)).all() == []  # nothing queued by any preview
        assert [e.action for e in session.exec(select(AuditEvent))] == ["permission.refused"]  # alice, as elsewhere
