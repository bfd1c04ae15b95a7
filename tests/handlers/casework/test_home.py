"""The channel-neutral home page: an officer sees how many enquiries are overdue, in all and per case."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from handlers.casework.home import home_for
from handlers.messages import Channel, Identity
from tests.handlers.casework.test_cases import events, make_case
from tests.support import Person

OFFICER = Identity(Channel.TERMINAL, "cme-officer", "local")
DAY = dt.timedelta(days=1)


def test_officer_home_counts_overdue_enquiries_of_open_cases_only(core, engine, profile, clock, router):
    old = make_case(engine, profile, 1, clock() - 10 * DAY)  # Mon 16 Nov: 7 steps overdue by Thu 26 Nov
    fresh = make_case(engine, profile, 2, clock())  # nothing due yet
    closed = make_case(engine, profile, 3, clock() - 10 * DAY)
    officer = Person(router, user="cme-officer")
    officer.say(f"/cme done {old} phone-contacts")
    officer.say(f"/cme snooze {old} letter 14/12/2026 waiting for a reply")
    officer.say(f"/cme close {closed} not_cme no concern")
    officer.say("submit")  # its steps not done: confirmed
    home = home_for(core, OFFICER)
    by_case = {row.reference: row.overdue_steps for row in home.caseload.rows}
    assert by_case == {old: 5, fresh: 0}  # the closed case is not listed, nor counted
    assert home.overdue_enquiries == 5 and home.open_count == 2
    [shown] = [e for e in events(engine, "cases.listed")]  # the home lists as /cme cases does, audited alike
    assert shown.detail["via"] == "terminal" and shown.detail["named"] == [old, fresh]


def test_reporter_home_has_no_overdue_figures(core, engine, profile, clock):
    make_case(engine, profile, 1, clock() - 10 * DAY)
    home = home_for(core, Identity(Channel.TERMINAL, "alice", "local"))
    assert home.overdue_enquiries is None and home.caseload is None and len(home.cases) == 1


def test_the_overdue_count_reads_the_sweep_index_on_sqlite(engine, db_url):
    if not db_url.startswith("sqlite"):
        return
    with engine.connect() as conn:
        plan = conn.execute(
            text(
                'EXPLAIN QUERY PLAN SELECT count(*) FROM enquiry_step JOIN "case" ON "case".id = enquiry_step.case_id '
                "WHERE enquiry_step.state IN ('open', 'snoozed') AND \"case\".state = 'open' "
                "AND enquiry_step.due_on < '2026-11-26'"
            )
        ).all()
    assert any("ix_enquiry_step_sweep" in str(row) for row in plan)
