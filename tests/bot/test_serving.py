"""serve's stop: on SIGTERM it stops listening but still answers a request on a connection it had accepted."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time

import pytest
from aiohttp import web

from bot import edge
from bot.serving import SERVER_LIMITS, serve
from tests.bot.live_server import LiveServer, server_log
from tests.bot.proxy import free_port


async def _hello(request: web.Request) -> web.Response:
    return web.Response(text="answered")


async def _stop_with_a_request_still_to_come(port: int) -> tuple[bytes, bool]:
    app = web.Application()
    app.router.add_get("/", _hello)
    server = asyncio.create_task(serve(app, host="127.0.0.1", port=port, say=lambda _msg: None))
    for _ in range(200):  # until it listens
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            break
        except OSError:
            await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)  # accepted, nothing sent yet: what a proxy's connection looks like mid-hand-over
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.sleep(0.3)
    try:
        await asyncio.open_connection("127.0.0.1", port)
        refused = False
    except OSError:
        refused = True
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    await server
    return answer, refused


def test_sigterm_refuses_new_connections_but_answers_one_already_accepted():
    answer, refused = asyncio.run(_stop_with_a_request_still_to_come(free_port()))
    assert refused, "a stopping server must refuse new connections so the proxy tries the other replica"
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"answered")


# ---- a server facing the internet without a proxy: slow clients and big headers ------------------------------------

SLOW_CLIENTS = 20
TRICKLE = 0.2  # seconds between two bytes


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    """A migrated SQLite database (these tests never reach the database: one backend is enough)."""
    path = tmp_path / "cme.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


async def _trickle(port: int, head: bytes, *, limit: float) -> tuple[bytes, float]:
    """Send `head`, then a byte every TRICKLE s until the server answers or closes; (what came back, seconds)."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answer = b""
    try:
        writer.write(head)
        while time.monotonic() - started < limit:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), TRICKLE)
            except TimeoutError:
                writer.write(b"a")
                continue
            answer += chunk
            if not chunk:  # closed by the server
                break
    except ConnectionError:
        pass
    finally:
        writer.close()
    return answer, time.monotonic() - started


def _post(path: str, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def test_slow_bodies_get_408_and_are_closed_in_bounded_time(sqlite_url, monkeypatch):
    monkeypatch.setattr(edge, "BODY_SECONDS", 1.0)

    async def clients(port: int):
        heads = [_post("/slack/events", 1000), _post("/api/messages", 1000)] * (SLOW_CLIENTS // 2)
        return await asyncio.gather(*(_trickle(port, head, limit=15) for head in heads))

    with server_log() as log, LiveServer(sqlite_url) as server:
        answers = asyncio.run(clients(server.port))
        assert server.request("GET", "/healthz").status == 200  # still serving
    for answer, seconds in answers:
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        # answered at 1 s, then closed once the 2 s of lingering for the rest of the body run out
        assert b"Connection: close" in answer and seconds < 1.0 + SERVER_LIMITS["lingering_time"] + 2.0
    assert "Traceback" not in log.getvalue() and '" 500 ' not in log.getvalue()
    assert log.getvalue().count("the body did not arrive within 1 s") == SLOW_CLIENTS


def test_a_client_that_gives_up_mid_body_leaves_one_line_and_no_500(sqlite_url):
    async def give_up(port: int, path: str) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(_post(path, 1000) + b'{"type": "mess')
        await writer.drain()
        await asyncio.sleep(0.3)
        writer.close()  # mid-body, as a client that timed out does
        await asyncio.sleep(0.3)

    with server_log() as log, LiveServer(sqlite_url) as server:
        asyncio.run(give_up(server.port, "/slack/events"))
        asyncio.run(give_up(server.port, "/api/messages"))
        assert server.request("GET", "/healthz").status == 200
    text = log.getvalue()
    assert "Traceback" not in text and '" 500 ' not in text and " ERROR " not in text
    assert text.count("the connection closed before the whole body arrived") == 2


def test_slow_headers_are_closed_when_the_keep_alive_time_runs_out(sqlite_url):
    async def clients(port: int):
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
        return await asyncio.gather(*(_trickle(port, head, limit=15) for _ in range(SLOW_CLIENTS)))

    with server_log() as log, LiveServer(sqlite_url, server={"keepalive_timeout": 1.5}) as server:
        answers = asyncio.run(clients(server.port))
        assert server.request("GET", "/healthz").status == 200
    assert all(answer == b"" and seconds < 1.5 + 3.0 for answer, seconds in answers), answers
    assert "Traceback" not in log.getvalue()


def test_header_limits_hold_without_a_proxy(sqlite_url):
    with server_log() as log, LiveServer(sqlite_url) as server:
        assert server.request("GET", "/healthz", headers=[("X-Big", "a" * 8000)]).status == 200
        assert server.request("GET", "/healthz", headers=[("X-Big", "a" * 9000)]).status == 400
        many = [(f"X-H{i}", "v") for i in range(90)]
        assert server.request("GET", "/healthz", headers=many).status == 200
        assert server.request("GET", "/healthz", headers=many * 2).status == 400
        assert server.request("GET", "/healthz?" + "q" * 9000).status == 400
    assert "Traceback" not in log.getvalue()
    assert log.getvalue().count("malformed HTTP request refused (400") == 3
