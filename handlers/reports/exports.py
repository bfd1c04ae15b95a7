"""Case exports for the service: one row per case as CSV or xlsx, officer-only columns marked, every export audited.

No child's name, date of birth or address is ever exported: a row holds the reference, dates and the
return's statistics fields. Restricted cases show only their reference and "restricted" unless the
officer is named on the case (handlers/casework/access.may_see).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from sqlmodel import Session, col, select

from handlers.casework.access import may_see
from handlers.knowledge.dfe_categories import reason_label
from handlers.messages import Attachment
from storage.models import Case
from storage.queries import record_audit

# (column, officer only): officer-only columns describe the child or the service's judgement of them.
COLUMNS: tuple[tuple[str, bool], ...] = (
    ("reference", False),
    ("state", False),
    ("urgent", False),
    ("raised", False),
    ("closed", False),
    ("source", False),
    ("triage_outcome", True),
    ("outcome", True),
    ("cme_reason", True),
    ("missing_since", True),
    ("missing_since_precision", True),
    ("sex", True),
    ("year_group", True),
    ("assigned_to", True),
)
OFFICER_ONLY = " [officer only]"
FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
ABOUT = (
    "One row per case raised in the period (merged references are left out: their case's row stands).",
    "missing_since is a day; for a rough date from a referral it is the first day the date can mean, and "
    "missing_since_precision says how rough: early, mid or late (a third of that month), week or month.",
    'Columns marked "[officer only]" describe a child or the service\'s judgement: keep them within the CME service.',
    'A restricted case shows only its reference and "restricted" unless you are named on it.',
    "No child's name, date of birth or address is in this file. This export was recorded in the audit trail.",
)


def header() -> list[str]:
    """The header row: officer-only columns carry the suffix " [officer only]"."""
    return [name + (OFFICER_ONLY if officer else "") for name, officer in COLUMNS]


def case_rows(
    session: Session, *, user_key: str, start: dt.datetime, end: dt.datetime
) -> tuple[list[Case], list[list]]:
    """The standing cases raised in [start, end), oldest first, and their rows as `user_key` may see them."""
    query = (
        select(Case)
        .where(col(Case.merged_into).is_(None), Case.created_at >= start, Case.created_at < end)
        .order_by(col(Case.created_at), col(Case.id))
    )
    cases = list(session.exec(query).all())
    return cases, [_row(case) if may_see(session, case=case, user_key=user_key) else _hidden(case) for case in cases]


def _row(case: Case) -> list:
    return [
        case.reference,
        case.state,
        "yes" if case.urgent else "no",
        case.created_at.date().isoformat(),
        case.closed_at.date().isoformat() if case.closed_at else "",
        case.source,
        case.triage_outcome or "",
        case.outcome or "",
        reason_label(case.cme_reason),  # the DfE's words (knowledge/data/dfe_cme_categories.yaml)
        case.missing_since.isoformat() if case.missing_since else "",
        case.missing_since_precision or "" if case.missing_since else "",  # "early": a rough date, from its first day
        case.sex or "",
        case.year_group or "",
        case.assigned_to or "",
    ]


def _hidden(case: Case) -> list:
    return [case.reference, "restricted", *([""] * (len(COLUMNS) - 2))]


def to_csv(rows: Sequence[Sequence]) -> bytes:
    """The rows as UTF-8 CSV with the marked header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header())
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(rows: Sequence[Sequence]) -> bytes:
    """The rows as an xlsx workbook: sheet "Cases" (officer-only headers bold and commented) and sheet "About"."""
    # Imported here: openpyxl costs about 0.2 s to import, and the server starts without needing it.
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Cases"
    sheet.append(header())
    for cell, (_, officer) in zip(sheet[1], COLUMNS, strict=True):
        if officer:
            cell.font = Font(bold=True)
            cell.comment = Comment("Officer only: keep within the CME service.", "cme-bot")
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    about = book.create_sheet("About")
    for line in ABOUT:
        about.append([line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_cases(
    session: Session, *, user_key: str, start: dt.date, end: dt.date, fmt: str, reason: str, now: dt.datetime, via: str
) -> Attachment:
    """The cases raised from `start` to `end` (inclusive, UTC days) as a file; the export is audited."""
    first = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    cases, rows = case_rows(session, user_key=user_key, start=first, end=after)
    content = to_xlsx(rows) if fmt == "xlsx" else to_csv(rows)
    record_audit(
        session,
        actor=user_key,
        action="cases.exported",
        at=now,
        reason=reason,
        detail={
            "via": via,
            "format": fmt,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "rows": len(cases),
            "case_ids": [case.id for case in cases],
            "references": [case.reference for case in cases],
        },
    )
    name = f"cme-cases-{start.isoformat()}-to-{end.isoformat()}.{fmt}"
    return Attachment(name, FORMATS[fmt], content, f"{len(cases)} cases raised {start} to {end}, one row each")
