"""The audit chain: each event hashed over its content and the one before; edits, deletions and reorders named."""

from __future__ import annotations

import threading

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from storage import audit_chain
from storage.audit_chain import Fault
from storage.db import unit_of_work
from storage.migrate import alembic_config, upgrade
from storage.models import AuditEvent
from storage.protection import AuditHead
from storage.queries import record_audit

WRITERS = 8
EACH = 15


def _write(engine, count: int, *, actor: str = "officer-1") -> list[int]:
    ids = []
    for i in range(count):
        with unit_of_work(engine) as session:
            event = record_audit(session, actor=actor, action="case.viewed", reason=f"looked {i}", detail={"n": i})
            ids.append(event.id)
    return ids


def _verify(engine) -> audit_chain.Verdict:
    with Session(engine) as session:
        return audit_chain.verify(session, audit_chain.events(session))


def _sql(engine, statement: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def test_a_clean_chain_verifies_and_each_event_links_to_the_one_before(engine):
    ids = _write(engine, 5)
    verdict = _verify(engine)
    assert verdict.broken is None and verdict.checked == 5 and verdict.last_id == ids[-1]
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert rows[0].prev_hash == "" and all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
        assert session.get(AuditHead, 1).last_hash == rows[-1].hash


def test_several_events_in_one_transaction_chain_in_order(engine):
    with unit_of_work(engine) as session:
        for i in range(3):
            record_audit(session, actor="officer-1", action="case.noted", detail={"i": i})
    assert _verify(engine).checked == 3


def test_a_row_edited_with_plain_sql_is_named(engine):
    ids = _write(engine, 5)
    _sql(engine, "UPDATE auditevent SET actor = 'someone-else' WHERE id = :id", id=ids[2])
    broken = _verify(engine).broken
    assert broken.fault is Fault.EDITED and broken.row == ids[2] and str(ids[2]) in broken.message


def test_a_row_deleted_in_the_middle_is_named(engine):
    ids = _write(engine, 5)
    _sql(engine, "DELETE FROM auditevent WHERE id = :id", id=ids[2])
    broken = _verify(engine).broken
    assert broken.fault is Fault.DELETED and broken.row == ids[3]
    assert f"row {ids[1]} and row {ids[3]}" in broken.message


def test_reordered_rows_are_named(engine):
    ids = _write(engine, 5)
    # Swap two rows' places (their ids: the only order a table has).
    _sql(engine, "UPDATE auditevent SET id = :tmp WHERE id = :id", tmp=ids[-1] + 100, id=ids[1])
    _sql(engine, "UPDATE auditevent SET id = :to WHERE id = :id", to=ids[1], id=ids[3])
    _sql(engine, "UPDATE auditevent SET id = :to WHERE id = :tmp", to=ids[3], tmp=ids[-1] + 100)
    broken = _verify(engine).broken
    assert broken.fault is Fault.REORDERED and broken.row == ids[1]
    assert f"follows row {ids[2]}" in broken.message


def test_the_newest_rows_deleted_are_caught_by_the_head(engine):
    ids = _write(engine, 5)
    _sql(engine, "DELETE FROM auditevent WHERE id >= :id", id=ids[3])
    broken = _verify(engine).broken
    assert broken.fault is Fault.TRUNCATED and broken.row == ids[-1]
    assert f"newest row left is {ids[2]}" in broken.message


def test_an_off_site_copy_catches_truncation_even_when_the_head_is_rewritten(engine):
    ids = _write(engine, 4)
    with Session(engine) as session:
        copy = [audit_chain.exported(row) for row in audit_chain.events(session)]
        assert "reason" not in copy[0] and "detail" not in copy[0]
    _sql(engine, "DELETE FROM auditevent WHERE id = :id", id=ids[-1])
    with unit_of_work(engine) as session:
        head = session.get(AuditHead, 1)
        before = session.get(AuditEvent, ids[-2])
        head.last_id, head.last_hash = before.id, before.hash
    assert _verify(engine).broken is None  # the database alone can't tell
    with Session(engine) as session:
        broken = audit_chain.against_copy(session, copy)
    assert broken.fault is Fault.TRUNCATED and broken.row == ids[-1]


def test_events_from_before_the_chain_are_counted_as_legacy(engine):
    _sql(engine, "INSERT INTO auditevent (at, actor, action, detail) VALUES (CURRENT_TIMESTAMP, 'old', 'x', '{}')")
    _write(engine, 2)
    verdict = _verify(engine)
    assert verdict.broken is None and verdict.legacy == 1 and verdict.checked == 2


def test_concurrent_writers_never_fork_the_chain(engine):
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            _write(engine, EACH, actor=f"officer-{n}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    verdict = _verify(engine)
    assert verdict.broken is None and verdict.checked == WRITERS * EACH
    with Session(engine) as session:
        hashes = session.exec(select(AuditEvent.prev_hash)).all()
    assert len(set(hashes)) == len(hashes)  # no two events claim the same predecessor


# Issue 20, finding 9: ids are contiguous (handed out by the head), the head must name the newest row.


def test_the_newest_row_renumbered_is_named_with_the_id_it_should_have(engine):
    ids = _write(engine, 5)
    _sql(engine, "UPDATE auditevent SET id = :to WHERE id = :id", to=ids[-1] + 74, id=ids[-1])
    verdict = _verify(engine)
    assert verdict.broken.fault is Fault.RENUMBERED and verdict.broken.row == ids[-1] + 74
    assert f"its id should be {ids[-1]}" in verdict.broken.message and verdict.checked == 4


def test_a_head_naming_a_row_past_the_newest_is_named(engine):
    ids = _write(engine, 5)
    _sql(engine, "UPDATE audit_head SET last_id = :id", id=ids[-1] + 74)
    verdict = _verify(engine)
    assert verdict.broken.fault is Fault.HEAD and verdict.broken.row == ids[-1] + 74
    assert f"newest row is {ids[-1]}" in verdict.broken.message and verdict.checked == 5
    _sql(engine, "DELETE FROM audit_head")
    assert _verify(engine).broken.fault is Fault.HEAD  # a head taken away is named too


def test_a_rolled_back_event_leaves_no_gap_in_the_ids(engine):
    _write(engine, 2)
    try:
        with unit_of_work(engine) as session:
            record_audit(session, actor="officer-1", action="case.viewed")
            raise RuntimeError("the turn failed after its event was written")
    except RuntimeError:
        pass
    ids = _write(engine, 2)
    assert ids == [3, 4] and _verify(engine).broken is None


def test_gaps_from_before_the_head_numbered_ids_are_not_faults_after_the_upgrade(engine):
    _write(engine, 3)
    _sql(engine, "UPDATE auditevent SET id = 4 WHERE id = 3")  # a PostgreSQL sequence skipped 3 (before 0016)
    _sql(engine, "UPDATE audit_head SET last_id = 4")
    _write(engine, 1)  # id 5
    assert _verify(engine).broken.fault is Fault.RENUMBERED
    command.downgrade(alembic_config(engine), "0015")
    upgrade(engine)
    assert _verify(engine).broken is None
    _write(engine, 1)
    _sql(engine, "UPDATE auditevent SET id = 60 WHERE id = 6")  # a gap after the old ones is still named
    assert _verify(engine).broken.fault is Fault.RENUMBERED
