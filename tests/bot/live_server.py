"""`cme-bot serve` as a test can hold it: create_app with Slack and Teams, served with serve's own settings on a real
port, in a thread with its own event loop, beside the Slack Web API and Bot Connector stand-ins.

Tests talk to it over plain sockets (http.client, or raw bytes for what no HTTP client would send), so what
reaches the server is exactly what was written, and a synchronous test (hypothesis) can drive it.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.app import CONTEXT_KEY, create_app
from bot.logs import remove_redaction, setup_logging
from bot.serving import server_settings
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.slack_driver import settings_for
from tests.bot.teams.connector import Connector

START_TIMEOUT = 60.0
LIBRARIES = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "msrest", "aiohttp", "bot")


@contextmanager
def server_log() -> Iterator[io.StringIO]:
    """Everything logged, as `cme-bot serve` writes it (redacted), with the libraries at DEBUG."""
    stream = io.StringIO()
    handler = setup_logging("DEBUG", stream=stream, quiet_libraries=False)
    levels = {name: logging.getLogger(name).level for name in LIBRARIES}
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)  # statements and rows: volume, not the question here
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        remove_redaction()


@dataclass
class Answer:
    """What came back: the status and the body (status 0: the server closed the connection without answering)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class LiveServer:
    """Start with `with LiveServer(db_url, **settings) as server:`; `server.port`, `.fake`, `.connector`."""

    def __init__(self, db_url: str, *, server: dict[str, Any] | None = None, **overrides: Any) -> None:
        """`overrides` are Settings; `server` overrides serve's aiohttp settings (a shorter keep-alive)."""
        self.db_url, self.overrides, self.server_options = db_url, overrides, server or {}
        self.port = 0
        self.fake = FakeSlack()
        self.connector: Connector | None = None
        self.app: web.Application | None = None
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT) or self._failed is not None:
            raise RuntimeError(f"the server did not start ({type(self._failed).__name__})") from self._failed
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(START_TIMEOUT)

    @property
    def context(self):
        """The app's AppContext."""
        return self.app[CONTEXT_KEY]

    def call(self, coroutine) -> Any:
        """Run a coroutine on the server's loop and wait for its result (reading the stand-ins' records)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(START_TIMEOUT)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported by __enter__
            self._failed = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        await self.fake.start()
        self.connector = Connector()
        await self.connector.start()
        self.app = create_app(settings_for(self.db_url, self.fake.url, **self.overrides))
        runner = web.AppRunner(self.app, **server_settings(**self.server_options))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        await self.context.extras["jobs"].started()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()
            await self.connector.close()
            await self.fake.close()

    def request(
        self, method: str, path: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None
    ) -> Answer:
        """One request on its own connection; headers as a list, so a name may repeat."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            names = {name.lower() for name, _ in headers or []}
            for name, value in headers or []:  # what latin-1 can't carry goes as UTF-8 bytes
                connection.putheader(name, value if value.isascii() else value.encode("utf-8", "surrogatepass"))
            if "content-length" not in names and "transfer-encoding" not in names:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            return Answer(response.status, response.read(), dict(response.getheaders()))
        except (http.client.RemoteDisconnected, ConnectionError):
            return Answer(0)
        finally:
            connection.close()

    def raw(self, data: bytes, *, timeout: float = 30.0) -> Answer:
        """Bytes written as they are; the answer's status line read back (0 when the server just closed)."""
        import socket

        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            try:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
                received = b""
                while chunk := sock.recv(65536):
                    received += chunk
            except ConnectionError:
                return Answer(0)
        while True:  # an interim answer (100 Continue, sent or not as the race goes) is followed by the real one
            head, _, received = received.partition(b"\r\n\r\n")
            parts = head.split(b" ", 2)
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            if not 100 <= status < 200:
                return Answer(status, received)
            if not received:  # nothing after it: the server closed, as a client that sends no body deserves
                return Answer(0)
