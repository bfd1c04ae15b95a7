"""The edge: what every channel endpoint does with a request before any SDK sees it.

Bodies are read with a size limit and a deadline, and every refusal is a short JSON 4xx that names the
problem and never quotes the request (it may carry a child's details) nor carries a traceback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging

from aiohttp import web
from pydantic import ValidationError

log = logging.getLogger(__name__)
# Slack's largest payloads (a modal's view_submission) are tens of KB; a Teams activity is at most
# 256 KB (Bot Framework's limit). Anything bigger is refused before it is parsed.
SLACK_MAX_BODY = 512 * 1024
TEAMS_MAX_BODY = 256 * 1024
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP", "Via")
# The whole body within this many seconds (nginx's client_body_timeout is 10 s between two reads; this is
# for all of it). Slack's and Teams' bodies arrive in one or two packets; a client that trickles a byte at a
# time holds a connection and a task until it is cut off here.
BODY_SECONDS = 10.0
# Refusals after which the rest of the request is not worth reading: the connection is closed.
CLOSE_AFTER = frozenset({408, 413})


class Refused(Exception):
    """A request the edge refuses: its status and a short reason safe to show and log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def shape_problem(exc: ValidationError, names: frozenset[str], *, what: str, platform: str) -> str:
    """A payload's first problem in words: 'actions.0.action_id is missing', '... is not as Slack sends it (...)'.

    Only the models' own field names and positions are named; any other key (a block id, whatever a
    forged payload holds) is '*'. Never 'field: ...': the log's redaction drops whatever follows 'value:'.
    """
    first = exc.errors(include_url=False, include_input=False, include_context=False)[0]
    where = ".".join(str(part) if isinstance(part, int) or part in names else "*" for part in first["loc"]) or what
    if first["type"] == "missing":
        return f"{where} is missing"
    return f"{where} is not as {platform} sends it ({first['type']})"


def refusal(status: int, reason: str, *, channel: str) -> web.Response:
    """The 4xx answer, logged as one line with the reason only."""
    log.warning("%s request refused (%d): %s", channel, status, reason)
    response = web.json_response({"error": reason}, status=status)
    if status in CLOSE_AFTER:
        response.force_close()
    return response


async def read_body(request: web.Request, limit: int, *, seconds: float | None = None) -> bytes:
    """The raw body, at most `limit` bytes, all of it within `seconds` (BODY_SECONDS); Refused otherwise.

    413 when it says or turns out to be larger, 408 when it is too slow, 400 when its encoding is broken
    (a bad chunk, a gzip body that isn't) or the client went away before sending it all.
    """
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, f"body larger than {limit} bytes")
    seconds = BODY_SECONDS if seconds is None else seconds
    body = bytearray()
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > limit:
                    raise Refused(413, f"body larger than {limit} bytes")
    except TimeoutError:
        raise Refused(408, f"the body did not arrive within {seconds:g} s") from None
    except web.RequestPayloadError:
        raise Refused(400, "the body's transfer or content encoding is broken") from None
    except ConnectionError:  # the client closed the connection mid-body: nobody will read the answer
        raise Refused(400, "the connection closed before the whole body arrived") from None
    return bytes(body)


def media_type(request: web.Request) -> str:
    """The Content-Type without its parameters, lower-cased ('' when absent)."""
    return request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def is_loopback_host(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: a listen address nobody else can reach."""
    return _is_loopback(host)


def from_loopback_only(request: web.Request) -> bool:
    """True when the connection arrived on a loopback address from a loopback peer, not through a proxy.

    Used where the server may run without authentication (the Agents Playground): a server listening on
    every interface, or a local reverse proxy passing on outside requests, must not count as local.
    """
    transport = request.transport
    if transport is None:
        return False
    local = transport.get_extra_info("sockname")
    peer = transport.get_extra_info("peername")
    if not (local and peer and _is_loopback(local[0]) and _is_loopback(peer[0])):
        return False
    return not any(name in request.headers for name in FORWARDING_HEADERS)
