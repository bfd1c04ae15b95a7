"""`cme-bot retention` as the daily job's operator runs it, the clock moved on with --today: a real process for the
run that anonymises, the same entry point in this process for the rest."""

from __future__ import annotations

import json
import subprocess

from sqlmodel import Session, select

from storage.models import Case
from tests.bot.chat_process import CME_BOT, ROOT, chat_env, run_cli
from tests.handlers.casework.test_child_intake import AVA, EVA, OFFICER, close, refer
from tests.support import Person


def retention_process(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CME_BOT, "retention", *args], capture_output=True, text=True, env=chat_env(db_url), cwd=ROOT, timeout=120
    )


def retention(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return run_cli(db_url, "retention", *args)


def test_the_clock_moved_on_anonymises_a_closed_case_and_leaves_one_on_hold(router, engine, db_url):
    gone = refer(router, "alice", AVA)
    kept = refer(router, "bob", {**EVA, "child_dob": "03/06/2015", "child_postcode": "BL8 1AA"})
    for reference in (gone, kept):
        close(router, reference)
    Person(router, user=OFFICER).say(f"/cme hold {kept} inquiry asked us to keep records")
    dry = retention(db_url, "--dry-run", "--today", "2034-01-01", "--json")
    assert dry.returncode == 0, dry.stderr
    listed = {row["reference"]: row for row in json.loads(dry.stdout)}
    assert listed[gone]["held"] is False and listed[gone]["due_on"] == "2033-11-26"
    assert listed[kept]["held"] is True and "legal hold" in listed[kept]["why"]
    assert "Ava" not in dry.stdout + dry.stderr and "2014" not in dry.stdout  # no child details listed
    with Session(engine) as session:
        assert all(case.anonymised_at is None for case in session.exec(select(Case)).all())
    done = retention_process(db_url, "--today", "2034-01-01")
    assert done.returncode == 0, done.stderr
    assert "1 case(s) anonymised, 1 kept on legal hold" in done.stdout
    with Session(engine) as session:
        states = {case.reference: case.anonymised_at for case in session.exec(select(Case)).all()}
    assert states[gone] is not None and states[kept] is None
    again = retention(db_url, "--today", "2034-01-01")
    assert "0 case(s) anonymised" in again.stdout


def test_a_date_that_is_not_a_date_is_exit_2(db_url):
    bad = retention(db_url, "--today", "next tuesday")
    assert bad.returncode == 2 and "use YYYY-MM-DD" in bad.stderr
