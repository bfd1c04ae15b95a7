"""A data key taken away (or wrong) while the bot runs: the turn says so plainly, nothing is half-written, and
the log names the key id but no child."""

from __future__ import annotations

import logging
import os

from cryptography.fernet import Fernet
from sqlmodel import Session, func, select

from handlers.messages import ReplyKind
from storage import crypto
from storage.crypto import Keyring
from storage.models import AuditEvent
from tests.support import CALM_REFERRAL, Person


def test_a_missing_key_is_a_clear_error_and_nothing_is_saved(router, engine, caplog):
    alice = Person(router, user="alice")
    alice.say("/cme report")
    alice.fill(CALM_REFERRAL)
    reference = alice.say("submit")[-1].data["reference"]
    with Session(engine) as session:
        before = session.exec(select(func.count()).select_from(AuditEvent)).one()
    # The same blind-index key, another data key: "test1" (tests/conftest.py) is gone.
    index = next(entry for entry in os.environ["CME_DATA_KEYS"].split(",") if entry.startswith("index:"))
    crypto.install(Keyring.parse(f"k2:{Fernet.generate_key().decode()},{index}"))
    with caplog.at_level(logging.INFO):
        (reply,) = Person(router, user="cme-officer").say(f"/cme case {reference}")
    assert reply.kind is ReplyKind.ERROR and "data keys" in reply.text and "tell whoever runs the bot" in reply.text
    assert "'test1' is missing" in caplog.text and "Zephyrine" not in caplog.text + reply.text
    with Session(engine) as session:  # the viewing was not recorded half-way
        assert session.exec(select(func.count()).select_from(AuditEvent)).one() == before
