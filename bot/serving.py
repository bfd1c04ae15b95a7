"""Run the aiohttp app until SIGTERM or SIGINT, draining connections the kernel has already accepted.

aiohttp's own runner closes the listener and then, one loop turn later, every connection that has not yet
had its request read. Under load that drops requests a proxy has already handed over (nginx logs "upstream
prematurely closed connection" and answers 502, and it rightly does not re-send a POST). So: stop
listening, give the connections already accepted a short grace to deliver and finish their requests, then
clean up as usual (the app's shutdown and cleanup hooks: pending Slack work, the scheduler).

The server may face the internet without a proxy, so it sets its own limits (SERVER_LIMITS) as
deploy/nginx.conf does: a request line and each header at most 8 KB, at most 100 headers, and a
connection that has sent no complete request (a slow-headers client) closed after the keep-alive time.
A slow body is cut off where the body is read (bot/edge.py: read_body).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

DRAIN_SECONDS = 1.5  # long enough for a loaded replica to read what it accepted; short beside a 10 s stop timeout
SHUTDOWN_TIMEOUT = 20.0  # requests still running after the drain get this long (compose allows 30 s)
# Longer than nginx's upstream keep-alive (60 s), so nginx never reuses a connection this side has just closed.
# aiohttp starts this timer when a connection opens and again after each answer, and does not restart it as
# bytes arrive: a client sending its headers a byte at a time is closed when it runs out, like an idle one.
KEEPALIVE_SECONDS = 75.0
SERVER_LIMITS: dict[str, Any] = {
    "max_line_size": 8190,  # the request line (method, path, query): nginx's large_client_header_buffers is 8k
    "max_field_size": 8190,  # one header; a Teams bearer token is about 1.5 KB
    "max_headers": 100,  # Slack and Teams send about 15; a proxy adds a few
    # Seconds spent reading and dropping the rest of a body after an early answer (a 408, a 413), so the client
    # reads the answer before the connection closes: enough for a body already on its way, not for a trickle.
    "lingering_time": 2.0,
}


class ProtocolLog(logging.LoggerAdapter):
    """aiohttp's connection logger, with a client's fault logged as one line, not a traceback at ERROR.

    aiohttp answers a request that is not valid HTTP (a header too long, a bad request line, a broken chunk)
    400 itself, and meets a body it can't decode or a client that went away while it reads or writes; it
    logs each with the exception's traceback. None of them is a fault of the server's.
    """

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        """As Logger.log, except a client's fault becomes a warning naming the error's type."""
        exc = kwargs.get("exc_info")
        if isinstance(exc, HttpProcessingError):
            self.logger.warning("malformed HTTP request refused (%d %s)", exc.code or 400, type(exc).__name__)
        elif isinstance(exc, web.RequestPayloadError):
            self.logger.warning("request body could not be read (%s)", type(exc).__name__)
        elif isinstance(exc, ConnectionError):
            self.logger.info("the client went away before the answer was sent (%s)", type(exc).__name__)
        else:
            super().log(level, msg, *args, **kwargs)


def server_settings(**overrides: Any) -> dict[str, Any]:
    """The aiohttp runner settings `cme-bot serve` uses (tests start their servers with the same)."""
    return {
        "keepalive_timeout": KEEPALIVE_SECONDS,
        "logger": ProtocolLog(logging.getLogger("aiohttp.server"), {}),
        **SERVER_LIMITS,
        **overrides,
    }


async def serve(app: web.Application, *, host: str, port: int, say: Callable[[str], None], **settings: Any) -> None:
    """Serve `app` on host:port until a stop signal, then stop listening, drain, and shut down."""
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT, **server_settings(**settings))
    await runner.setup()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        say(f"======== Running on http://{host}:{port} ========\n(Press CTRL+C to quit)")
        await stopping.wait()
        await site.stop()  # new connections are refused, so the proxy sends them to another replica
        await asyncio.sleep(DRAIN_SECONDS)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await runner.cleanup()


def run(app: web.Application, *, host: str, port: int, say: Callable[[str], None]) -> None:
    """Block serving `app` until stopped (what `cme-bot serve` runs)."""
    asyncio.run(serve(app, host=host, port=port, say=say))
