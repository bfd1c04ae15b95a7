"""The DfE return and the case export on a seeded database (SQLite and PostgreSQL), totals counted by hand."""

from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from handlers.knowledge.dfe_categories import BREAKDOWNS, breakdown
from handlers.reports.dfe_return import as_csv, as_json, build_return
from handlers.reports.exports import OFFICER_ONLY, export_cases
from storage.children import Child
from storage.models import AuditEvent, Case
from storage.protection import CaseAccess

LONDON = ZoneInfo("Europe/London")
CENSUS = dt.date(2026, 10, 2)


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.UTC)


def _seed(session: Session) -> None:
    first, second, absorbed = Child(), Child(), Child()
    session.add_all([first, second, absorbed])
    session.flush()
    absorbed.merged_into = first.id
    cases = [
        # CME on the census date: three children.
        dict(
            triage_outcome="cme",
            sex="female",
            year_group="year-7",
            cme_reason="moved-abroad",
            missing_since=dt.date(2026, 9, 1),
            created_at=_at("2026-09-10"),
            child_id=first.id,
        ),
        dict(
            triage_outcome="possible_cme",
            sex="male",
            year_group="reception",
            missing_since=dt.date(2026, 1, 5),
            created_at=_at("2026-01-10"),
            child_id=second.id,
        ),
        dict(triage_outcome=None, source="deletion", created_at=_at("2026-10-02")),
        # Not counted on the census date: closed before it, raised after it, not CME, merged away.
        dict(
            triage_outcome="cme",
            sex="male",
            created_at=_at("2025-10-01"),
            closed_at=_at("2026-03-01"),
            state="closed",
            child_id=absorbed.id,
        ),
        dict(triage_outcome="cme", created_at=_at("2026-10-03")),
        dict(triage_outcome="ehe", created_at=_at("2026-09-01")),
        dict(triage_outcome="cme", created_at=_at("2026-09-01"), merged_into=None, restricted=True),
    ]
    for number, values in enumerate(cases, start=1):
        session.add(
            Case(
                reference=f"CME-2026-{number:04d}",
                year=2026,
                seq=number,
                reporter_key="t:l:alice",
                **{"state": "open", **values},
            )
        )
    session.flush()


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {label: number for label, number in counts.items() if number}


