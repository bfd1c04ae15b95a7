"""`/cme stats` and `/cme export` through the router on a seeded database (SQLite and PostgreSQL), counted by hand."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlmodel import Session, select

from handlers.forms.fields import Invalid
from handlers.messages import ReplyKind
from handlers.reports.stats import build_stats, parse_period
from storage.models import AuditEvent, Case
from tests.support import Person

PNG = b"\x89PNG\r\n\x1a\n"
TODAY = dt.date(2026, 11, 26)  # the clock fixture's day


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.UTC)


def _seed(engine) -> None:
    cases = [
        dict(created_at=_at("2026-09-10"), cme_reason="moved-abroad", missing_since=dt.date(2026, 9, 1)),  # A: open
        dict(created_at=_at("2026-10-05"), closed_at=_at("2026-11-02"), state="closed"),  # B
        dict(created_at=_at("2025-10-20"), closed_at=_at("2025-12-01"), state="closed"),  # C: the year before
        dict(created_at=_at("2025-05-01")),  # D: open since before the year before
        dict(created_at=_at("2026-11-20"), merged_into=1),  # E: merged into A, not counted
        dict(created_at=_at("2025-08-01"), closed_at=_at("2025-08-20"), state="closed"),  # F: long closed
    ]
    with Session(engine) as session:
        for number, values in enumerate(cases, start=1):
            case = Case(reference=f"CME-2026-{number:04d}", year=2026, seq=number, reporter_key="terminal:local:alice")
            for name, value in {"state": "open", "triage_outcome": "cme", **values}.items():
                setattr(case, name, value)
            session.add(case)
        session.commit()


def test_the_figures_are_what_was_counted_by_hand(engine):
    _seed(engine)
    with Session(engine) as session:
        stats = build_stats(session, first=dt.date(2026, 9, 1), last=dt.date(2026, 11, 1))
    assert [(m.month, m.new, m.closed, m.open_at_end) for m in stats.months] == [
        ("2026-09", 1, 0, 2),  # A new; A and D open
        ("2026-10", 1, 0, 3),  # B new; A, B, D open
        ("2026-11", 0, 1, 2),  # B closed (E was merged away)
    ]
    assert (stats.new_in_period, stats.new_year_before, stats.change) == (2, 1, 1.0)  # C, a year earlier
    # The DfE's words; D has no reason recorded.
    assert stats.by_reason == {"Believed to have moved to another country": 1, "Not recorded": 1}
    assert stats.by_length == {"More than 12 weeks": 1, "Unknown": 1}  # A missing since 1 September


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", (dt.date(2025, 12, 1), dt.date(2026, 11, 1))),
        ("6", (dt.date(2026, 6, 1), dt.date(2026, 11, 1))),
        ("2025", (dt.date(2025, 1, 1), dt.date(2025, 12, 1))),
        ("2026", (dt.date(2026, 1, 1), dt.date(2026, 11, 1))),  # not past this month
        ("2025-09 2026-08", (dt.date(2025, 9, 1), dt.date(2026, 8, 1))),
    ],
)
def test_periods_as_typed(typed, expected):
    assert parse_period(typed, today=TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("no idea", "couldn't read 'no' as a month"),
        ("0", "Choose 1 to 60"),
        ("99", "Choose 1 to 60"),
        ("2027", "Choose a year"),
        ("2026-13 2026-14", "couldn't read '2026-13'"),
        ("2026-11 2026-09", "ends before it starts"),
        ("2027-01 2027-03", "in the future"),
        ("2010-01 2026-01", "more than 60 months"),
        ("last year please", "didn't understand"),
    ],
)
def test_nonsense_periods_say_how_to_name_one(typed, said):
    with pytest.raises(Invalid) as raised:
        parse_period(typed, today=TODAY)
    assert said in str(raised.value) and "/cme stats 6" in str(raised.value)


def test_an_officer_gets_the_chart_with_its_figures_as_text_and_a_reporter_is_refused(router, engine):
    _seed(engine)
    [reply] = Person(router, user="cme-officer").say("/cme stats 2026-09 2026-11")
    assert reply.attachment is not None and reply.attachment.content.startswith(PNG)
    assert reply.attachment.filename == "cme-stats-2026-09-to-2026-11.png"
    assert "2026-10 1/0/3" in reply.text and "a change of +100%" in reply.text
    assert reply.attachment.alt_text.startswith("Cases September 2026 to November 2026: 2 new.")
    assert "CME-2026" not in reply.text + reply.attachment.alt_text
    [wrong] = Person(router, user="cme-officer").say("/cme stats whenever")
    assert wrong.kind is ReplyKind.ERROR and wrong.attachment is None and "/cme stats 2026" in wrong.text
    [refused] = Person(router, user="alice").say("/cme stats")
    assert refused.kind is ReplyKind.ERROR and refused.attachment is None and "officer" in refused.text
    with Session(engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert actions == ["report.stats", "permission.refused"]


def test_an_export_needs_a_reason_and_is_audited_with_its_rows(router, engine):
    _seed(engine)
    officer = Person(router, user="cme-officer")
    [missing] = officer.say("/cme export cases 2026-09-01 2026-11-30 csv")
    assert missing.kind is ReplyKind.ERROR and "Say why" in missing.text and missing.attachment is None
    [backwards] = officer.say("/cme export cases 2026-11-30 2026-09-01 csv for the termly review")
    assert backwards.kind is ReplyKind.ERROR and "before it starts" in backwards.text
    [bad_date] = officer.say("/cme export cases 31/02/2026 csv for the termly review")
    assert bad_date.kind is ReplyKind.ERROR and "date" in bad_date.text
    [done] = officer.say("/cme export cases 2026-09-01 30/11/2026 csv for the termly review")
    assert done.attachment is not None and done.attachment.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(done.attachment.content.decode())))
    assert [row[0] for row in rows[1:]] == ["CME-2026-0001", "CME-2026-0002"]  # E was merged away
    [refused] = Person(router, user="alice").say("/cme export cases 2026-09-01 2026-11-30 csv nosy")
    assert refused.attachment is None and refused.kind is ReplyKind.ERROR
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "cases.exported")).all()
    assert (event.actor, event.reason) == ("terminal:local:cme-officer", "for the termly review")
    assert event.detail["references"] == ["CME-2026-0001", "CME-2026-0002"] and event.detail["via"] == "terminal"


def test_the_dfe_return_as_a_file(router, engine):
    _seed(engine)
    officer = Person(router, user="cme-manager")
    [reply] = officer.say("/cme export dfe-return 2026-10-02 json")
    data = json.loads(reply.attachment.content)
    # A (missing since 1 September) and D (not recorded); B was raised after the census date.
    assert data["total"] == 2
    assert data["breakdowns"]["length_missing_headline"] == {
        "12 weeks or less": 1,
        "More than 12 weeks": 0,
        "Unknown": 1,
    }
    assert data["breakdowns"]["length_missing"]["4 to 8 weeks"] == 1  # 31 days at 2 October
    assert reply.attachment.filename == "cme-dfe-return-2026-10-02.json"
    [wrong] = officer.say("/cme export dfe-return next tuesday")
    assert wrong.kind is ReplyKind.ERROR and "/cme export dfe-return 2026-10-01 csv" in wrong.text
    [what] = officer.say("/cme export everything")
    assert what.kind is ReplyKind.ERROR and "/cme export cases" in what.text
