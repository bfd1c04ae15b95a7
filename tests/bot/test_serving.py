"""serve's stop: on SIGTERM it stops listening but still answers a request on a connection it had accepted."""

from __future__ import annotations

import asyncio
import os
import signal

from aiohttp import web

from bot.serving import serve
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
