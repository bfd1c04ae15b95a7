"""`cme-bot sar`: a subject access pack for a merged child and for a person, its manifest, due dates, refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat

import pytest
from sqlmodel import Session, select

from bot.cli.main import main
from handlers.messages import ReplyKind
from storage.models import AuditEvent, Case
from storage.protection import SubjectAccessRequest
from storage.types import utcnow
from tests.handlers.casework.test_child_intake import confirmed
from tests.support import CALM_REFERRAL, Person

FIRST = {
    "child_forenames": "Zephyrine",
    "child_surname": "Quackenbush",
    "child_address": "77 Unlikely Lane, Bury",
    "child_postcode": "BL9 0EJ",
    "parent_names": "Orla Quackenbush",
}
SECOND = {
    "child_forenames": "Zephy",
    "child_surname": "Quackenbush",
    "child_address": "Flat <2> & Co, 9 Odd Row, Bury",
    "child_postcode": "BL9 0EJ",
    "parent_names": "Piers Quackenbush",
}


def referral(router, user: str, answers: dict) -> str:
    person = Person(router, user=user, name=f"{user.title()} Teacher")
    person.say("/cme report")
    person.fill({**CALM_REFERRAL, **answers})
    return person.say("submit")[-1].data["reference"]


@pytest.fixture
def merged(router, db_url, monkeypatch):
    """Two referrals about one child, decided "same child" by the officer: (first reference, second reference)."""
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    monkeypatch.delenv("CME_PROFILE", raising=False)
    first, second = referral(router, "alice", FIRST), referral(router, "bob", SECOND)
    decided = Person(router, user="cme-officer").say(f"/cme same {second} {first}")  # whatever the matcher thought
    assert decided[-1].kind is not ReplyKind.ERROR, decided[-1].text
    return first, second


def sar(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["sar", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_pack_for_a_merged_child_holds_both_records_and_marks_third_parties(merged, engine, tmp_path, capsys):
    first, second = merged
    folder = tmp_path / "pack"
    code, out, err = sar(
        capsys, "--as", "cme-officer", "--child", second, "--out", str(folder), "--received", "2026-10-31"
    )
    assert code == 0, err
    assert "due 2026-11-30" in out and "marked for redaction review" in out
    assert "Quackenbush" not in out + err  # the terminal shows references and dates, not the child
    data = json.loads((folder / "data.json").read_text())
    text = (folder / "data.json").read_text()
    for detail in [*FIRST.values(), *SECOND.values(), first, second, "2014-05-02", "Zephyrine"]:
        assert detail in text, detail
    assert {c["reference"] for c in data["cases"]} == {first, second}
    assert len(data["children"]) == len(data["subject"]["child_ids"]) == 2  # the duplicate record too
    answers = [r["answers"] for case in data["cases"] for r in case["reports"]]
    assert {a["referrer_name"]["value"] for a in answers} == {"Alice Teacher", "Bob Teacher"}
    assert all(a["referrer_name"]["redaction_review"] is True for a in answers)
    assert all(a["parent_names"]["redaction_review"] is True for a in answers)
    assert all(a["child_forenames"] in ("Zephyrine", "Zephy") for a in answers)  # the child's own: not marked

    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["files"]:
        raw = (folder / entry["name"]).read_bytes()
        assert (entry["sha256"], entry["bytes"]) == (hashlib.sha256(raw).hexdigest(), len(raw))
    assert (manifest["received_on"], manifest["due_on"], manifest["generated_by"]) == (
        "2026-10-31",
        "2026-11-30",
        "terminal:local:cme-officer",
    )
    assert manifest["counts"]["cases"] == 2 and manifest["counts"]["redaction_review"] >= 4
    assert stat.S_IMODE((folder / "data.json").stat().st_mode) == 0o600

    html = (folder / "index.html").read_text()
    assert "Flat &lt;2&gt; &amp; Co" in html and "<2>" not in html
    assert '<mark class="review"' in html and "Alice Teacher" in html
    assert "http" not in html.lower().replace("<!doctype html>", "")  # no external assets

    with Session(engine) as session:
        request = session.exec(select(SubjectAccessRequest)).one()
        disclosed = session.exec(select(AuditEvent).where(AuditEvent.action == "sar.disclosed")).all()
        case_ids = {c.id for c in session.exec(select(Case)).all()}
    assert (request.due_on, request.subject_kind, request.pack_written_at is not None) == (
        dt.date(2026, 11, 30),
        "child",
        True,
    )
    assert {e.case_id for e in disclosed} == case_ids and all(e.detail["sar"] == request.id for e in disclosed)


def test_the_same_child_by_either_reference_is_one_request(merged, engine, tmp_path, capsys):
    first, second = merged
    for reference in (first, second):
        code, _, err = sar(capsys, "--as", "cme-manager", "--child", reference, "--out", str(tmp_path / reference))
        assert code == 0, err
    with Session(engine) as session:
        assert len(session.exec(select(SubjectAccessRequest)).all()) == 1


def test_a_person_pack_holds_their_referrals_with_the_child_marked(merged, router, tmp_path, capsys):
    officer = Person(router, user="cme-officer")
    confirmed(officer, officer.say(f"/cme close {merged[0]} moved_abroad"))  # alice is told the outcome
    code, out, err = sar(capsys, "--as", "cme-officer", "--person", "alice", "--out", str(tmp_path / "alice"), "--json")
    assert code == 0, err
    assert json.loads(out)["kind"] == "person"
    data = json.loads((tmp_path / "alice" / "data.json").read_text())
    assert data["subject"]["user"] == "terminal:local:alice" and len(data["referrals"]) == 1
    [report] = data["reports_submitted"]
    assert all(v["redaction_review"] is True for v in report["answers"].values() if isinstance(v, dict))
    assert report["answers"]["child_forenames"]["value"] == "Zephyrine"
    assert [m["kind"] for m in data["messages_to_them"]] and all(m["case_id"] for m in data["messages_to_them"])
    officer = sar(capsys, "--as", "cme-officer", "--person", "cme-officer", "--out", str(tmp_path / "officer"))
    assert officer[0] == 0
    mine = json.loads((tmp_path / "officer" / "data.json").read_text())
    assert any(e["action"] == "child.same" for e in mine["audit_as_actor"])


def test_due_requests_are_listed_and_answered_once(merged, tmp_path, capsys):
    first, _ = merged
    received = (utcnow() - dt.timedelta(days=27)).date().isoformat()
    assert (
        sar(capsys, "--as", "cme-officer", "--child", first, "--out", str(tmp_path / "p"), "--received", received)[0]
        == 0
    )
    code, out, _ = sar(capsys, "--as", "cme-officer", "--due", "--json")
    [due] = json.loads(out)
    assert code == 0 and due["received_on"] == received and due["pack_written"] and 0 <= due["days_left"] <= 5
    assert "day(s) left" in sar(capsys, "--as", "cme-officer", "--due")[1]
    assert sar(capsys, "--as", "cme-officer", "--answered", str(due["id"]))[0] == 0
    again = sar(capsys, "--as", "cme-officer", "--answered", str(due["id"]))
    assert again[0] == 2 and "already answered" in again[2]
    assert "No subject access request is waiting" in sar(capsys, "--as", "cme-officer", "--due")[1]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--child", "CME-1999-9999"], "No child record"),
        (["--child", "no idea"], "No child record"),
        (["--child", "{first}", "--received", "yesterday"], "not a date"),
        (["--child", "{first}", "--received", "2031-02-30"], "not a date"),
        (["--child", "{first}", "--received", "2099-01-01"], "in the future"),
        (["--answered", "999"], "no subject access request 999"),
    ],
)
def test_bad_input_is_exit_2_and_writes_nothing(merged, engine, tmp_path, capsys, args, says):
    first, _ = merged
    out_dir = tmp_path / "pack"
    filled = [a.format(first=first) for a in args]
    code, out, err = sar(capsys, "--as", "cme-officer", *filled, "--out", str(out_dir))
    assert code == 2 and says in err, err
    assert not out_dir.exists()
    with Session(engine) as session:
        assert session.exec(select(SubjectAccessRequest)).all() == []


def test_out_is_required_for_a_pack(merged, capsys):
    code, _, err = sar(capsys, "--as", "cme-officer", "--child", merged[0])
    assert code == 2 and "--out DIR" in err


def test_a_reporter_is_refused_with_exit_3_and_the_attempt_recorded(merged, engine, tmp_path, capsys):
    code, out, err = sar(capsys, "--as", "alice", "--child", merged[0], "--out", str(tmp_path / "p"))
    assert (code, out) == (3, "") and "CME officer and their manager only" in err
    assert not (tmp_path / "p").exists()
    with Session(engine) as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "permission.refused")).all()
    assert [(e.detail["command"], e.detail["via"]) for e in refused] == [("sar", "cli")]


def test_a_restricted_case_is_packed_only_by_an_officer_named_on_it(merged, router, tmp_path, capsys):
    first, _ = merged
    restricted = Person(router, user="cme-officer").say(f"/cme restrict {first} police enquiry under way")
    assert "restricted" in " ".join(r.text for r in restricted).lower()
    code, out, err = sar(capsys, "--as", "cme-manager", "--child", first, "--out", str(tmp_path / "manager"))
    assert (code, out) == (3, "") and "restricted" in err and "nothing was written" in err
    assert not (tmp_path / "manager").exists()
    assert sar(capsys, "--as", "cme-officer", "--child", first, "--out", str(tmp_path / "officer"))[0] == 0


def test_remind_now_queues_the_due_request_reminder_once_a_day(merged, tmp_path, capsys):
    received = (utcnow() - dt.timedelta(days=28)).date().isoformat()
    assert (
        sar(capsys, "--as", "cme-officer", "--child", merged[0], "--out", str(tmp_path / "p"), "--received", received)[
            0
        ]
        == 0
    )
    assert main(["remind", "--now", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["remind", "--now", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert first["sar_reminders"] >= 1 and again["sar_reminders"] == 0
