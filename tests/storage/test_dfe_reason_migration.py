"""Migration 0011 on a database made before the DfE's categories: reasons move over, the old value stays in the
case's history (chained), the return counts them as Not recorded, and --check names the cases with choices."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlmodel import Session, select

from handlers.reports.dfe_check import cases_to_check
from handlers.reports.dfe_return import build_return
from storage import audit_chain
from storage.migrate import alembic_config, upgrade
from storage.models import AuditEvent, Case
from storage.queries import record_audit
from tests.storage.old_schema import database_at, seeding_with_todays_models

LONDON = ZoneInfo("Europe/London")
CENSUS = dt.date(2026, 10, 1)
# The old codes cases held: those with a DfE category of the same meaning keep it, the rest need a choice.
OLD = {
    "CME-2026-0001": ("whereabouts-unknown", None),
    "CME-2026-0002": ("moved-abroad", "moved-abroad"),
    "CME-2026-0003": ("health", None),
    "CME-2026-0004": ("application-awaiting-outcome", "application-awaiting-outcome"),
    "CME-2026-0005": ("permanently-excluded", None),
    "CME-2026-0006": (None, None),
}


@pytest.fixture(params=["sqlite", "postgres"])
def at_0010(request, tmp_path):
    """A database at revision 0010 (before the DfE's categories) on each backend."""
    with database_at("0010", request.param, tmp_path) as engine:
        yield engine


def _seed(engine) -> None:
    with seeding_with_todays_models(engine), Session(engine) as session:
        for number, (reference, (code, _)) in enumerate(OLD.items(), 1):
            case = Case(
                reference=reference,
                year=2026,
                seq=number,
                reporter_key="slack:T1:U1",
                triage_outcome="cme",
                cme_reason=code,
                sex="other" if number == 1 else "female",
                year_group="year-7",
                missing_since=dt.date(2026, 9, 1),
                created_at=dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC),
            )
            session.add(case)
            session.flush()
            record_audit(session, actor="slack:T1:U1", action="case.created", case_id=case.id)
        session.commit()


def test_an_old_database_moves_onto_the_dfe_categories(at_0010):
    _seed(at_0010)
    upgrade(at_0010)
    with Session(at_0010) as session:
        cases = {case.reference: case for case in session.exec(select(Case)).all()}
        assert {ref: cases[ref].cme_reason for ref in OLD} == {ref: new for ref, (_, new) in OLD.items()}
        moved = session.exec(select(AuditEvent).where(AuditEvent.action == "case.reason_migrated")).all()
        was = {session.get(Case, event.case_id).reference: event.detail["was"] for event in moved}
        assert was == {
            "CME-2026-0001": "whereabouts-unknown",
            "CME-2026-0003": "health",
            "CME-2026-0005": "permanently-excluded",
        }
        assert all("officer chooses" in event.reason for event in moved)
        assert audit_chain.verify(session, audit_chain.events(session)).broken is None  # the history stays chained

        result = build_return(session, census=CENSUS, tz=LONDON)
        assert result.total == 6
        assert result.breakdowns["primary_reason"]["Not recorded"] == 4
        assert result.breakdowns["primary_reason"]["Believed to have moved to another country"] == 1
        assert result.breakdowns["sex"] == {"Female": 5, "Male": 0, "Unknown": 1}  # "other" counts as Unknown

        listed = {case.reference: case for case in cases_to_check(session, census=CENSUS, tz=LONDON)}
        assert set(listed) == {"CME-2026-0001", "CME-2026-0003", "CME-2026-0005", "CME-2026-0006"}
        health = listed["CME-2026-0003"].needs[0]
        assert health.field == "reason" and health.choices == ("Physical health", "Mental health")
        assert "Health reasons" in health.problem
        assert listed["CME-2026-0006"].needs[0].choices == ()  # never had a reason: any of the 20


def test_upgrading_twice_changes_nothing_and_downgrade_restores_the_old_codes(at_0010):
    _seed(at_0010)
    upgrade(at_0010)
    upgrade(at_0010)
    with Session(at_0010) as session:
        assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "case.reason_migrated")).all()) == 3
    command.downgrade(alembic_config(at_0010), "0010")
    with at_0010.connect() as conn:  # the schema of 0010: today's model has columns it lacks
        restored = dict(conn.exec_driver_sql('SELECT reference, cme_reason FROM "case"').all())
    assert restored == {ref: old for ref, (old, _) in OLD.items()}
