"""`cme-bot export dfe-return|cases` and `cme-bot chart` as scripts run them: files, exit codes, audit."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.cli.main import main
from handlers.reports.exports import OFFICER_ONLY
from storage.models import AuditEvent
from tests.bot.chat_process import CME_BOT, ROOT, chat_env
from tests.handlers.knowledge.test_dfe_categories import DFE_BANDS, DFE_REASONS
from tests.handlers.reports.test_dfe_return import _seed


@pytest.fixture
def seeded(engine, db_url, monkeypatch):
    """The DfE return's hand-counted database, and the CLI pointed at it."""
    with Session(engine) as session:
        _seed(session)
        session.commit()
    monkeypatch.delenv("CME_PROFILE", raising=False)
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    return db_url


def _actions(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [(e.actor, e.action) for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def test_the_return_printed_by_a_real_process_matches_the_hand_count(seeded, engine):
    done = subprocess.run(
        [*CME_BOT, "export", "dfe-return", "--as", "cme-officer", "--census-date", "2026-10-02"],
        capture_output=True,
        text=True,
        env=chat_env(seeded),
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "census_date,breakdown,category,number"
    assert "2026-10-02,total,Total,4" in lines and "2026-10-02,sex,Female,1" in lines
    assert (
        "2026-10-02,length_missing,26 to 52 weeks,1" in lines and "2026-10-02,length_missing,Over 52 weeks,0" in lines
    )
    assert "2026-10-02,length_missing_headline,More than 12 weeks,1" in lines
    assert lines[-1] == "2026-10-02,previous_academic_year,2025/26,2"
    assert "CME-2026" not in done.stdout + done.stderr
    assert "4 children on the census date" in done.stderr
    assert "2 October 2026 is not a DfE census day: the nearest is 1 October 2026" in done.stderr
    assert _actions(engine) == [("terminal:local:cme-officer", "report.dfe_return")]


def test_the_json_return_lists_every_published_category_with_zeros_and_adds_up(seeded, capsys):
    argv = ["export", "dfe-return", "--as", "cme-officer", "--census-date", "2026-10-01", "--format", "json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    breakdowns = data["breakdowns"]
    assert list(breakdowns["primary_reason"]) == DFE_REASONS
    assert list(breakdowns["length_missing"]) == DFE_BANDS
    assert list(breakdowns["sex"]) == ["Female", "Male", "Unknown"]
    assert list(breakdowns["length_missing_headline"]) == ["12 weeks or less", "More than 12 weeks", "Unknown"]
    assert list(breakdowns["year_group"]) == ["Reception", *(f"Year {n}" for n in range(1, 12)), "Unknown"]
    assert all(sum(counts.values()) == data["total"] for counts in breakdowns.values())
    assert breakdowns["primary_reason"]["Waiting school start"] == 0  # zeros are listed, not left out
    assert data["previous_academic_year"] == {
        "year": "2025/26",
        "from": "2025-09-01",
        "to": "2026-08-31",
        "children": 2,
    }


def test_check_lists_the_counted_cases_that_need_a_choice_by_reference(seeded, engine, capsys):
    base = ["export", "dfe-return", "--as", "cme-officer", "--census-date", "2026-10-02", "--check"]
    assert main(base) == 0
    said = capsys.readouterr()
    # Case 1 has everything; case 2 no reason; cases 3 and 7 (restricted: named by reference only) nothing at all.
    references = [line for line in said.out.splitlines() if not line.startswith(" ")]
    assert references == ["CME-2026-0002", "CME-2026-0003", "CME-2026-0007"]
    assert "/cme set CME-2026-0003 year-group YEAR" in said.out and "3 counted case(s)" in said.err
    assert main([*base, "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [item["reference"] for item in listed] == references
    assert [need["field"] for need in listed[1]["needs"]] == ["reason", "year_group", "missing_since"]
    assert ("terminal:local:cme-officer", "report.dfe_return_check") in _actions(engine)


@pytest.mark.parametrize(
    ("census", "says"),
    [
        ((dt.date.today() + dt.timedelta(days=40)).isoformat(), "is in the future"),
        ("2026-10-03", "is a Saturday: census days are school days"),
        ("2025-01-16", "No case had been raised by 16 January 2025"),
    ],
)
def test_a_census_date_that_cannot_be_right_is_refused_exit_2_saying_why(seeded, engine, capsys, census, says):
    assert main(["export", "dfe-return", "--as", "cme-officer", "--census-date", census]) == 2
    said = capsys.readouterr()
    assert says in said.err and said.out == ""
    assert ("terminal:local:cme-officer", "report.dfe_return") not in _actions(engine)


def test_a_reporter_is_refused_exit_3_and_nothing_is_written(seeded, engine, tmp_path, capsys):
    out = tmp_path / "cases.xlsx"
    assert main(["export", "dfe-return", "--as", "alice", "--census-date", "2026-10-02"]) == 3
    args = ["--as", "alice", "--format", "xlsx", "--out", str(out), "--reason", "just looking"]
    assert main(["export", "cases", *args]) == 3
    assert main(["chart", "--as", "alice", "--out", str(tmp_path / "c.png")]) == 3
    said = capsys.readouterr()
    assert said.out == "" and said.err.count("CME officer and their manager only") == 3
    assert not out.exists() and not (tmp_path / "c.png").exists()
    assert _actions(engine) == [("terminal:local:alice", "permission.refused")] * 3


def test_the_xlsx_opens_with_its_header_and_the_export_is_audited(seeded, engine, tmp_path, capsys):
    out = tmp_path / "cases.xlsx"
    args = ["--as", "cme-manager", "--from", "2026-09-01", "--to", "2026-09-30", "--format", "xlsx", "--out", str(out)]
    assert main(["export", "cases", *args, "--reason", "termly caseload review"]) == 0
    sheet = load_workbook(out)["Cases"]
    assert [cell.value for cell in sheet[1]][:2] == ["reference", "state"]
    assert f"cme_reason{OFFICER_ONLY}" in [cell.value for cell in sheet[1]]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "CME-2026-0006",
        "CME-2026-0007",
        "CME-2026-0001",
    ]
    assert "3 cases raised 2026-09-01 to 2026-09-30" in capsys.readouterr().err
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "cases.exported")).all()
    assert (event.actor, event.reason, event.detail["via"], event.detail["rows"]) == (
        "terminal:local:cme-manager",
        "termly caseload review",
        "cli",
        3,
    )
    assert main(["export", "cases", *args, "--reason", "again"]) == 2  # never overwrites a file
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "dfe-return", "--as", "cme-officer", "--census-date", "no idea"],
        ["export", "dfe-return", "--as", "cme-officer", "--census-date", "31/02/2026"],
        ["export", "dfe-return", "--as", "cme-officer", "--census-date", "2026-10-02", "--format", "pdf"],
        ["export", "cases", "--as", "cme-officer", "--format", "xlsx", "--out", "x.xlsx"],  # no --reason
        ["chart", "--as", "cme-officer", "--from", "2026-02-30", "--out", "x.png"],
    ],
)
def test_bad_usage_is_exit_2(seeded, argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2 and "error:" in capsys.readouterr().err


def test_bad_values_are_exit_2_with_the_next_step(seeded, tmp_path, capsys):
    base = ["export", "cases", "--as", "cme-officer", "--format", "csv", "--out", str(tmp_path / "c.csv")]
    assert main([*base, "--reason", "x"]) == 2
    assert "Say with --reason why you need the export" in capsys.readouterr().err
    assert main([*base, "--reason", "termly review", "--from", "2026-10-01", "--to", "2026-09-01"]) == 2
    assert "before it starts" in capsys.readouterr().err
    assert main(["chart", "--as", "cme-officer", "--from", "2027-01-01", "--out", str(tmp_path / "c.png")]) == 2
    said = capsys.readouterr().err
    assert "in the future" in said and "--from 2025-09-01" in said and "/cme" not in said


def test_the_chart_is_a_png_drawn_without_a_display(seeded, engine, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    out = tmp_path / "chart.png"
    assert main(["chart", "--as", "cme-officer", "--from", "2026-01-01", "--to", "2026-10-31", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    said = capsys.readouterr().err
    assert "Cases January 2026 to October 2026:" in said and "CME-2026" not in said
    assert _actions(engine) == [("terminal:local:cme-officer", "report.stats")]


FILE_COMMANDS = {
    "export cases": ["export", "cases", "--format", "csv", "--reason", "termly caseload review", "--out"],
    "chart": ["chart", "--from", "2026-01-01", "--to", "2026-10-31", "--out"],
}


@pytest.mark.parametrize("command", FILE_COMMANDS)
def test_the_file_is_owner_only_whatever_the_umask_and_a_missing_folder_is_said_plainly(
    seeded, engine, tmp_path, capsys, command
):
    argv = FILE_COMMANDS[command]
    out = tmp_path / "made.file"
    before = os.umask(0o000)  # a umask that takes nothing away: the file must still be 0600
    try:
        assert main([*argv, str(out), "--as", "cme-officer"]) == 0
    finally:
        os.umask(before)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    recorded = len(_actions(engine))
    capsys.readouterr()
    missing = tmp_path / "no-such-folder" / "made.file"
    assert main([*argv, str(missing), "--as", "cme-officer"]) == 2
    said = capsys.readouterr().err
    assert f"cme-bot {command}: the folder {missing.parent} does not exist" in said and "Traceback" not in said
    assert len(_actions(engine)) == recorded and not missing.parent.exists()  # nothing recorded, nothing made
