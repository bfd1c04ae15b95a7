"""Two officers splitting or merging the same case at once, in two real sessions: one wins, the other is told.

The first officer's split is held open in its own transaction (its row locks taken on PostgreSQL; the write
lock on SQLite) while the second officer's command arrives through the router in another thread: it waits,
and once the first commits it finds the case changed and says so, changing nothing.
"""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from handlers.children.split import other_case, split, the_merge
from handlers.messages import ActionId, ReplyKind
from storage.merges import CaseMerge, lock_cases
from storage.models import Case
from tests.handlers.casework.test_cases import press
from tests.handlers.casework.test_child_intake import OFFICER, refer
from tests.handlers.casework.test_split import JOAN, JON, snapshot
from tests.support import Person

SECOND_OFFICER = "cme-manager"


@pytest.fixture
def merged_twins(router):
    """Jon's and Joan's cases, Joan's wrongly merged into Jon's by an officer."""
    jon, joan = refer(router, "alice", JON), refer(router, "bob", JOAN)
    assert press(router, OFFICER, ActionId.SAME_CHILD, f"/cme same {joan} {jon}")[-1].kind is ReplyKind.CONFIRMATION
    return jon, joan


def _second_officer_types(router, text: str) -> tuple[threading.Thread, list]:
    said: list = []
    thread = threading.Thread(target=lambda: said.extend(Person(router, user=SECOND_OFFICER).say(text)))
    thread.start()
    return thread, said


@pytest.mark.parametrize("second", ["/cme split {joan}", "/cme same {joan} {jon}"])
def test_while_one_officer_splits_the_other_waits_then_is_told_and_nothing_more_changes(
    router, engine, merged_twins, second
):
    jon, joan = merged_twins
    with Session(engine) as first:
        typed = first.exec(select(Case).where(Case.reference == joan)).one()
        merge = the_merge(first, typed)
        other = other_case(first, typed, merge)
        assert lock_cases(first, [typed, other]) == []
        split(first, typed, merge, actor="terminal:local:cme-officer", now=typed.updated_at, reason="twins")
        first.flush()
        thread, said = _second_officer_types(router, second.format(joan=joan, jon=jon))
        thread.join(timeout=1.5)
        assert thread.is_alive(), "the second officer waits for the first one's split"
        first.commit()
    thread.join(timeout=30)
    assert not thread.is_alive()
    after = snapshot(engine)
    assert said[-1].kind is ReplyKind.ERROR, said[-1].text
    # PostgreSQL: the second read the case before the first committed, took the lock after: told it changed.
    # SQLite: the second's whole turn waited for the first (BEGIN IMMEDIATE), so it sees the split and says so.
    told = {
        "postgresql": f"{joan} changed just now: another officer merged or split it. Nothing was changed.",
        "sqlite": "already split from" if "split" in second else "already decided by cme-officer: different child",
    }[engine.dialect.name]
    assert told in said[-1].text
    with Session(engine) as session:
        assert session.exec(select(CaseMerge)).one().split_by == "terminal:local:cme-officer"
        assert session.exec(select(Case).where(Case.reference == joan)).one().merged_into is None
    assert snapshot(engine) == after


def test_two_officers_pressing_split_together_one_split_stands(router, engine, merged_twins):
    _, joan = merged_twins
    barrier = threading.Barrier(2)
    said: dict[str, list] = {}

    def officer(user: str) -> None:
        barrier.wait()
        said[user] = Person(router, user=user).say(f"/cme split {joan}")

    threads = [threading.Thread(target=officer, args=(user,)) for user in (OFFICER, SECOND_OFFICER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    kinds = sorted(replies[-1].kind.value for replies in said.values())
    assert kinds == sorted([ReplyKind.CONFIRMATION.value, ReplyKind.ERROR.value]), said
    [refused] = [replies[-1].text for replies in said.values() if replies[-1].kind is ReplyKind.ERROR]
    assert "Nothing was changed" in refused and ("changed just now" in refused or "already split" in refused)
    with Session(engine) as session:
        assert len(session.exec(select(CaseMerge).where(CaseMerge.split_at != None)).all()) == 1  # noqa: E711
