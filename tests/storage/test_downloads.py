"""One-off download links on SQLite and PostgreSQL: served once, never after expiry, the token never stored."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from storage.downloads import offer_download, peek_download, release_download, take_download, token_hash
from storage.notices import Download

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
QUARTER = dt.timedelta(minutes=15)


def _offer(session: Session, at: dt.datetime = NOW) -> str:
    return offer_download(
        session,
        owner="teams:t:o",
        filename="a.csv",
        content_type="text/csv",
        content=b"x,y\n",
        now=at,
        lifetime=QUARTER,
    )


def test_a_link_is_served_once_and_only_its_hash_is_kept(engine):
    with Session(engine) as session:
        token = _offer(session)
        session.commit()
        [row] = session.exec(select(Download)).all()
        assert row.token_hash == token_hash(token) != token
        first = take_download(session, token=token, now=NOW + dt.timedelta(minutes=1))
        session.commit()
        assert (first.filename, first.content, first.owner) == ("a.csv", b"x,y\n", "teams:t:o")
        assert take_download(session, token=token, now=NOW + dt.timedelta(minutes=2)) is None
        assert take_download(session, token=token + "x", now=NOW) is None
        session.commit()
        [row] = session.exec(select(Download)).all()
        assert row.content == b"" and row.used_at is not None


def test_an_expired_link_is_refused_and_deleted(engine):
    with Session(engine) as session:
        token = _offer(session)
        session.commit()
        assert take_download(session, token=token, now=NOW + QUARTER) is None
        session.commit()
        assert session.exec(select(Download)).all() == []


def test_two_sessions_claiming_the_same_link_get_it_once(engine):
    with Session(engine) as session:
        token = _offer(session)
        session.commit()
    with Session(engine) as one, Session(engine) as two:
        first = take_download(one, token=token, now=NOW)
        one.commit()
        second = take_download(two, token=token, now=NOW)
        two.commit()
    assert (first is not None, second) == (True, None)


def test_a_look_at_a_link_does_not_use_it(engine):
    with Session(engine) as session:
        token = _offer(session)
        session.commit()
        for _ in range(3):  # a link preview, a safe-link scanner, the browser's HEAD
            seen = peek_download(session, token=token, now=NOW + dt.timedelta(minutes=1))
            assert (seen.filename, bytes(seen.content)) == ("a.csv", b"x,y\n")
        assert take_download(session, token=token, now=NOW + dt.timedelta(minutes=2)) is not None
        session.commit()
        assert peek_download(session, token=token, now=NOW + dt.timedelta(minutes=3)) is None
        assert peek_download(session, token="unknown", now=NOW) is None


def test_a_claim_whose_file_was_never_sent_is_given_back_once(engine):
    with Session(engine) as session:
        token = _offer(session)
        session.commit()
        served = take_download(session, token=token, now=NOW + dt.timedelta(minutes=1))
        session.commit()
        assert release_download(session, served=served)
        session.commit()
        again = take_download(session, token=token, now=NOW + dt.timedelta(minutes=2))
        session.commit()
        assert again.content == b"x,y\n"  # the bytes came back with the claim
        assert not release_download(session, served=served)  # an old claim can't undo the new one
        session.commit()
        assert take_download(session, token=token, now=NOW + dt.timedelta(minutes=3)) is None
