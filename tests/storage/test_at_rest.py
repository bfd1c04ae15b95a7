"""Issue 13: a child's details are encrypted at rest. After a referral naming Zephyrine Quackenbush at 77
Unlikely Lane, neither the raw SQLite file (WAL checkpointed) nor a pg_dump holds her name or address in any
case, the officer still sees both in /cme case, and /cme find still finds her by name, typo, part of a name,
date of birth, postcode and UPN (through blind indexes)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess

import sqlalchemy as sa

from storage.db import unit_of_work
from storage.downloads import offer_download, take_download
from tests.support import CALM_REFERRAL, Person

HOUR = dt.timedelta(hours=1)

SECRETS = ("zephyrine", "quackenbush", "unlikely lane", "orla", "a123456789012", "bl9 0ej", "bl90ej", "2014-05-02")
REFERRAL = dict(
    CALM_REFERRAL,
    child_surname="Quackenbush",
    child_address="77 Unlikely Lane, Bury",
    child_postcode="BL9 0EJ",
    child_upn="A123456789012",
    parent_names="Orla Quackenbush",
)


def _raise(router) -> str:
    alice = Person(router, user="alice")
    alice.say("/cme report")
    alice.fill(REFERRAL)
    return alice.say("submit")[-1].data["reference"]


def _raw_bytes(engine) -> bytes:
    """Every byte the database holds: the SQLite file after a WAL checkpoint, or a plain pg_dump."""
    url = engine.url
    engine.dispose()
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with open(url.database, "rb") as handle:
            return handle.read()
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(["pg_dump", "--no-owner", plain], check=True, capture_output=True, timeout=60).stdout


def test_the_database_holds_no_plain_child_details_and_the_officer_still_sees_them(router, engine):
    reference = _raise(router)
    officer = Person(router, user="cme-officer")
    officer.say(f"/cme note {reference} Zephyrine Quackenbush seen at 77 Unlikely Lane by a neighbour")
    shown = str([(reply.title, reply.text, reply.facts) for reply in officer.say(f"/cme case {reference}")])
    assert "Zephyrine" in shown and "Quackenbush" in shown and "77 Unlikely Lane" in shown
    assert "seen at 77 Unlikely Lane by a neighbour" in shown  # the officer's note, decrypted for the officer
    raw = _raw_bytes(engine).lower()
    assert raw, "nothing read"
    leaked = [secret for secret in SECRETS if secret.encode() in raw]
    assert leaked == []
    assert b"enc:v1:test1:" in raw  # and the details are there, encrypted


def test_find_still_finds_her_through_blind_indexes(router):
    reference = _raise(router)
    officer = Person(router, user="cme-officer")
    for typed in ("Zephyrine Quackenbush", "quack", "Quakcenbush", "Zephyrine Quakenbush", "2/5/2014", "BL90EJ"):
        found = officer.say(f"/cme find {typed}")
        assert reference in str([(r.text, r.facts) for r in found]), typed
    assert reference in str([(r.text, r.facts) for r in officer.say("/cme find A123456789012")])
    nothing = str([(r.text, r.facts) for r in officer.say("/cme find Quillfeather")])
    assert reference not in nothing


def test_the_search_keys_are_keyed_hashes_not_names(router, engine):
    _raise(router)
    with engine.connect() as connection:
        keys = [key for (key,) in connection.execute(sa.text("SELECT key FROM child_key"))]
        child = connection.execute(sa.text("SELECT forenames, dob, upn_bidx FROM child")).one()
    assert keys and all(len(key) == 64 and int(key, 16) >= 0 for key in keys)
    assert child.forenames.startswith("enc:v1:test1:") and str(child.dob).startswith("enc:v1:")
    assert len(child.upn_bidx) == 64


def test_an_export_waiting_for_its_download_is_encrypted_too(engine):
    now = dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC)
    csv = b"reference,name,address\nCME-2026-0001,Zephyrine Quackenbush,77 Unlikely Lane\n"
    with unit_of_work(engine) as session:
        token = offer_download(
            session, owner="o", filename="x.csv", content_type="text/csv", content=csv, now=now, lifetime=HOUR
        )
    with engine.connect() as connection:
        raw = bytes(connection.execute(sa.text("SELECT content FROM download")).scalar_one())
    assert raw.startswith(b"enc:v1:test1:") and b"Quackenbush" not in raw
    with unit_of_work(engine) as session:
        assert take_download(session, token=token, now=now).content == csv
