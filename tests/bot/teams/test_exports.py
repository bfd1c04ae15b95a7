"""/cme export and /cme stats in Teams: a one-off download link in the personal chat (served once, then 410),
refused in a channel or group chat; the download is audited."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import socket
import struct

from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.teams.downloads import GONE, IN_CHANNEL, LIFETIME, NO_ADDRESS
from storage.db import unit_of_work
from storage.downloads import offer_download
from storage.models import AuditEvent, Case
from storage.notices import Download
from tests.bot.teams.harness import OFFICER, OFFICERS_CHANNEL, SAM, run, running

PUBLIC = "https://cme-bot.council.example"


class Clock:
    """A clock the test moves on (the links expire)."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _case(engine) -> None:
    with Session(engine) as session:
        created = dt.datetime(2026, 10, 5, 9, tzinfo=dt.UTC)
        session.add(
            Case(
                reference="CME-2026-0001", year=2026, seq=1, reporter_key="t", triage_outcome="cme", created_at=created
            )
        )
        session.commit()


def _link(sent) -> str:
    [url] = [
        action["url"]
        for s in sent
        for card in s.cards
        for action in card.get("actions", [])
        if action["type"] == "Action.OpenUrl"
    ]
    return url


async def _get(h, url: str):
    async with h.http.get(h.server.make_url(url.removeprefix(PUBLIC))) as response:
        return response.status, await response.read(), dict(response.headers)


async def downloads_once(db_url, profile) -> None:
    clock = Clock()
    async with running(db_url, profile, clock=clock, public_url=PUBLIC + "/") as h:
        _case(h.engine)
        sent = await h.say("/cme export cases 2026-09-01 2026-11-30 xlsx termly caseload review", who=OFFICER)
        assert [s.conversation_id for s in sent] == [OFFICER.personal_chat]
        url = _link(sent)
        assert url.startswith(PUBLIC + "/downloads/") and "works once, for 15 minutes" in sent[0].text
        status, body, headers = await _get(h, url)
        assert status == 200 and headers["Cache-Control"] == "no-store"
        assert 'filename="cme-cases-2026-09-01-to-2026-11-30.xlsx"' in headers["Content-Disposition"]
        rows = list(load_workbook(io.BytesIO(body))["Cases"].iter_rows(values_only=True))
        assert [row[0] for row in rows] == ["reference", "CME-2026-0001"]
        again = await _get(h, url)
        assert again[0] == 410 and again[1].decode() == GONE
        assert (await _get(h, PUBLIC + "/downloads/not-a-token"))[0] == 410
        with Session(h.engine) as session:
            [served] = session.exec(select(Download)).all()
        assert (served.content, served.used_at is not None, served.owner) == (b"", True, "teams:tenant-1:aad-officer")
        assert url.rsplit("/", 1)[1] not in served.token_hash  # the token itself is never stored
        chart = _link(await h.say("stats 2026-09 2026-11", who=OFFICER))
        clock.now += dt.timedelta(minutes=16)
        assert (await _get(h, chart))[0] == 410  # expired unseen
        with Session(h.engine) as session:
            stored = session.exec(select(Download)).all()
            actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
        assert stored == []  # expired links are deleted, bytes and all
        assert actions == ["cases.exported", "download.served", "report.stats"]


def test_a_download_link_works_once_then_410_and_expires(sqlite_url, teams_profile):
    run(downloads_once(sqlite_url, teams_profile))


async def refused_where_others_could_see(db_url, profile) -> None:
    async with running(db_url, profile, public_url=PUBLIC) as h:
        channel = {"conversation": {"conversationType": "channel", "id": f"{OFFICERS_CHANNEL};messageid=9"}}
        sent = await h.say("<at>CME bot</at> export cases termly caseload review", who=OFFICER, **channel)
        assert [s.text for s in sent] == [IN_CHANNEL] and sent[0].conversation_id.startswith(OFFICERS_CHANNEL)
        group = {"conversation": {"conversationType": "groupChat", "id": "19:group@thread.v2"}}
        assert [s.text for s in await h.say("stats", who=OFFICER, **group)] == [IN_CHANNEL]
        refused = await h.say("/cme export cases termly caseload review", who=SAM)
        assert "CME officer and their manager only" in refused[0].text and "OpenUrl" not in str(refused[0].cards)
        with Session(h.engine) as session:
            assert not session.exec(select(Download)).all()
            actions = [e.action for e in session.exec(select(AuditEvent)).all()]
        assert actions == ["permission.refused"]  # nothing exported where it could not be delivered privately


def test_exports_are_refused_in_a_channel_or_group_chat_and_for_a_reporter(sqlite_url, teams_profile):
    run(refused_where_others_could_see(sqlite_url, teams_profile))


async def no_public_address(db_url, profile) -> None:
    async with running(db_url, profile) as h:
        sent = await h.say("/cme stats", who=OFFICER)
        assert [s.text for s in sent] == [NO_ADDRESS]


def test_without_a_public_address_files_are_refused_with_what_to_set(sqlite_url, teams_profile):
    run(no_public_address(sqlite_url, teams_profile))


async def _head(h, url: str):
    async with h.http.head(h.server.make_url(url.removeprefix(PUBLIC))) as response:
        return response.status, await response.read(), dict(response.headers)


async def _get_and_vanish(h, url: str) -> bytes:
    """A client that asks for the file, reads the start of the answer and resets the connection (a tab closed)."""
    reader, writer = await asyncio.open_connection(h.server.host, h.server.port)
    writer.write(f"GET {url.removeprefix(PUBLIC)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    start = await reader.read(1024)
    writer.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()  # RST at once: the rest of the file never arrives
    for _ in range(100):  # until the server has noticed and given the link back
        if "download.not_delivered" in _actions(h.engine):
            break
        await asyncio.sleep(0.05)
    return start


def _actions(engine) -> list[str]:
    with Session(engine) as session:
        return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def _big_download(h) -> str:
    """A file bigger than the sockets' buffers, so the server is still sending it when the client leaves."""
    with unit_of_work(h.engine) as session:
        token = offer_download(
            session,
            owner=f"teams:tenant-1:{OFFICER.aad}",
            filename="cme-cases.csv",
            content_type="text/csv",
            content=b"reference\n" + b"CME-2026-0001\n" * 2_000_000,
            now=h.context.core.clock(),
            lifetime=LIFETIME,
        )
    return f"{PUBLIC}/downloads/{token}"


async def looks_do_not_use_the_link(db_url, profile) -> None:
    async with running(db_url, profile, public_url=PUBLIC) as h:
        url = _big_download(h)
        for _ in range(3):  # a link preview, a safe-link scanner, the browser's own HEAD
            status, body, headers = await _head(h, url)
            assert (status, body) == (200, b"") and headers["Cache-Control"] == "no-store"
            assert 'filename="cme-cases.csv"' in headers["Content-Disposition"]
            assert int(headers["Content-Length"]) == 28_000_010
        assert (await _get_and_vanish(h, url)).startswith(b"HTTP/1.1 200")  # the file started, never finished
        status, body, _ = await _get(h, url)
        assert status == 200 and len(body) == 28_000_010  # the officer's own click still works
        assert (await _get(h, url))[0] == 410 and (await _head(h, url))[0] == 410
        assert _actions(h.engine) == ["download.served", "download.not_delivered", "download.served"]


def test_head_and_an_abandoned_get_leave_the_one_off_link_working(db_url, teams_profile):
    run(looks_do_not_use_the_link(db_url, teams_profile))
