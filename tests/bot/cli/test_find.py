"""`cme-bot find` as a script runs it, on the database the bot wrote, JSON out, exit codes: a real process once, then
the same entry point in this process."""

from __future__ import annotations

import json
import subprocess

import pytest
from sqlmodel import Session, select

from bot.cli.main import main
from storage.models import AuditEvent
from tests.bot.chat_process import CME_BOT, ROOT, chat_env, run_cli
from tests.support import CALM_REFERRAL, Person


def find_process(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CME_BOT, "find", *args], capture_output=True, text=True, env=chat_env(db_url), cwd=ROOT, timeout=120
    )


def find(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return run_cli(db_url, "find", *args)


def referral(router, user: str, forename: str, surname: str) -> str:
    person = Person(router, user=user, name=f"{user.title()} Teacher")
    person.say("/cme report")
    answers = {**CALM_REFERRAL, "child_forenames": forename, "child_surname": surname, "child_dob": "02/05/2014"}
    person.fill(answers | {"child_address": "12 Elm Street, Bury", "child_postcode": "BL9 0EJ"})
    return person.say("submit")[-1].data["reference"]


def test_two_referrals_said_to_be_the_same_child_are_one_child_with_both_cases(router, engine, db_url):
    first = referral(router, "alice", "Ava", "Testchild")
    second = referral(router, "bob", "Eva", "Test-Child")
    officer = Person(router, user="cme-officer")
    view = {reply.title: reply for reply in officer.say(f"/cme case {second}")}
    same = next(b for b in view["Possible matches"].buttons if b.label.startswith("Same child"))
    officer.say(same.value)
    done = find_process(db_url, "--dob", "2014-05-02", "--as", "cme-officer", "--json")
    assert done.returncode == 0, done.stderr
    [child] = json.loads(done.stdout)
    assert set(child) == {"child_id", "names", "dob", "matched_on", "score", "cases"}
    assert (child["dob"], child["matched_on"], child["score"]) == ("2014-05-02", "dob", 100)
    assert {case["reference"] for case in child["cases"]} == {first, second}
    assert "Ava Testchild" in child["names"]
    assert "Testchild" not in done.stderr and "2014" not in done.stderr  # nothing of the child in a log line
    by_name = find(db_url, "--name", "testchild", "--as", "cme-manager")
    assert by_name.returncode == 0 and "Ava Testchild" in by_name.stdout and first in by_name.stdout
    with Session(engine) as session:
        searches = session.exec(select(AuditEvent).where(AuditEvent.action == "children.searched")).all()
    assert [(e.reason, e.detail["via"]) for e in searches] == [("searched by dob", "cli"), ("searched by name", "cli")]
    assert all("2014" not in str(e.detail) and "testchild" not in str(e.detail).lower() for e in searches)


def test_a_reporter_is_refused_with_exit_3(engine, db_url):
    refused = find(db_url, "--postcode", "BL9 0EJ", "--as", "alice", "--json")
    assert (refused.returncode, refused.stdout) == (3, "")
    assert "CME officer and their manager only" in refused.stderr and "BL9" not in refused.stderr


def test_bad_input_is_exit_2_with_examples_and_no_match_is_said(engine, db_url, monkeypatch, capsys):
    monkeypatch.delenv("CME_PROFILE", raising=False)
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    for option, value in (("--dob", "Ava"), ("--name", "2/5/2014"), ("--upn", "B123456789012"), ("--dob", "31/2/2014")):
        assert main(["find", option, value, "--as", "cme-officer", "--json"]) == 2, (option, value)
        said = capsys.readouterr()
        assert said.out == "" and "cme-bot find --as cme-officer --name Testchild" in said.err
    assert main(["find", "--name", "Quillfeather", "--as", "cme-officer"]) == 0
    assert capsys.readouterr().out == "No child matches.\n"
    with pytest.raises(SystemExit) as missing:
        main(["find", "--as", "cme-officer"])
    assert missing.value.code == 2 and "one of the arguments --name --dob --upn --postcode is required" in (
        capsys.readouterr().err
    )