def test_the_return_counts_what_was_counted_by_hand(engine):
    with Session(engine) as session:
        _seed(session)
        result = build_return(session, census=CENSUS, tz=LONDON)
    # Cases 1, 2, 3 and 7 are CME on 2 October 2026.
    assert result.total == 4
    assert result.breakdowns["sex"] == {"Female": 1, "Male": 1, "Unknown": 2}
    assert _nonzero(result.breakdowns["year_group"]) == {"Reception": 1, "Year 7": 1, "Unknown": 2}
    # Case 1: missing 31 days at the census date; case 2: 270 days; cases 3 and 7: no date.
    assert _nonzero(result.breakdowns["length_missing"]) == {"4 to 8 weeks": 1, "26 to 52 weeks": 1, "Unknown": 2}
    assert result.breakdowns["length_missing_headline"] == {
        "12 weeks or less": 1,
        "More than 12 weeks": 1,
        "Unknown": 2,
    }
    assert _nonzero(result.breakdowns["primary_reason"]) == {
        "Believed to have moved to another country": 1,
        "Not recorded": 3,
    }
    # 2025/26: case 2 (second child) and case 4 (absorbed, i.e. the first child): two children.
    assert result.previous_year == (dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    assert result.previous_year_children == 2
    text = as_csv(result)
    assert text.splitlines()[0] == "census_date,breakdown,category,number"
    assert "2026-10-02,total,Total,4" in text and "previous_academic_year,2025/26,2" in text
    assert "2026-10-02,primary_reason,Waiting school start,0" in text  # zeros are listed
    assert "CME-2026" not in text


def test_every_breakdown_lists_every_dfe_category_in_order_and_adds_up(engine):
    with Session(engine) as session:
        _seed(session)
        result = build_return(session, census=CENSUS, tz=LONDON)
    for name in BREAKDOWNS:
        assert list(result.breakdowns[name]) == [c.label for c in breakdown(name).categories], name
        assert sum(result.breakdowns[name].values()) == result.total, name
    assert len(result.breakdowns["primary_reason"]) == 20 and len(result.breakdowns["length_missing"]) == 8
    data = json.loads(as_json(result))
    assert list(data["breakdowns"]["primary_reason"]) == list(result.breakdowns["primary_reason"])
    assert data["categories_source"]["url"].endswith("/find-statistics/children-missing-education")


@pytest.mark.parametrize(
    ("days", "band"),
    [
        (0, "Less than 2 weeks"),
        (13, "Less than 2 weeks"),
        (14, "2 to 4 weeks"),
        (55, "4 to 8 weeks"),
        (84, "8 to 12 weeks"),  # exactly 12 weeks is "12 weeks or less" in the headline
        (85, "12 to 26 weeks"),
        (364, "26 to 52 weeks"),
        (365, "Over 52 weeks"),
        (-3, "Unknown"),  # a date after the census day: counted as Unknown, listed by --check
    ],
)
def test_each_band_holds_what_its_label_says(engine, days, band):
    with Session(engine) as session:
        since = CENSUS - dt.timedelta(days=days)
        session.add(
            Case(
                reference="CME-2026-0001",
                year=2026,
                seq=1,
                reporter_key="t:l:alice",
                triage_outcome="cme",
                missing_since=since,
                created_at=_at("2026-09-01"),
            )
        )
        session.flush()
        result = build_return(session, census=CENSUS, tz=LONDON)
    assert _nonzero(result.breakdowns["length_missing"]) == {band: 1}
    headline = "Unknown" if band == "Unknown" else ("12 weeks or less" if days <= 84 else "More than 12 weeks")
    assert _nonzero(result.breakdowns["length_missing_headline"]) == {headline: 1}


def test_a_reason_code_no_longer_in_the_list_counts_as_not_recorded(engine):
    with Session(engine) as session:
        _seed(session)
        case = session.exec(select(Case).where(Case.reference == "CME-2026-0001")).one()
        case.cme_reason = "whereabouts-unknown"  # an old code a migration left (none should: 0011 moves them)
        session.flush()
        result = build_return(session, census=CENSUS, tz=LONDON)
    assert _nonzero(result.breakdowns["primary_reason"]) == {"Not recorded": 4}


def test_the_xlsx_export_has_the_marked_header_hides_restricted_cases_and_is_audited(engine):
    with Session(engine) as session:
        _seed(session)
        named = session.exec(select(Case).where(Case.reference == "CME-2026-0007")).one()
        file = export_cases(
            session,
            user_key="terminal:local:cme-officer",
            start=dt.date(2026, 9, 1),
            end=dt.date(2026, 9, 30),
            fmt="xlsx",
            reason="termly check",
            now=_at("2026-10-05"),
            via="test",
        )
        session.commit()
        book = load_workbook(io.BytesIO(file.content))
        header = [cell.value for cell in book["Cases"][1]]
        assert header[:3] == ["reference", "state", "urgent"] and f"sex{OFFICER_ONLY}" in header
        rows = [[cell.value for cell in row] for row in book["Cases"].iter_rows(min_row=2)]
        assert [row[0] for row in rows] == ["CME-2026-0006", "CME-2026-0007", "CME-2026-0001"]
        assert rows[1][1] == "restricted" and "About" in book.sheetnames
        session.add(CaseAccess(case_id=named.id, officer="terminal:local:cme-officer", granted_by="m"))
        session.flush()
        again = export_cases(
            session,
            user_key="terminal:local:cme-officer",
            start=dt.date(2026, 9, 1),
            end=dt.date(2026, 9, 30),
            fmt="csv",
            reason="again",
            now=_at("2026-10-05"),
            via="test",
        )
        assert b"CME-2026-0007,open" in again.content
        [event, _] = session.exec(select(AuditEvent).where(AuditEvent.action == "cases.exported")).all()
    assert (event.actor, event.reason, event.detail["rows"]) == ("terminal:local:cme-officer", "termly check", 3)
    assert event.detail["references"] == ["CME-2026-0006", "CME-2026-0007", "CME-2026-0001"]
