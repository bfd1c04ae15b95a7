"""The known-name test: a child's name, sent in a referral and in every kind of officers' free text, is found in
no log record, no outbox row, and no audit row as stored (plain SQL: encrypted at rest); officers alone see it.
"""

from __future__ import annotations

import io
import logging

import pytest
import sqlalchemy as sa

from bot.logs import remove_redaction, setup_logging
from handlers.casework.reminders import run_sweep
from handlers.records.sar_requests import open_request, remind_due
from storage.crypto import PREFIX
from storage.db import unit_of_work
from storage.models import AuditEvent, CaseNote, EnquiryStep, Outbox
from tests.support import CALM_REFERRAL, Person

FORENAME, SURNAME, STREET = "Zephyrine", "Quackenbush", "Unlikely Lane"
KNOWN = (FORENAME, SURNAME, STREET)
MARKER = "harbourside"  # a word only officers' free text holds: what a reporter must never be shown


@pytest.fixture
def every_log_record():
    """Logging as `cme-bot serve` sets it up, everything at DEBUG; yields the records and the written text."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    root, stream, keep = logging.getLogger(), io.StringIO(), Keep(logging.DEBUG)
    saved_level = root.level
    ours = setup_logging("DEBUG", "json", stream, quiet_libraries=False)
    root.addHandler(keep)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)  # statements, parameters and rows
    yield records, stream
    logging.getLogger("sqlalchemy.engine").setLevel(logging.NOTSET)
    root.removeHandler(keep)
    root.removeHandler(ours)
    root.setLevel(saved_level)
    remove_redaction()


def seen(replies) -> str:
    """Everything a person is shown: text, titles, facts, buttons and the data behind them."""
    return " ".join(f"{r.text} {r.title} {r.facts} {r.buttons} {r.data}" for r in replies)


def officer_work(officer: Person, reference: str) -> None:
    """Everything an officer can write in their own words, each naming the child."""
    said = f"{FORENAME} {SURNAME} {MARKER}, 77 {STREET}"
    for line in (
        f"/cme note {reference} {said}",
        f"/cme done {reference} 1 aunt says {said}",
        f"/cme notpossible {reference} 2 no answer at {said}",
        f"/cme snooze {reference} 3 10/12/2026 mother of {said} asked for a week",
        f"/cme assign {reference} me because {said}",
        f"/cme close {reference} moved_abroad flew out with {said}",
        "submit",  # its steps not done: the reason typed, confirmed
        f"/cme reopen {reference} back again: {said}",
    ):
        replies = officer.say(line)
        assert replies and all(r.kind.value != "error" for r in replies), (line, [r.text for r in replies])


def test_a_known_name_is_in_no_log_outbox_or_stored_audit_row(router, core, engine, every_log_record):
    records, stream = every_log_record
    reporter, officer = Person(router, user="alice", name="Alice Teacher"), Person(router, user="cme-officer")
    reporter.say("/cme report")
    reporter.fill({**CALM_REFERRAL, "child_forenames": FORENAME, "child_surname": SURNAME,
                   "child_address": f"77 {STREET}, Bury", "child_postcode": "BL9 0EJ"})  # fmt: skip
    reference = reporter.say("submit")[-1].data["reference"]
    officer_work(officer, reference)
    with unit_of_work(engine) as session:  # a SAR due soon, so its reminder is in the outbox too
        open_request(session, kind="child", subject=reference, by=officer.identity.key,
                     received_on=core.clock().date().replace(day=1), now=core.clock())  # fmt: skip
    run_sweep(core)
    assert remind_due(core) >= 1

    # Officers see the child and their own words; the reporter sees neither the words nor the officers' notes.
    shown = seen(officer.say(f"/cme case {reference}"))
    assert FORENAME in shown and MARKER in shown
    for line in (f"/cme status {reference}", "/cme status", f"/cme case {reference}"):
        assert MARKER not in seen(reporter.say(line)), line

    assert records, "nothing was logged: the test proves nothing"
    for record in records:
        text = " ".join(str(v) for v in vars(record).values()) + record.getMessage()
        assert not [w for w in KNOWN + (MARKER,) if w in text], f"{record.name}: {record.getMessage()[:200]}"
    assert not [w for w in KNOWN if w in stream.getvalue()]

    # As stored: the outbox holds references only; the audit trail, notes and step notes only ciphertext.
    with engine.connect() as connection:
        stored = {
            table: connection.execute(sa.text(f"SELECT * FROM {table}")).all()
            for table in (
                Outbox.__tablename__,
                AuditEvent.__tablename__,
                CaseNote.__tablename__,
                EnquiryStep.__tablename__,
            )
        }
    assert all(stored.values()), {table: len(rows) for table, rows in stored.items()}
    for table, rows in stored.items():
        assert not [w for w in KNOWN + (MARKER,) if w in repr(rows)], table
    assert PREFIX in repr(stored[CaseNote.__tablename__])  # the officer's words are there, encrypted
