"""POST /slack/events behind the edge: size and type checked, the signature verified on the raw bytes, then parsed.

Slack signs `v0:{timestamp}:{body}` with the signing secret (HMAC-SHA256, api.slack.com/authentication/
verifying-requests-from-slack); a timestamp more than five minutes from now is a replay and refused.
Only a request that passes reaches bolt's parser, and a body bolt cannot read, or of a shape the app
does not read (bot/slack/shapes.py), is a 400, not a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.edge import SLACK_MAX_BODY, Refused, media_type, read_body, refusal
from bot.slack.priority import AcksFirst
from bot.slack.shapes import Verdict, verdict

log = logging.getLogger(__name__)
MAX_SKEW_SECONDS = 5 * 60
STAMP_DIGITS = 12  # seconds since 1970 have 10 digits until the year 2286; a longer "number" is not a time
MEDIA_TYPES = frozenset({"application/x-www-form-urlencoded", "application/json"})


def verify(secret: bytes, headers, body: bytes, *, now: float) -> None:
    """Raise Refused(401) unless the request carries Slack's signature of these bytes, made in the last 5 minutes."""
    stamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not stamp or not signature:
        raise Refused(401, "missing Slack signature")
    if (
        not (stamp.isascii() and stamp.isdigit() and len(stamp) <= STAMP_DIGITS)
        or abs(now - int(stamp)) > MAX_SKEW_SECONDS
    ):
        raise Refused(401, "stale or invalid Slack timestamp")
    expected = "v0=" + hmac.new(secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Refused(401, "invalid Slack signature")


async def checked_request(
    request: web.Request, secret: bytes, *, clock: Callable[[], float]
) -> tuple[AsyncBoltRequest, Verdict]:
    """The bolt request for a size-, type- and signature-checked body and what to do with it; Refused otherwise."""
    if media_type(request) not in MEDIA_TYPES:
        raise Refused(415, "expected application/x-www-form-urlencoded or application/json")
    body = await read_body(request, SLACK_MAX_BODY)
    verify(secret, request.headers, body, now=clock())
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    try:
        bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=request.headers)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        raise Refused(400, f"unreadable Slack payload ({type(exc).__name__})") from None
    if not isinstance(bolt_request.body, dict) or not bolt_request.body:
        raise Refused(400, "empty or non-object Slack payload")
    said = verdict(bolt_request.body)
    if said.problem:
        raise Refused(400, f"malformed Slack payload ({said.problem})")
    return bolt_request, said


def events_handler(
    bolt: AsyncApp, secret: str, *, clock: Callable[[], float] = time.time, acks: AcksFirst | None = None
):
    """The aiohttp handler for POST /slack/events; `acks` counts the requests being answered."""
    key = secret.encode()
    acks = acks or AcksFirst()

    async def events(request: web.Request) -> web.Response:
        try:
            bolt_request, said = await checked_request(request, key, clock=clock)
        except Refused as refused:
            return refusal(refused.status, refused.reason, channel="Slack")
        if said.drop:  # well formed, but nothing the app acts on: a 2xx keeps Slack from retrying or disabling events
            log.info("Slack request acknowledged and dropped: %s", said.drop)
            return web.Response(status=200)
        with acks.acking_one():  # counted once signed: a slow or forged request holds back no one's work
            return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    return events
