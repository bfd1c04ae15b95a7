"""`cme-bot chat` as a separate process: piped referrals, harm, triage, and kill-and-resume."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from handlers.commands import build_router
from handlers.core import Core
from handlers.knowledge.profile import bundled_profile
from storage.db import make_engine
from storage.models import Case, Outbox
from tests.bot.chat_process import ChatProcess, run_piped
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
    replies, stderr = run_piped(lines, db_url, "--as", "teacher1")
    confirmation = next(r for r in replies if r["kind"] == "confirmation")
    reference = confirmation["data"]["reference"]
    assert reference.startswith(f"CME-{dt.date.today().year}-")
    assert not any(r["kind"] == "signpost" for r in replies)
    assert reference in str(replies[-1]["facts"])  # status lists the new referral
    assert "Zephyrine" not in stderr


def test_piped_referral_with_harm_signposts_before_next_question_and_alerts_officer(db_url, tmp_path):
    answers = dict(CALM_REFERRAL, harm_indicators="criminal exploitation", mash_contacted="yes")
    lines = [*_script(tmp_path, answers), "submit"]
    replies, _ = run_piped(lines, db_url, "--as", "teacher2")
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
        "missing_from_home": "yes",
    }
    lines = _script(tmp_path, answers, {"triage": "stop"})
    replies, _ = run_piped(lines, db_url, "--as", "teacher3")
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
    chat.say("Zephyrine")
    asked = chat.say("Quillfeather")[-1]
    assert asked["question"]["field"] == "child_dob"
    chat.kill()

    again = ChatProcess(db_url, "--as", "resumer")
    resumed = again.say("/cme report")
    assert "in progress" in resumed[0]["text"]
    assert resumed[-1]["question"]["field"] == "child_dob"
    after = again.say("02/05/2014")
    assert after[-1]["question"]["field"] == "missing_from_home"
    again.kill()


def test_exit_ends_a_piped_chat_as_it_ends_a_typed_one(tmp_path):
    replies, _ = run_piped(["/cme contacts", "exit", "/cme help"], f"sqlite:///{tmp_path / 'exit.db'}")
    assert [r["title"] for r in replies] == ["Who to contact (Bury)"]  # nothing after exit was read
