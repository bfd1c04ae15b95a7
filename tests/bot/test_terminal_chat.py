"""`cme-bot chat` as a separate process: piped referrals, harm, triage, and kill-and-resume."""

from __future__ import annotations

import datetime as dt
import os
import pty
import random
import select as io_select
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from handlers.commands import build_router
from handlers.core import Core
from handlers.knowledge.profile import bundled_profile
from storage.db import make_engine
from storage.models import Case, Conversation, Outbox
from tests.bot.chat_process import CME_BOT, ROOT, ChatProcess, chat_env, run_piped, run_piped_bytes
from tests.conftest import PG_URL, _pg_admin_engine
from tests.support import CALM_REFERRAL, Person


def _script(tmp_path, answers: dict[str, str], decisions: dict[str, str] | None = None) -> list[str]:
    """What a person types for `answers`, found by a dry run on a scratch database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'dry.db'}")
    from storage.migrate import upgrade

    upgrade(engine)
    person = Person(build_router(Core(engine=engine, profile=bundled_profile())), user="dry")
    person.say("/cme report")
    person.fill(answers, decisions)
    engine.dispose()
    return person.sent


def test_piped_referral_without_harm(db_url, tmp_path):
    lines = [*_script(tmp_path, CALM_REFERRAL), "submit", "/cme status"]
    replies, stderr = run_piped(lines, db_url, "--as", "teacher1", "--name", "Alice Teacher")
    confirmation = next(r for r in replies if r["kind"] == "confirmation")
    reference = confirmation["data"]["reference"]
    assert reference.startswith(f"CME-{dt.date.today().year}-")
    assert not any(r["kind"] == "signpost" for r in replies)
    assert reference in str(replies[-1]["facts"])  # status lists the new referral
    assert "Zephyrine" not in stderr


def test_piped_referral_with_harm_signposts_before_next_question_and_alerts_officer(db_url, tmp_path):
    answers = dict(CALM_REFERRAL, harm_indicators="criminal exploitation", mash_contacted="yes")
    lines = [*_script(tmp_path, answers), "submit"]
    replies, _ = run_piped(lines, db_url, "--as", "teacher2", "--name", "Alice Teacher")
    kinds = [r["kind"] for r in replies]
    first_signpost = kinds.index("signpost")
    before = [r for r in replies[:first_signpost] if "question" in r]
    after = next(r for r in replies[first_signpost:] if "question" in r)
    assert before[-1]["question"]["field"] == "harm_indicators"
    assert after["question"]["field"] == "mash_contacted"
    engine = make_engine(db_url)
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
        alerts = session.exec(select(Outbox)).all()
    engine.dispose()
    assert case.urgent
    assert {a.kind for a in alerts} == {"harm.flagged", "case.new"} and all(a.urgent for a in alerts)
    assert not any(word in a.text for a in alerts for word in ("Zephyrine", "Quillfeather", "2014"))
    officer, _ = run_piped(["/cme status"], db_url, "--as", "cme-officer")
    assert any(r["kind"] == "alert" and case.reference in r["text"] for r in officer)


def test_piped_referral_that_triage_redirects(db_url, tmp_path):
    answers = {
        "child_forenames": "Ada",
        "child_surname": "Lovelace",
        "child_dob": "02/05/2014",
        "on_roll": "no",
        "home_educated": "no",
        "harm_indicators": "none",
        "missing_from_home": "yes",  # asked with more detail
    }
    lines = _script(tmp_path, answers, {"triage": "stop"})
    replies, _ = run_piped(lines, db_url, "--as", "teacher3", "--name", "Alice Teacher")  # as the dry run
    explanation = next(r for r in replies if r.get("data", {}).get("triage") == "missing_from_home")
    assert "police" in explanation["text"].lower()
    assert replies[-1]["text"].startswith("Stopped")
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert session.exec(select(Case)).first() is None
    engine.dispose()


@pytest.mark.timeout(120)
def test_kill_mid_form_and_resume_at_the_same_question(db_url):
    chat = ChatProcess(db_url, "--as", "resumer")
    chat.say("/cme report")
    chat.say("no")  # in danger now? (asked first)
    chat.say("Zephyrine")
    asked = chat.say("Quillfeather")[-1]
    assert asked["question"]["field"] == "child_dob"
    chat.kill()

    again = ChatProcess(db_url, "--as", "resumer")
    assert again.greeting()[-1]["question"]["field"] == "child_dob"  # shown before anything is typed
    resumed = again.say("/cme report")
    assert "in progress" in resumed[0]["text"]
    assert resumed[-1]["question"]["field"] == "child_dob"
    after = again.say("02/05/2014")
    assert after[0]["text"] == "Taken as Friday 2 May 2014."  # a date is said back in words, never taken silently
    assert after[-1]["question"]["field"] == "school_name"
    again.kill()


def test_exit_ends_a_piped_chat_as_it_ends_a_typed_one(tmp_path):
    replies, _ = run_piped(["/cme contacts", "exit", "/cme help"], f"sqlite:///{tmp_path / 'exit.db'}")
    assert [r["title"] for r in replies] == ["Who to contact (Bury)"]  # nothing after exit was read


def test_a_restart_with_a_form_open_shows_the_waiting_question_before_reading_a_line(db_url):
    chat = ChatProcess(db_url, "--as", "restarter")
    chat.say("/cme report")
    chat.say("no")  # in danger now? (asked first)
    assert chat.say("Zephyrine")[-1]["question"]["field"] == "child_surname"
    chat.kill()

    replies, _ = run_piped(["Quillfeather"], db_url, "--as", "restarter")
    first_question = next(i for i, r in enumerate(replies) if "question" in r)
    assert replies[first_question]["question"]["field"] == "child_surname"  # shown before the line is read
    assert replies[-1]["question"]["field"] == "child_dob"  # and the line answered it
    engine = make_engine(db_url)
    with Session(engine) as session:
        draft = session.exec(select(Conversation)).one()
    engine.dispose()
    assert (draft.state["answers"]["child_forenames"], draft.state["answers"]["child_surname"]) == (
        "Zephyrine",
        "Quillfeather",
    )


def test_a_piped_chat_with_no_form_open_starts_silently(db_url):
    replies, _ = run_piped(["/cme contacts"], db_url)
    assert [r["title"] for r in replies] == ["Who to contact (Bury)"]


@pytest.mark.timeout(120)
def test_a_typed_restart_shows_the_waiting_question_under_the_help(db_url):
    chat = ChatProcess(db_url, "--as", "typist")
    chat.say("/cme report")
    chat.say("no")  # in danger now? (asked first)
    chat.say("Zephyrine")
    chat.kill()
    shown = _typed_session(db_url, "typist", [])
    assert "What is the child's surname?" in shown
    assert shown.index("What is the child's surname?") < shown.rindex("you> ")


@pytest.mark.timeout(120)
def test_a_latin1_letter_typed_on_a_terminal_is_not_dropped_silently(db_url):
    # Readline swallowed the byte: 'Jos\xe9' arrived as 'Jos' and was taken as the name (bot/line_input.py).
    typed = [b"/cme report", b"no", b"Jos\xe9", "José".encode(), b"Garc\xeda", "Zoë\x7fe".encode()]  # \x7f: backspace
    shown = _typed_session(db_url, "typist", typed)
    after_latin1 = shown.split("you> ")[3:]
    assert "couldn't be read" in after_latin1[0] and "What is the child's first name" in after_latin1[0]
    assert "What is the child's surname?" in after_latin1[1]
    assert "couldn't be read" in after_latin1[2]
    engine = make_engine(db_url)
    with Session(engine) as session:
        draft = session.exec(select(Conversation)).one()
    engine.dispose()
    # Backspace takes off the whole letter 'ë', as on any terminal.
    assert (draft.state["answers"]["child_forenames"], draft.state["answers"]["child_surname"]) == ("José", "Zoe")


def _typed_session(db_url: str, user: str, lines: list[bytes]) -> str:
    """Run `cme-bot chat` on a terminal (a pty), type `lines` then exit; return everything it showed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [*CME_BOT, "chat", "--as", user],
        stdin=follower,
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=chat_env(db_url),
        cwd=ROOT,
    )
    os.close(follower)
    shown = b""
    try:
        for line in [*lines, b"exit"]:
            shown += _read_until(leader, b"you> ")
            os.write(leader, line + b"\n")
        proc.wait(timeout=60)
    finally:
        proc.kill()
        os.close(leader)
    return shown.decode(errors="replace")


