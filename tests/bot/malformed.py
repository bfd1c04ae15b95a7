"""Malformed requests for every entry point of `cme-bot serve`: the corpus test_malformed_requests.py sends.

Four families:
- `protocol_probes`: bytes no HTTP client would send (bad request lines, oversized or repeated headers,
  broken chunking, bodies that lie about their length or encoding), sent raw;
- `route_probes`: every method on every route and a few paths that are not routes;
- `slack_probes` / `teams_probes`: well-formed requests whose payload is not (wrong content types, bad JSON
  or form encoding, deep nesting, huge bodies), and each real payload the app takes with each field
  in turn missing or of another type, signed (Slack) or with a valid token (Teams), so they pass the
  signature check and reach bolt's and botbuilder's readers.
Payloads carry a child's name and address (CANARY) in their free text: no log line may show them.
"""

from __future__ import annotations

import gzip
import itertools
import json
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.slack.ids import Action, Callback
from bot.teams.cards import FORM_KEY
from bot.teams.render import ACTION_KEY, VALUE_KEY
from handlers.messages import ActionId
from handlers.referral.form import FORM_ID
from tests.bot.slack.fake_slack import TEAM_ID
from tests.bot.slack.slack_driver import signed_headers

CANARY = ("Zephyrine", "Quackenbush", "Unlikely Lane")
CHILD = "Zephyrine Quackenbush, 77 Unlikely Lane"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
NESTED = "[" * 50_000 + "]" * 50_000
# A value of another type (or shape) for any field: each probe of a field uses the next one.
WRONG = [
    None,
    0,
    -1,
    2**80,
    1.5,
    True,
    "",
    "x" * 20_000,
    [],
    [{}],
    {},
    {"id": None},
    "\u0000",
    "\ud800",
    "\u202e" + CHILD,
]


@dataclass
class Probe:
    """One request: where, how, what; `raw` bytes are written as they are instead."""

    name: str
    method: str = "POST"
    path: str = "/slack/events"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    raw: bytes | None = None


# ---- Slack -------------------------------------------------------------------------------------------------------


def command(text: str = "help", respond: str = "http://127.0.0.1:9/respond/1", **fields: Any) -> dict[str, Any]:
    """A /cme command's form fields as Slack sends them."""
    return {
        "token": "legacy",
        "team_id": TEAM_ID,
        "team_domain": "council",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": "U0REPORTER",
        "user_name": "sam",
        "command": "/cme",
        "text": text,
        "api_app_id": "A0CMEBOT",
        "response_url": respond,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        **fields,
    }


def _view(callback: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": "V0PAGE",
        "type": "modal",
        "callback_id": callback,
        "hash": "1.abc",
        "private_metadata": json.dumps(metadata or {}),
        "blocks": [{"type": "input", "block_id": "child_forenames", "element": {"type": "plain_text_input"}}],
        "state": {"values": {"child_forenames": {Action.FIELD: {"type": "plain_text_input", "value": CHILD}}}},
    }


def interaction(kind: str, **extra: Any) -> dict[str, Any]:
    """An interaction payload of `kind` by the reporter."""
    who = {"id": "U0REPORTER", "username": "sam", "name": "sam", "team_id": TEAM_ID}
    team = {"id": TEAM_ID, "domain": "council"}
    return {"type": kind, "user": who, "team": team, "api_app_id": "A0CMEBOT", "token": "legacy", **extra}


def _button(action_id: str, value: str, **extra: Any) -> dict[str, Any]:
    action = {"action_id": action_id, "block_id": "b", "value": value, "type": "button", "action_ts": "1.2"}
    return interaction("block_actions", actions=[action], trigger_id="1.2.abc", container={"type": "message"}, **extra)


def _event(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": TEAM_ID,
        "api_app_id": "A0CMEBOT",
        "event": event,
        "type": "event_callback",
        "event_id": "Ev0000001",
        "event_time": 1,
        "authorizations": [{"team_id": TEAM_ID, "user_id": "U0BOT", "is_bot": True}],
    }


PAGE = {"f": FORM_ID, "s": "child", "d": "0" * 32, "p": [1, 3], "v": {"child_forenames": CHILD}}
# private_metadata only ever holds what the app wrote there, but a page that doesn't decode must not crash it.
METADATA = [
    {**PAGE, "f": "no-such-form"},
    {**PAGE, "s": "no-such-page"},
    {**PAGE, "p": [1]},
    {**PAGE, "p": ["a", 2]},
    {**PAGE, "v": [CHILD]},
    {**PAGE, "v": {"child_dob": [1, 2]}},
    {**PAGE, "d": None},
    [PAGE],
    "not JSON",
]


