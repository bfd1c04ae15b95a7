"""The reports services through both doors: `/cme export`, `/cme stats` in chat and `cme-bot export`, `chart`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlmodel import Session, select

from handlers.core import STAFF_ONLY
from storage.models import Case
from storage.protection import CaseAccess
from tests.doors import MANAGER, OFFICER, OTHER_OFFICER, REPORTER, audit_events
from tests.handlers.reports.test_dfe_return import _seed

EXPORT = "/cme export cases 2026-09-01 2026-09-30 csv termly caseload review"
EXPORT_CLI = ["export", "cases", "--from", "2026-09-01", "--to", "2026-09-30", "--format", "csv"]
RETURN = "/cme export dfe-return 2026-10-02 json"
RETURN_CLI = ["export", "dfe-return", "--census-date", "2026-10-02", "--format", "json"]


@pytest.fixture
def seeded(engine):
    """The return's hand-counted cases; CME-2026-0007 is restricted and names only OFFICER."""
    with Session(engine) as session:
        _seed(session)
        restricted = session.exec(select(Case).where(Case.reference == "CME-2026-0007")).one()
        session.add(CaseAccess(case_id=restricted.id, officer=OFFICER.key, granted_by=OFFICER.key))
        session.commit()


def attachment(replies) -> bytes:
    [reply] = [reply for reply in replies if reply.attachment is not None]
    return reply.attachment.content


def export_rows(door, who, tmp_path) -> tuple[object, list[list[str]]]:
    """Export the September cases as `who`; the answer and the file's rows (a CLI file read from disk)."""
    out = tmp_path / f"{door.name}-{who.user_id}-{who.tenant}.csv"
    argv = [*EXPORT_CLI, "--reason", "termly caseload review", "--out", str(out)]
    answer = door.ask(who, EXPORT, argv, data_of=attachment)
    if not answer.ok:
        return answer, []
    content = out.read_bytes() if door.name == "cli" else answer.data
    return answer, list(csv.reader(io.StringIO(content.decode())))


def test_a_cases_export_hides_a_restricted_case_from_those_not_named_and_is_audited_once_each(
    door, engine, seeded, tmp_path
):
    rows = {}
    for who in (OFFICER, MANAGER, OTHER_OFFICER):
        answer, rows[who] = export_rows(door, who, tmp_path)
        assert answer.ok, answer.message
    assert [row[0] for row in rows[OFFICER][1:]] == ["CME-2026-0006", "CME-2026-0007", "CME-2026-0001"]
    assert rows[OFFICER][2][1] == "open"  # named on it
    assert rows[MANAGER][2][:2] == rows[OTHER_OFFICER][2][:2] == ["CME-2026-0007", "restricted"]
    assert not any(rows[MANAGER][2][2:])
    events = audit_events(engine, "cases.exported")
    assert [(e.actor, e.detail["via"], e.reason) for e in events] == [
        (who.key, door.via, "termly caseload review") for who in (OFFICER, MANAGER, OTHER_OFFICER)
    ]


def test_a_reporter_is_refused_every_report_in_the_same_words_and_each_attempt_recorded_once(
    door, engine, seeded, tmp_path
):
    files = tmp_path / "files"
    files.mkdir()
    png = files / "chart.png"
    asks = [
        (EXPORT, [*EXPORT_CLI, "--reason", "just looking", "--out", str(files / "c.csv")]),
        (RETURN, RETURN_CLI),
        ("/cme stats 2026-09 2026-11", ["chart", "--from", "2026-09-01", "--to", "2026-11-30", "--out", str(png)]),
    ]
    for chat, cli in asks:
        refused = door.ask(REPORTER, chat, cli)
        assert (refused.ok, refused.message, refused.status) == (False, STAFF_ONLY, door.refused_status()), chat
    assert list(files.iterdir()) == []  # no file left behind
    commands = [e.detail["command"] for e in audit_events(engine, "permission.refused")]
    assert commands == ["export", "export", "stats"]
    assert all(e.detail["via"] == door.via for e in audit_events(engine, "permission.refused"))
    assert audit_events(engine, "cases.exported") == audit_events(engine, "report.dfe_return") == []


def test_the_dfe_return_and_the_chart_are_the_same_through_either_door(both, engine, seeded, tmp_path):
    chat, cli = both
    said = chat.ask(MANAGER, RETURN, RETURN_CLI, data_of=attachment)
    ran = cli.ask(MANAGER, RETURN, RETURN_CLI)
    assert json.loads(said.data) == ran.data and ran.data["total"] == 4
    png = tmp_path / "chart.png"
    drawn = chat.ask(OFFICER, "/cme stats 2026-01 2026-10", [], data_of=lambda replies: replies)
    assert cli.ask(OFFICER, "", ["chart", "--from", "2026-01-01", "--to", "2026-10-31", "--out", str(png)]).ok
    assert png.read_bytes() == drawn.data[0].attachment.content  # the very same chart
    vias = [(e.action, e.detail["via"]) for e in audit_events(engine, "report.dfe_return")]
    vias += [(e.action, e.detail["via"]) for e in audit_events(engine, "report.stats")]
    assert vias == [("report.dfe_return", "terminal"), ("report.dfe_return", "cli")] + [
        ("report.stats", "terminal"),
        ("report.stats", "cli"),
    ]
