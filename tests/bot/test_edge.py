"""A corpus of malformed requests over real HTTP to create_app with Slack and Teams: every one a 4xx, no traceback.

Slack's signature is checked on the raw bytes before the body is parsed, and Teams' token before the
activity is deserialised, so an unsigned or forged body never reaches a parser.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import urllib.parse

import jwt
import pytest

from tests.bot.slack.slack_driver import SECRET, running, signed_headers

APP_ID = "11111111-2222-3333-4444-555555555555"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
NESTED = "[" * 100_000 + "]" * 100_000
NOT_UTF8 = b"command=%2Fcme&text=" + b"\xff\xfe\xfa"


def command(**fields) -> str:
    base = {"command": "/cme", "text": "help", "user_id": "U0REPORTER", "team_id": "T0COUNCIL", "trigger_id": "1.2"}
    return urllib.parse.urlencode({**base, **fields})


def payload(value) -> str:
    return urllib.parse.urlencode({"payload": value if isinstance(value, str) else json.dumps(value)})


# (name, body, content type, how it is signed: "ok" / None (unsigned) / a dict of signed_headers overrides)
SLACK_CORPUS = [
    ("empty body", "", FORM, "ok"),
    ("empty JSON body", "", JSON, "ok"),
    ("no content type", command(), None, "ok"),
    ("text/plain", command(), "text/plain", "ok"),
    ("multipart", command(), "multipart/form-data; boundary=x", "ok"),
    ("truncated JSON", '{"type": "event_callback", "event": {"type": "mess', JSON, "ok"),
    ("JSON array", "[1, 2, 3]", JSON, "ok"),
    ("JSON string", '"hello"', JSON, "ok"),
    ("JSON null", "null", JSON, "ok"),
    ("deeply nested JSON", NESTED, JSON, "ok"),
    ("deeply nested payload", payload(NESTED), FORM, "ok"),
    ("payload not JSON", payload("{not json"), FORM, "ok"),
    ("invalid form encoding", "payload=%7B%ZZ%", FORM, "ok"),
    ("payload a list", payload([1, 2]), FORM, "ok"),
    ("huge body", "a=" + "x" * 600_000, FORM, "ok"),
    ("event is a string", json.dumps({"type": "event_callback", "event": "message"}), JSON, "ok"),
    ("type is a number", json.dumps({"type": 5, "event": {}}), JSON, "ok"),
    ("actions a string", payload({"type": "block_actions", "actions": "x", "user": 5, "team": "T"}), FORM, "ok"),
    ("view is null", payload({"type": "view_submission", "view": None, "user": {"id": "U1"}}), FORM, "ok"),
    ("unknown payload type", payload({"type": "frobnicate", "user": {"id": "U1"}}), FORM, "ok"),
    ("form with no command", "a=b&c=d", FORM, "ok"),
    ("unsigned command", command(), FORM, None),
    ("unsigned interaction", payload({"type": "block_actions", "actions": []}), FORM, None),
    ("wrong secret", command(), FORM, {"secret": "not-the-secret"}),
    ("stale timestamp", command(), FORM, {"skew": -6 * 60}),
    ("future timestamp", command(), FORM, {"skew": 6 * 60}),
    ("timestamp not a number", command(), FORM, {"headers": {"X-Slack-Request-Timestamp": "yesterday"}}),
    ("signature not hex", command(), FORM, {"headers": {"X-Slack-Signature": "v0=zz"}}),
    ("signature non-ASCII", command(), FORM, {"headers": {"X-Slack-Signature": "v0=é"}}),
    ("no timestamp", command(), FORM, {"drop": "X-Slack-Request-Timestamp"}),
    ("signed, then changed", command(), FORM, {"tamper": True}),
]


async def send_slack(client, body, content_type, sign):
    raw = body if isinstance(body, bytes) else body.encode()
    headers = {}
    if sign is not None:
        options = sign if isinstance(sign, dict) else {}
        signing = {k: v for k, v in options.items() if k == "secret"}
        if "skew" in options:  # reckoned when sent: a stamp fixed at import drifts into the window in a long run
            signing["timestamp"] = int(time.time()) + options["skew"]
        headers = signed_headers(raw.decode("utf-8", "replace"), content_type or FORM, **signing)
        if b"\xff" in raw:  # slack_sdk signs text; a body that is not UTF-8 is signed over its bytes, as Slack would
            stamp = headers["X-Slack-Request-Timestamp"].encode()
            digest = hmac.new(SECRET.encode(), b"v0:" + stamp + b":" + raw, hashlib.sha256).hexdigest()
            headers["X-Slack-Signature"] = "v0=" + digest
        headers.update(options.get("headers", {}))
        headers.pop(options.get("drop", ""), None)
        if options.get("tamper"):
            raw = raw.replace(b"help", b"report")
    if content_type is None:
        headers.pop("Content-Type", None)
    else:
        headers["Content-Type"] = content_type
    async with client.post("/slack/events", data=raw, headers=headers) as response:
        return response.status, await response.text()


def forged_token(issuer: str = "https://api.botframework.com") -> str:
    claims = {"iss": issuer, "aud": APP_ID, "exp": int(time.time()) + 600, "serviceurl": "http://127.0.0.1:9/"}
    return jwt.encode(claims, "attacker", algorithm="HS256", headers={"kid": "forged"})


def activity(**changes) -> dict:
    base = {
        "type": "message",
        "id": "1",
        "channelId": "msteams",
        "serviceUrl": "http://127.0.0.1:9/",
        "from": {"id": "29:officer", "aadObjectId": "officer"},
        "conversation": {"id": "a:1", "conversationType": "personal"},
        "recipient": {"id": "28:bot"},
        "text": "cases",
    }
    return {**base, **changes}


def teams_corpus() -> list[tuple[str, bytes, str | None, dict]]:
    bearer = {"Authorization": f"Bearer {forged_token('https://attacker.example')}"}
    good_json = json.dumps(activity()).encode()
    return [
        ("no token", good_json, JSON, {}),
        ("garbage token", good_json, JSON, {"Authorization": "Bearer garbage"}),
        ("empty bearer", good_json, JSON, {"Authorization": "Bearer "}),
        ("basic auth", good_json, JSON, {"Authorization": "Basic dXNlcjpwYXNz"}),
        ("token with a forged issuer", good_json, JSON, bearer),
        ("token of three dots", good_json, JSON, {"Authorization": "Bearer a.b.c"}),
        ("wrong content type", good_json, "text/plain", bearer),
        ("no content type", good_json, None, bearer),
        ("empty body", b"", JSON, bearer),
        ("truncated JSON", good_json[:40], JSON, bearer),
        ("deeply nested JSON", NESTED.encode(), JSON, bearer),
        ("non-UTF-8", b'{"type": "message", "text": "\xff\xfe"}', JSON, bearer),
        ("JSON array", b"[]", JSON, bearer),
        ("huge body", json.dumps(activity(text="x" * 300_000)).encode(), JSON, bearer),
        ("unknown activity type", json.dumps(activity(type="frobnicate")).encode(), JSON, bearer),
        ("no type", json.dumps({"text": "hi"}).encode(), JSON, bearer),
        ("serviceUrl a number", json.dumps(activity(serviceUrl=5)).encode(), JSON, bearer),
        ("channelId missing", json.dumps({**activity(), "channelId": None}).encode(), JSON, bearer),
    ]


def assert_no_traceback(caplog) -> None:
    for record in caplog.records:
        assert record.exc_info is None and record.exc_text is None, record.getMessage()
        assert "Traceback" not in record.getMessage()
        assert record.levelno < logging.CRITICAL


def test_every_malformed_request_gets_a_4xx_without_a_traceback(db_url, caplog):
    caplog.set_level(logging.DEBUG)

    async def scenario():
        async with running(db_url, microsoft_app_id=APP_ID, microsoft_app_password="secret") as slack:
            client = slack.client
            for name, body, content_type, sign in SLACK_CORPUS:
                status, text = await send_slack(client, body, content_type, sign)
                assert 400 <= status < 500, (name, status)
                assert "Traceback" not in text and "help" not in text, name
            assert (await send_slack(client, NOT_UTF8, FORM, "ok"))[0] == 400
            for name, body, content_type, headers in teams_corpus():
                headers = dict(headers)
                if content_type is not None:
                    headers["Content-Type"] = content_type
                async with client.post("/api/messages", data=body, headers=headers) as response:
                    assert 400 <= response.status < 500, (name, response.status)
                    assert "Traceback" not in await response.text(), name
            # good requests still work: a signed /cme help is acked and answered
            status, _ = await slack.user("U0REPORTER").command("help")
            assert status == 200
            await slack.fake.wait_for_responses(1)
            assert slack.fake.of("views.open") == [] and slack.fake.of("chat.postMessage") == []

    asyncio.run(scenario())
    assert_no_traceback(caplog)
    assert any("invalid Slack signature" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("secret", [SECRET])
def test_slack_signature_is_checked_before_the_body_is_parsed(db_url, secret, caplog):
    async def scenario():
        async with running(db_url) as slack:
            # An unsigned body that would blow up any parser is refused on its signature alone.
            status, text = await send_slack(slack.client, NESTED, JSON, None)
            assert (status, json.loads(text)) == (401, {"error": "missing Slack signature"})

    asyncio.run(scenario())
    assert_no_traceback(caplog)