def _read_until(fd: int, marker: bytes, timeout: float = 60) -> bytes:
    got, deadline = b"", time.monotonic() + timeout
    while marker not in got:
        ready, _, _ = io_select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"no {marker!r} within {timeout}s; got {got[-500:]!r}")
        got += os.read(fd, 4096)
    return got


@pytest.mark.parametrize("env", [{}, {"LC_ALL": "C"}], ids=["utf8-host", "c-locale"])
def test_latin1_bytes_are_read_without_a_crash_and_the_person_is_told_plainly(db_url, env):
    typed = b"/cme report\nno\nJos\xe9\nJos\xc3\xa9\r\nGarc\xeda\n"  # Latin-1, then UTF-8 from a CR LF pipe
    replies, _ = run_piped_bytes(typed, db_url, "--as", "latin", **env)
    unread = [r for r in replies if r["kind"] == "error"]
    assert len(unread) == 2 and all("couldn't be read" in r["text"] for r in unread)
    assert not any("control characters" in r["text"] for r in replies)
    asked = [r["question"]["field"] for r in replies if "question" in r]
    assert asked == ["immediate_danger", "child_forenames", "child_forenames", "child_surname", "child_surname"]
    engine = make_engine(db_url)
    with Session(engine) as session:
        draft = session.exec(select(Conversation)).one()
    engine.dispose()
    assert draft.state["answers"]["child_forenames"] == "José"


