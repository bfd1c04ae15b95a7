"""`cme-bot audit verify|export` as a script runs them, on the database the bot wrote: a real process once, then
the same entry point in this process (its exit status, stdout and stderr)."""

from __future__ import annotations

import json
import os
import stat
import subprocess

from sqlalchemy import text
from sqlmodel import Session, select

from storage.models import AuditEvent
from tests.bot.chat_process import CME_BOT, ROOT, chat_env, run_cli
from tests.support import CALM_REFERRAL, Person


def audit_process(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CME_BOT, "audit", *args], capture_output=True, text=True, env=chat_env(db_url), cwd=ROOT, timeout=120
    )


def audit(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return run_cli(db_url, "audit", *args)


def _busy_day(router) -> str:
    """A referral, an officer viewing it and noting it: a few real audit events."""
    person = Person(router, user="alice", name="Alice Teacher")
    person.say("/cme report")
    person.fill(CALM_REFERRAL)
    reference = person.say("submit")[-1].data["reference"]
    officer = Person(router, user="cme-officer")
    officer.say(f"/cme case {reference}")
    officer.say(f"/cme note {reference} phoned the school")
    return reference


def _ids(engine) -> list[int]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent.id).order_by(AuditEvent.id)).all())


def test_verify_is_0_on_a_clean_database_and_1_naming_the_row_edited_with_plain_sql(router, engine, db_url):
    _busy_day(router)
    clean = audit_process(db_url, "verify")
    assert clean.returncode == 0, clean.stderr
    assert "audit chain sound" in clean.stdout
    ids = _ids(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditevent SET action = 'nothing.happened' WHERE id = :id"), {"id": ids[1]})
    broken = audit(db_url, "verify", "--json")
    assert broken.returncode == 1
    verdict = json.loads(broken.stdout)
    assert verdict["ok"] is False and verdict["broken"]["row"] == ids[1] and verdict["broken"]["fault"] == "edited"
    words = audit(db_url, "verify")
    assert words.returncode == 1 and f"BROKEN at row {ids[1]} (edited)" in words.stdout


def test_export_then_verify_against_the_copy_catches_the_newest_rows_deleted(router, engine, db_url, tmp_path):
    _busy_day(router)
    copy = tmp_path / "chain.jsonl"
    done = audit(
        db_url, "export", "--from", "2020-01-01", "--to", "2099-12-31", "--out", str(copy), "--as", "cme-officer"
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in copy.read_text().splitlines()]
    assert lines and all(set(line) == {"id", "at", "actor", "action", "case_id", "prev_hash", "hash"} for line in lines)
    assert "phoned the school" not in copy.read_text()  # no reasons, no details: nothing of the child off site
    with Session(engine) as session:
        exported = session.exec(select(AuditEvent).where(AuditEvent.action == "audit.exported")).one()
    assert exported.actor.endswith("cme-officer") and exported.detail["rows"] == len(lines)
    newest = lines[-1]["id"]
    with engine.begin() as conn:  # delete the newest rows and move the head back, as someone covering tracks would
        conn.execute(text("DELETE FROM auditevent WHERE id >= :id"), {"id": newest})
        conn.execute(
            text("UPDATE audit_head SET last_id = :id, last_hash = :hash"),
            {"id": lines[-2]["id"], "hash": lines[-2]["hash"]},
        )
    assert audit(db_url, "verify").returncode == 0  # the database alone can't tell
    against = audit(db_url, "verify", "--against", str(copy))
    assert against.returncode == 1 and f"row {newest} is in the copy but not in the database" in against.stdout


def test_a_reporter_may_not_export_and_bad_input_is_exit_2(engine, db_url, tmp_path):
    refused = audit(db_url, "export", "--out", str(tmp_path / "x.jsonl"), "--as", "alice")
    assert refused.returncode == 3 and "CME officer and their manager only" in refused.stderr
    assert not (tmp_path / "x.jsonl").exists()
    bad_day = audit(db_url, "export", "--from", "next tuesday", "--out", str(tmp_path / "y"), "--as", "cme-officer")
    assert bad_day.returncode == 2 and "use YYYY-MM-DD" in bad_day.stderr
    backwards = audit(
        db_url, "export", "--from", "2026-12-01", "--to", "2026-01-01", "--out", "z", "--as", "cme-officer"
    )
    assert backwards.returncode == 2 and "--from is after --to" in backwards.stderr
    nonsense = tmp_path / "nonsense.jsonl"
    nonsense.write_text("no idea\n")
    bad_copy = audit(db_url, "verify", "--against", str(nonsense))
    assert bad_copy.returncode == 2 and "line 1 is not a line" in bad_copy.stderr
    missing = audit(db_url, "verify", "--against", str(tmp_path / "missing.jsonl"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_the_copy_is_owner_only_whatever_the_umask_and_a_missing_folder_is_said(
    router, engine, db_url, tmp_path, monkeypatch, capsys
):
    from bot.cli.main import main

    _busy_day(router)
    monkeypatch.delenv("CME_PROFILE", raising=False)
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    copy = tmp_path / "chain.jsonl"
    copy.write_text("an older copy\n")
    copy.chmod(0o644)
    before = os.umask(0)
    try:
        assert main(["audit", "export", "--out", str(copy), "--as", "cme-manager"]) == 0
    finally:
        os.umask(before)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600 and "an older copy" not in copy.read_text()
    missing = tmp_path / "offsite" / "chain.jsonl"
    assert main(["audit", "export", "--out", str(missing), "--as", "cme-manager"]) == 2
    said = capsys.readouterr().err
    assert f"the folder {missing.parent} does not exist" in said and "Traceback" not in said
    with Session(engine) as session:
        exported = session.exec(select(AuditEvent).where(AuditEvent.action == "audit.exported")).all()
    assert [e.detail["via"] for e in exported] == ["cli"]  # the failed one recorded nothing


def test_against_the_copy_a_rehashed_edit_names_its_row_and_counts_only_the_rows_before_it(
    engine, db_url, tmp_path, monkeypatch, capsys
):
    from bot.cli.main import main
    from storage import audit_chain
    from storage.db import unit_of_work
    from storage.protection import AuditHead
    from storage.queries import record_audit

    for number in range(12):
        with unit_of_work(engine) as session:
            record_audit(session, actor="terminal:local:cme-officer", action="case.note", reason=f"rang {number}")
    with Session(engine) as session:
        rows = list(audit_chain.events(session))
    copy = tmp_path / "chain.jsonl"
    copy.write_text("".join(json.dumps(audit_chain.exported(row)) + "\n" for row in rows))
    with unit_of_work(engine) as session:  # row 10 edited and every hash after it made again, head and all
        rows = list(audit_chain.events(session))
        rows[9].actor, previous = "terminal:local:someone-else", rows[8].hash
        for row in rows[9:]:
            row.prev_hash, row.hash = previous, audit_chain.digest(previous, row)
            previous = row.hash
        session.get(AuditHead, 1).last_hash = previous
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    assert main(["audit", "verify"]) == 0  # the database alone can't tell
    capsys.readouterr()
    assert main(["audit", "verify", "--against", str(copy)]) == 1
    said = capsys.readouterr().out
    assert f"BROKEN at row {rows[9].id} (edited)" in said and "9 events before it are sound" in said
