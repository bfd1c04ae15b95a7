"""Faults a council would notice: the database going away at submit, stale drafts, child details in logs."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from handlers.commands import build_router
from handlers.core import Core
from handlers.messages import Inbound, ReplyKind
from storage.db import make_engine
from storage.models import Case, Conversation
from tests.support import CALM_REFERRAL, Person


class _Outage:
    """Make the database unreachable for a while, the way each backend really fails."""

    def __init__(self, db_url: str, engine) -> None:
        self.url, self.engine = make_url(db_url), engine

    def __enter__(self):
        if self.url.get_backend_name() == "sqlite":
            self.lock = sqlite3.connect(self.url.database, isolation_level=None)
            self.lock.execute("BEGIN EXCLUSIVE")  # every writer now times out with "database is locked"
        else:
            self._pg(False)
        return self

    def __exit__(self, *exc) -> None:
        if self.url.get_backend_name() == "sqlite":
            self.lock.execute("ROLLBACK")
            self.lock.close()
        else:
            self._pg(True)

    def _pg(self, allow: bool) -> None:
        admin = make_engine(self.url.set(database="postgres").render_as_string(hide_password=False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{self.url.database}" ALLOW_CONNECTIONS {str(allow).lower()}')
            if not allow:
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{self.url.database}' AND pid <> pg_backend_pid()"
                )
        admin.dispose()


def _outage_router(db_url, profile, clock):
    engine = make_engine(db_url, busy_timeout_ms=300)
    return engine, build_router(Core(engine=engine, profile=profile, clock=clock))


def test_database_down_at_submit_keeps_answers_and_retry_succeeds(db_url, profile, clock):
    engine, router = _outage_router(db_url, profile, clock)
    alice = Person(router)
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL)
    with _Outage(db_url, engine):
        failed = alice.say("submit")
    assert failed[-1].kind is ReplyKind.ERROR and "Nothing has been lost" in failed[-1].text
    assert "send the same message again" in failed[-1].text
    retried = alice.say("submit")
    assert retried[-1].kind is ReplyKind.CONFIRMATION
    again = alice.say("submit")  # a second submit: the same confirmation, not an answer from the FAQ
    assert again[-1].kind is ReplyKind.CONFIRMATION and again[-1].data["reference"] == retried[-1].data["reference"]
    with Session(engine) as session:
        assert session.exec(select(Case)).one().reference == retried[-1].data["reference"]
    engine.dispose()


def test_a_failed_write_leaves_the_draft_where_it_was_and_the_same_answer_again_lands_in_its_field(
    db_url, profile, clock
):
    engine, router = _outage_router(db_url, profile, clock)
    alice = Person(router)
    alice.say("/cme report")
    alice.say("no")  # in danger now? (asked first)
    alice.say("Zephyrine")
    with _Outage(db_url, engine):
        failed = alice.say("Quillfeather")
    assert failed[-1].kind is ReplyKind.ERROR and "send the same message again" in failed[-1].text
    assert alice.say("Quillfeather")[-1].question.field_id == "child_dob"  # the surname went to the surname
    assert alice.say("02/05/2014")[-1].question.field_id != "child_dob"
    alice.fill(CALM_REFERRAL)
    review = dict(alice.heard[-1].facts)
    assert any(value == "Quillfeather" for value in review.values())
    engine.dispose()


def test_a_failed_write_does_not_outlive_the_draft_expiry(db_url, profile, clock):
    engine, router = _outage_router(db_url, profile, clock)
    alice = Person(router)
    alice.say("/cme report")
    alice.say("no")  # in danger now? (asked first)
    alice.say("Zephyrine")
    with _Outage(db_url, engine):
        alice.say("Quillfeather")
    clock.advance(hours=73)
    replies = alice.say("Quillfeather")
    assert "deleted because it was left for more than 72 hours" in replies[0].text
    engine.dispose()


def test_database_down_at_the_last_page_of_a_whole_form_says_press_again_and_that_works(db_url, profile, clock):
    from tests.handlers.forms.test_whole_form import PAGES, WHERE, WHO

    engine, router = _outage_router(db_url, profile, clock)

    def send(**kwargs):
        return router.handle(Inbound(WHO, WHERE, **kwargs))

    view = send(text="/cme report", wants_form=True)[-1].form
    while True:
        values = {"_draft": view.draft_id, "_section": view.section_id, **PAGES[view.section_id]}
        page = {"form_id": view.form_id, "form_values": values}
        if view.section_id == "referrer":
            break
        view = next(r.form for r in send(**page) if r.form is not None)
    with _Outage(db_url, engine):
        (failed,) = send(**page)
    assert failed.kind is ReplyKind.ERROR and "press the button again" in failed.text and "type" not in failed.text
    assert ReplyKind.CONFIRMATION in {r.kind for r in send(**page)}
    engine.dispose()


def test_idle_draft_is_dropped_and_the_person_is_told(router, engine, clock):
    alice = Person(router)
    alice.say("/cme report")
    alice.say("no")  # in danger now? (asked first)
    alice.say("Zephyrine")
    clock.advance(hours=73)
    replies = alice.say("Quillfeather")
    assert "deleted because it was left for more than 72 hours" in replies[0].text
    with Session(engine) as session:
        assert session.exec(select(Conversation)).first() is None


def test_draft_within_the_limit_carries_on(router, clock):
    alice = Person(router)
    alice.say("/cme report")
    alice.say("no")  # in danger now? (asked first)
    alice.say("Zephyrine")
    clock.advance(hours=71)
    assert alice.say("Quillfeather")[-1].question.field_id == "child_dob"


@pytest.mark.parametrize("harm", ["none", "1, 4"])
def test_no_child_detail_in_any_log_record(router, caplog, harm):
    caplog.set_level(logging.DEBUG)
    alice = Person(router)
    alice.say("/cme report")
    answers = dict(
        CALM_REFERRAL,
        harm_indicators=harm,
        mash_contacted="yes",
        child_postcode="BL9 0EJ",
        child_address="14 Larkspur Row, Bury",
    )
    alice.say("not a date")  # an error path too
    alice.fill(answers)
    alice.say("submit")
    alice.say("/cme status")
    secrets = ("Zephyrine", "Quillfeather", "2014-05-02", "02/05/2014", "BL9 0EJ", "Larkspur", "Orla", "0161 496 0000")
    logged = [record.getMessage() + repr(record.args) for record in caplog.records]
    assert not [line for line in logged if any(s in line for s in secrets)]


def test_idle_drafts_are_wiped_by_the_sweep_and_the_person_told_later(router, engine, profile, clock):
    from handlers.forms.flows import expire_idle_drafts
    from storage.db import unit_of_work

    alice = Person(router)
    alice.say("/cme report")
    alice.say("no")  # in danger now? (asked first)
    alice.say("Zephyrine")
    clock.advance(hours=80)
    with unit_of_work(engine) as session:
        assert expire_idle_drafts(session, profile=profile, now=clock()) == 1
    with Session(engine) as session:
        row = session.exec(select(Conversation)).one()
        assert "Zephyrine" not in str(row.state)  # the child's details are gone at once
    replies = alice.say("Quillfeather")
    assert "was deleted because it was left for more than 72 hours" in replies[0].text
    assert "26 November" in replies[0].text
