"""The cases export: a rough date ("early October") is exported with its precision, never as an exact day."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlmodel import Session

from handlers.reports.exports import ABOUT, OFFICER_ONLY, export_cases
from storage.models import Case


def _export(session: Session) -> list[dict[str, str]]:
    file = export_cases(
        session,
        user_key="terminal:local:cme-officer",
        start=dt.date(2026, 10, 1),
        end=dt.date(2026, 10, 31),
        fmt="csv",
        reason="termly check",
        now=dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC),
        via="test",
    )
    rows = list(csv.DictReader(io.StringIO(file.content.decode("utf-8"))))
    return [{k.removesuffix(OFFICER_ONLY): v for k, v in row.items()} for row in rows]


def test_a_rough_missing_since_date_is_exported_with_its_precision(engine):
    with Session(engine) as session:
        for number, (day, precision) in enumerate(((dt.date(2026, 10, 1), "early"), (dt.date(2026, 10, 5), None)), 1):
            session.add(
                Case(
                    reference=f"CME-2026-{number:04d}",
                    year=2026,
                    seq=number,
                    reporter_key="t:l:alice",
                    created_at=dt.datetime(2026, 10, 10 + number, tzinfo=dt.UTC),
                    missing_since=day,
                    missing_since_precision=precision,
                )
            )
        session.flush()
        rows = _export(session)
    assert [(r["missing_since"], r["missing_since_precision"]) for r in rows] == [
        ("2026-10-01", "early"),
        ("2026-10-05", ""),
    ]
    assert any("missing_since_precision says how rough" in line for line in ABOUT)