def test_any_bytes_on_stdin_are_read_without_a_crash_one_json_object_per_reply(db_url):
    noise = random.Random(10).randbytes(6000)  # seeded: the same bytes every run
    data = b"/cme report\n" + noise + b"\nZephyrine\n/cme contacts\n"
    replies, _ = run_piped_bytes(data, db_url, "--as", "noisy")
    assert any(r.get("title") == "Who to contact (Bury)" for r in replies)  # it read to the end
    assert any(r["kind"] == "error" and "couldn't be read" in r["text"] for r in replies)


@dataclass
class Outage:
    """A database this test alone can make unreachable and bring back (the shared server stays up)."""

    url: str
    cut: Callable[[], None]
    restore: Callable[[], None]


@pytest.fixture
def pg_outage():
    """A PostgreSQL database of the test's own, closed to connections (and its sessions ended) on cut()."""
    admin = _pg_admin_engine().execution_options(isolation_level="AUTOCOMMIT")
    name = f"cme_outage_{uuid.uuid4().hex[:10]}"

    def sql(statement: str) -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(statement)

    def cut() -> None:
        sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")

    sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield Outage(url, cut, lambda: sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
    sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def down_at_start(request, tmp_path) -> Outage:
    """A database that can't be reached when the chat starts: a SQLite file in a folder not made yet, or a
    PostgreSQL database closed to connections."""
    if request.param == "sqlite":
        folder = tmp_path / "not-yet"
        return Outage(f"sqlite:///{folder / 'cme.db'}", lambda: None, folder.mkdir)
    outage = request.getfixturevalue("pg_outage")
    outage.cut()
    return outage


@pytest.mark.timeout(180)
def test_the_chat_starts_while_the_database_is_down_answers_questions_and_carries_on_when_it_is_back(down_at_start):
    chat = ChatProcess(down_at_start.url, "--as", "early")
    (notice,) = chat.greeting()
    assert notice["kind"] == "error" and notice["title"] == "Case system unavailable"
    assert "/cme report" in notice["text"] and "Questions about CME still work" in notice["text"]
    assert chat.say("what counts as CME?")[0]["kind"] == "answer"
    assert chat.say("/cme contacts")[0]["title"] == "Who to contact (Bury)"
    refused = chat.say("/cme report")
    assert refused[0]["kind"] == "error" and "can't be reached" in refused[0]["text"]
    down_at_start.restore()
    back = chat.say("/cme report")  # tried again with this line: migrated, and the form starts
    assert back[0]["text"].startswith("The case system is back")
    assert back[-1]["question"]["field"] == "immediate_danger"
    assert chat.say("no")[-1]["question"]["field"] == "child_forenames"
    assert chat.say("Zephyrine")[-1]["question"]["field"] == "child_surname"
    chat.kill()


def test_a_chat_pointed_at_a_closed_port_says_what_is_unavailable_and_exits_cleanly():
    with socket.socket() as probe:  # a port nothing listens on: bound, then let go
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lines = ["what counts as CME?", "I think the child is being abused at home", "/cme status"]
    replies, stderr = run_piped(lines, f"postgresql://postgres@127.0.0.1:{port}/cme", "--as", "early")
    assert replies[0]["title"] == "Case system unavailable"
    assert replies[1]["kind"] == "answer"
    kinds = [r["kind"] for r in replies]
    assert kinds[kinds.index("signpost") + 1] == "answer"  # who to call about harm never waits for the database
    assert replies[-1]["kind"] == "error" and "try again" in replies[-1]["text"].lower()
    assert str(port) not in stderr  # the URL is not logged (it may carry a password)


@pytest.mark.timeout(180)
def test_postgres_going_away_mid_form_and_coming_back_loses_nothing(pg_outage):
    chat = ChatProcess(pg_outage.url, "--as", "midway")
    chat.say("/cme report")
    chat.say("no")  # in danger now? (asked first)
    assert chat.say("Zephyrine")[-1]["question"]["field"] == "child_surname"
    pg_outage.cut()
    failed = chat.say("Quillfeather")
    assert failed[0]["kind"] == "error" and "send the same message again" in failed[0]["text"]
    assert "Questions about CME still work" in failed[-1]["text"]
    assert chat.say("what counts as CME?")[0]["kind"] == "answer"  # a question, though a form is open
    kept = chat.say("Quillfeather")
    assert kept[0]["kind"] == "error" and "send the same answer again" in kept[0]["text"]
    pg_outage.restore()
    back = chat.say("Quillfeather")
    assert back[0]["text"].startswith("The case system is back")
    assert back[-1]["question"]["field"] == "child_dob"  # the surname went where it was meant
    assert chat.say("02/05/2014")[-1]["question"]["field"] == "school_name"
    chat.kill()


@pytest.mark.timeout(180)
def test_a_sqlite_file_locked_by_another_process_mid_form_is_survived(tmp_path, sqlite_template):
    path = tmp_path / "locked.db"
    path.write_bytes(sqlite_template.read_bytes())
    chat = ChatProcess(f"sqlite:///{path}", "--as", "locked")
    chat.say("/cme report")
    chat.say("no")  # in danger now? (asked first)
    chat.say("Zephyrine")
    holder = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
    with holder.connect() as connection:  # another writer holds the lock past the chat's busy timeout
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        failed = chat.say("Quillfeather")
        connection.exec_driver_sql("ROLLBACK")
    holder.dispose()
    assert failed[0]["kind"] == "error" and "send the same message again" in failed[0]["text"]
    assert chat.say("Quillfeather")[-1]["question"]["field"] == "child_dob"
    chat.kill()