def slack_templates(respond: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each kind of payload the app takes, well formed: name -> (how it is sent: "form", "payload" or "json", body).

    `respond` is where a command's response_url points (the Web API stand-in).
    """
    return {
        "command": ("form", command(f"find {CHILD}", respond)),
        "report command": ("form", command("report", respond)),
        "quick reply": ("payload", _button(ActionId.SAY, CHILD, channel={"id": "D0REPORTER"})),
        "raise a concern": ("payload", _button(Action.START_REPORT, "report")),
        "field changed": ("payload", _button(Action.FIELD, "x", view=_view(Callback.PAGE, PAGE))),
        "page help": ("payload", _button(Action.PAGE_HELP, "help", view=_view(Callback.PAGE, PAGE))),
        "open case": ("payload", _button(ActionId.OPEN_CASE + ":1", "CME-2026-0001")),
        "page submitted": ("payload", interaction("view_submission", view=_view(Callback.PAGE, PAGE))),
        "signpost read": ("payload", interaction("view_submission", view=_view(Callback.SIGNPOST, PAGE))),
        "modal closed": ("payload", interaction("view_closed", view=_view(Callback.PAGE, PAGE), is_cleared=False)),
        "direct message": ("json", _event({"type": "message", "channel": "D0REPORTER", "channel_type": "im",
                                           "user": "U0REPORTER", "text": CHILD, "ts": "1.2"})),
        "home opened": ("json", _event({"type": "app_home_opened", "user": "U0REPORTER", "channel": "D0R",
                                        "tab": "home"})),
        "url check": ("json", {"token": "legacy", "challenge": "abc", "type": "url_verification"}),
    }  # fmt: skip


def encode_slack(how: str, body: Any) -> tuple[str, str]:
    """(content type, body text) for a template sent the way Slack sends that kind."""
    if how == "form":
        fields = body if isinstance(body, dict) else {"text": body}
        return FORM, form_body({k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()})
    if how == "payload":
        return FORM, form_body({"payload": json.dumps(body)})
    return JSON, json.dumps(body)


def form_body(fields: dict[str, str]) -> str:
    """Form-encoded fields (a lone surrogate kept, as percent-encoded bytes)."""
    return urllib.parse.urlencode(fields, errors="surrogatepass")


def signed(name: str, text: str | bytes, content_type: str, **sign: Any) -> Probe:
    """A POST /slack/events signed with the app's secret (or as `sign` says)."""
    body = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    headers = signed_headers(body.decode("utf-8", "replace"), content_type, **sign)
    if b"\xff" in body or "\ud800" in body.decode("utf-8", "surrogatepass"):
        headers = _sign_bytes(body, headers, **sign)
    return Probe(name, headers=list(headers.items()), body=body)


def _sign_bytes(body: bytes, headers: dict[str, str], secret: str | None = None, **_: Any) -> dict[str, str]:
    import hashlib
    import hmac

    from tests.bot.slack.slack_driver import SECRET

    stamp = headers["X-Slack-Request-Timestamp"]
    digest = hmac.new((secret or SECRET).encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {**headers, "X-Slack-Signature": f"v0={digest}"}


def paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every key path in a JSON document (a list's items by index)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


def changed(document: Any, path: tuple, value: Any = ..., *, delete: bool = False) -> Any:
    """A deep copy of `document` with the value at `path` replaced (or deleted)."""
    copy = json.loads(json.dumps(document))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


def mutations(templates: dict[str, tuple[str, Any]]) -> Iterator[tuple[str, str, Any]]:
    """(name, how, body) for each template with each field missing, and each field of another type."""
    turn = 0
    for label, (how, body) in templates.items():
        for path in paths(body):
            where = ".".join(map(str, path))
            yield f"{label}: {where} missing", how, fresh(changed(body, path, delete=True))
            turn += 1
            wrong = WRONG[turn % len(WRONG)]
            yield f"{label}: {where} = {type(wrong).__name__}", how, fresh(changed(body, path, wrong))


_deliveries = itertools.count(1)
DELIVERY_IDS = {"trigger_id": "13345224609.738474920.8088930838d88f008e0", "event_id": "Ev0000001", "id": "act-1"}


def fresh(body: Any) -> Any:
    """The body as a new delivery: its trigger or event id made unique (a repeat is dropped as Slack's retry)."""
    if isinstance(body, dict):
        for key, template in DELIVERY_IDS.items():
            if body.get(key) == template:
                body[key] = f"{template}{next(_deliveries)}"
    return body


def slack_probes(respond: str) -> list[Probe]:
    """The Slack corpus: transport and encoding problems, then every field of every payload wrong in turn."""
    good = urllib.parse.urlencode(command(respond=respond))
    probes = [
        Probe("unsigned", headers=[("Content-Type", FORM)], body=good.encode()),
        Probe("400-digit timestamp", headers=[("Content-Type", FORM), ("X-Slack-Request-Timestamp", "9" * 400),
                                              ("X-Slack-Signature", "v0=00")], body=good.encode()),
        signed("negative timestamp", good, FORM, timestamp=-1),
        signed("timestamp in the year 3000", good, FORM, timestamp=32503680000),
        Probe("Arabic-Indic digits", headers=[("Content-Type", FORM), ("X-Slack-Request-Timestamp", "١٧٠٠٠٠٠٠٠٠"),
                                              ("X-Slack-Signature", "v0=00")], body=good.encode()),
        Probe("10 KB signature", headers=[("Content-Type", FORM), ("X-Slack-Request-Timestamp", str(int(time.time()))),
                                          ("X-Slack-Signature", "v0=" + "a" * 8000)], body=good.encode()),
        _repeated("two signatures", good, "X-Slack-Signature", "v0=00"),
        _repeated("two timestamps", good, "X-Slack-Request-Timestamp", "1"),
        _repeated("two content types", good, "Content-Type", "text/plain"),
        signed("text/plain", good, "text/plain"),
        signed("multipart", good, "multipart/form-data; boundary=x"),
        signed("XML", "<command>/cme</command>", "application/xml"),
        signed("JSON in UTF-16", json.dumps(command(respond=respond)), "application/json; charset=utf-16"),
        signed("upper-case JSON type", json.dumps(command(respond=respond)), "APPLICATION/JSON"),
        signed("empty form", "", FORM),
        signed("empty JSON", "", JSON),
        signed("JSON array", "[]", JSON),
        signed("JSON null", "null", JSON),
        signed("JSON number", "1e999", JSON),
        signed("JSON NaN", '{"type": NaN}', JSON),
        signed("truncated JSON", '{"type": "event_callback", "event": {"type": "mess', JSON),
        signed("deep JSON", NESTED, JSON),
        signed("deep payload", urllib.parse.urlencode({"payload": NESTED}), FORM),
        signed("payload not JSON", "payload=%7Bnot", FORM),
        signed("bad percent-encoding", "payload=%7B%ZZ%", FORM),
        signed("two payloads", "payload=%7B%7D&payload=%5B%5D", FORM),
        signed("10,000 form fields", "&".join(f"f{i}=v" for i in range(10_000)), FORM),
        signed("600 KB body", "text=" + "x" * 600_000, FORM),
        signed("not UTF-8", b"command=%2Fcme&text=\xff\xfe", FORM),
        signed("lone surrogate", json.dumps(_event({"type": "message", "text": "\ud800"}), ensure_ascii=False), JSON),
        signed("BOM first", "\ufeff" + json.dumps(command(respond=respond)), JSON),
        signed("payload is a list", urllib.parse.urlencode({"payload": "[1, 2]"}), FORM),
        signed("options", form_body({"payload": json.dumps(interaction("block_suggestion", value=CHILD))}), FORM),
        signed("shortcut", form_body({"payload": json.dumps(interaction("shortcut", callback_id="x"))}), FORM),
        signed("unsubscribed event", json.dumps(_event({"type": "reaction_added", "user": "U1"})), JSON),
        signed("rate-limit notice", json.dumps({"type": "app_rate_limited", "team_id": TEAM_ID}), JSON),
        signed("ssl check", "ssl_check=1&token=legacy", FORM),
        Probe("gzip body that is not", headers=[*signed("g", good, FORM).headers, ("Content-Encoding", "gzip")],
              body=good.encode()),
        _gzip_bomb(),
    ]  # fmt: skip
    for number, metadata in enumerate(METADATA):
        view = {
            **_view(Callback.PAGE),
            "private_metadata": metadata if isinstance(metadata, str) else json.dumps(metadata),
        }
        for kind in ("view_submission", "view_closed"):
            probes.append(signed(f"metadata {number}", encode_slack("payload", interaction(kind, view=view))[1], FORM))
        for action in (Action.FIELD, Action.PAGE_HELP):  # a field changed; the page's "Help with these questions"
            probes.append(
                signed(f"metadata {number}", encode_slack("payload", _button(action, "x", view=view))[1], FORM)
            )
        signpost = {**view, "callback_id": Callback.SIGNPOST}
        probes.append(
            signed(
                f"metadata {number}", encode_slack("payload", interaction("view_submission", view=signpost))[1], FORM
            )
        )
    for name, how, body in mutations(slack_templates(respond)):
        content_type, text = encode_slack(how, body)
        probes.append(signed(name, text, content_type))
    return probes


def _repeated(name: str, body: str, header: str, value: str) -> Probe:
    probe = signed(name, body, FORM)
    probe.headers.append((header, value))
    return probe


def _gzip_bomb() -> Probe:
    packed = gzip.compress(b"text=" + b"0" * 50_000_000)
    probe = signed("gzip bomb", packed, FORM)
    probe.headers.append(("Content-Encoding", "gzip"))
    return probe


# ---- Teams -------------------------------------------------------------------------------------------------------


def activity(service_url: str, kind: str = "message", **changes: Any) -> dict[str, Any]:
    """An activity in Sam's personal chat, as Teams sends it."""
    return {
        "type": kind,
        "id": "act-1",
        "timestamp": "2026-11-26T10:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": "29:sam", "name": "Sam Nurse", "aadObjectId": "aad-sam"},
        "conversation": {"conversationType": "personal", "id": "a:personal-sam", "tenantId": "tenant-1"},
        "recipient": {"id": "28:cme-bot", "name": "CME bot"},
        "channelData": {"tenant": {"id": "tenant-1"}},
        **changes,
    }


def teams_templates(service_url: str) -> dict[str, dict[str, Any]]:
    """Each kind of activity Teams sends a bot."""
    page = {FORM_KEY: FORM_ID, "_draft": "0" * 32, "_section": "child", "child_forenames": CHILD}
    bot = {"id": "28:cme-bot", "name": "CME bot"}
    return {
        "message": activity(service_url, text=f"find {CHILD}"),
        "card page": activity(service_url, value=page),
        "button": activity(service_url, value={ACTION_KEY: ActionId.SAY, VALUE_KEY: "help"}),
        "universal action": activity(service_url, "invoke", name="adaptiveCard/action",
                                     value={"action": {"type": "Action.Execute", "verb": "x", "data": {"a": CHILD}}}),
        "task fetch": activity(service_url, "invoke", name="task/fetch", value={"data": {}}),
        "bot added": activity(service_url, "conversationUpdate", membersAdded=[bot]),
        "someone left": activity(service_url, "conversationUpdate", membersRemoved=[{"id": "29:other"}]),
        "installed": activity(service_url, "installationUpdate", action="add"),
        "reaction": activity(service_url, "messageReaction", reactionsAdded=[{"type": "like"}], replyToId="1"),
        "typing": activity(service_url, "typing"),
        "event": activity(service_url, "event", name="application/vnd.microsoft.meetingStart", value={}),
    }  # fmt: skip


UNMUTATED = ("serviceUrl",)  # where replies go: mutated, it would send them off this machine


def teams_mutations(service_url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each Teams template with each field missing, and each field of another type (serviceUrl kept)."""
    for name, _how, body in mutations({k: ("json", v) for k, v in teams_templates(service_url).items()}):
        if not any(part in UNMUTATED for part in name.split(": ", 1)[1].split(".")[:1]):
            yield name, body


def teams_probes(
    service_url: str, authorize: Callable[[], list[tuple[str, str]]], kind: str = "message"
) -> list[Probe]:
    """The Teams corpus; `authorize()` gives each request its Authorization header (none when auth is off).

    `kind` is the activity type the transport probes carry ("typing" where a reply can't be sent).
    """

    def post(name: str, body: bytes | str, content_type: str | None = JSON, *extra: tuple[str, str]) -> Probe:
        headers = [*authorize(), *([("Content-Type", content_type)] if content_type else []), *extra]
        return Probe(
            name, path="/api/messages", headers=headers, body=body if isinstance(body, bytes) else body.encode()
        )

    good = json.dumps(activity(service_url, kind, text="help"))
    probes = [
        post("text/plain", good, "text/plain"),
        post("no content type", good, None),
        post("form encoded", "type=message&text=help", FORM),
        post("empty", ""),
        post("truncated", good[:50]),
        post("array", "[]"),
        post("null", "null"),
        post("deep", NESTED),
        post("not UTF-8", b'{"type": "message", "text": "\xff\xfe"}'),
        post("lone surrogate", _bytes(activity(service_url, kind, text="\ud800"))),
        post("NaN", good.replace('"help"', "NaN")),
        post("300 KB", json.dumps(activity(service_url, kind, text="x" * 300_000))),
        post("unknown type", json.dumps(activity(service_url, "frobnicate"))),
        post("serviceUrl not a URL", json.dumps(activity("javascript:alert(1)"))),
        post("serviceUrl a number", json.dumps(activity(service_url, serviceUrl=5))),
        post("two content types", good, JSON, ("Content-Type", "text/plain")),
        post("gzip that is not", good, JSON, ("Content-Encoding", "gzip")),
    ]  # fmt: skip
    return probes + [post(name, _bytes(body)) for name, body in teams_mutations(service_url)]


def _bytes(document: Any) -> bytes:
    """JSON as UTF-8, a lone surrogate included (as some clients send it)."""
    return json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")


def token_probes(service_url: str, signer) -> list[Probe]:
    """Tokens that must be refused (401), not crash: malformed, forged, expired, for another bot or service URL."""
    body = json.dumps(activity(service_url, text="help")).encode()
    tokens = {
        "three dots": "a.b.c",
        "garbage": "garbage",
        "empty": "",
        "not base64": "!!!.###.$$$",
        "huge": "a" * 7000 + ".b.c",
        "expired": signer.token(service_url, exp=1, nbf=0),
        "another bot": signer.token(service_url, aud="someone-else"),
        "another service": signer.token("http://127.0.0.1:1/"),
        "another issuer": signer.token(service_url, iss="https://attacker.example"),
        "unknown key": signer.token(service_url).replace(signer.token(service_url).split(".")[0], "eyJraWQiOiJ4In0"),
        "unsigned": signer.token(service_url).rsplit(".", 1)[0] + ".",
    }
    return [
        Probe(f"token {name}", path="/api/messages", body=body,
              headers=[("Content-Type", JSON), ("Authorization", f"Bearer {token}")])
        for name, token in tokens.items()
    ] + [Probe("basic auth", path="/api/messages", body=body,
               headers=[("Content-Type", JSON), ("Authorization", "Basic dXNlcjpwYXNz")])]  # fmt: skip


# ---- every route, every method; bytes no client would send ---------------------------------------------------------

ROUTES = ("/slack/events", "/api/messages", "/healthz", "/metrics", "/downloads/" + "A" * 43, "/downloads/x", "/",
          "/nope", "/slack/events/", "//healthz", "/healthz?x=%ZZ", "/%2e%2e/healthz", "/downloads/%00")  # fmt: skip
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "FOO")


def route_probes() -> list[Probe]:
    """Every method on every route, with no body."""
    return [Probe(f"{method} {path}", method, path) for path in ROUTES for method in METHODS]


def protocol_probes() -> list[Probe]:
    """Requests that are not valid HTTP, or that push its limits."""
    line = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    upgrade = b"Connection: Upgrade\r\n\r\n"
    post = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
    raw = {
        "not HTTP": b"HELLO\r\n\r\n",
        "TLS hello": bytes.fromhex("16030100a5010000a10303") + b"\x00" * 64,
        "HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "HTTP/0.9": b"GET /healthz\r\n\r\n",
        "HTTP/1.0": b"GET /healthz HTTP/1.0\r\n\r\n",
        "HTTP/9.9": b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
        "10 KB path": b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        "10 KB header": line + b"X-Big: " + b"a" * 10_000 + b"\r\n\r\n",
        "150 headers": line + many + b"\r\n",
        "header without a colon": line + b"NoColon\r\n\r\n",
        "folded header": line + b"X-A: a\r\n b\r\n\r\n",
        "NUL in a header": line + b"X-A: a\x00b\r\n\r\n",
        "Latin-1 in a header": line + b"X-A: caf\xe9\r\n\r\n",
        "space before colon": line + b"Host : y\r\n\r\n",
        "absolute URL": b"GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT": b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n",
        "negative length": post + b"Content-Length: -1\r\n\r\n",
        "length not a number": post + b"Content-Length: 1e3\r\n\r\n",
        "two lengths": post + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "length and chunked": post + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "bad chunk size": post + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        "chunked twice": post + b"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
        "chunk extension": post + b"Transfer-Encoding: chunked\r\n\r\n3;" + b"e" * 9000 + b"\r\nabc\r\n0\r\n\r\n",
        "unknown transfer coding": post + b"Transfer-Encoding: gzip\r\n\r\nabc",
        "short body": post + b"Content-Length: 10\r\n\r\nabc",
        "body then junk": post + b"Content-Length: 1\r\n\r\nabcdef",
        "websocket upgrade": b"GET /slack/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" + upgrade,
        "h2c upgrade": line + b"Upgrade: h2c\r\n" + upgrade,
        "expect 100": post + b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        "UTF-8 path": "GET /downloads/é HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
        "pipelined": line + b"\r\n" + line + b"\r\n" + b"GARBAGE\r\n\r\n",
    }
    return [Probe(name, raw=data) for name, data in raw.items()]
