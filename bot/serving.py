"""Run the aiohttp app until SIGTERM or SIGINT, draining connections the kernel has already accepted.

aiohttp's own runner closes the listener and then, one loop turn later, every connection that has not yet
had its request read. Under load that drops requests a proxy has already handed over (nginx logs "upstream
prematurely closed connection" and answers 502, and it rightly does not re-send a POST). So: stop
listening, give the connections already accepted a short grace to deliver and finish their requests, then
clean up as usual (the app's shutdown and cleanup hooks: pending Slack work, the scheduler).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from aiohttp import web

DRAIN_SECONDS = 1.5  # long enough for a loaded replica to read what it accepted; short beside a 10 s stop timeout
SHUTDOWN_TIMEOUT = 20.0  # requests still running after the drain get this long (compose allows 30 s)


async def serve(app: web.Application, *, host: str, port: int, say: Callable[[str], None]) -> None:
    """Serve `app` on host:port until a stop signal, then stop listening, drain, and shut down."""
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT, keepalive_timeout=75.0)
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
