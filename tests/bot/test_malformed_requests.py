"""Hundreds of malformed requests against `cme-bot serve` (create_app on a real port, serve's own settings), on
SQLite and PostgreSQL: not one answer is a 500, and the log, with slack_bolt, slack_sdk, botbuilder, msrest
and aiohttp at DEBUG, holds no traceback and no child's details.

The corpus is in tests/bot/malformed.py. After the fixed corpus, hypothesis mutates the same payloads at
random (several fields at once, any JSON value, any text), signed or with a valid Bot Framework token so
they reach bolt's and botbuilder's readers. The server must still answer a good request at the end.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bot.live_server import Answer, LiveServer, server_log
from tests.bot.malformed import (
    CANARY,
    FORM,
    Probe,
    activity,
    changed,
    encode_slack,
    form_body,
    fresh,
    interaction,
    paths,
    protocol_probes,
    route_probes,
    signed,
    slack_probes,
    slack_templates,
    teams_probes,
    teams_templates,
    token_probes,
)
from tests.bot.slack.slack_driver import signed_headers
from tests.bot.teams.tokens import trusted_signer

APP_ID = "11111111-2222-3333-4444-555555555555"
# Answers a malformed request may get that are not 4xx: Bot Framework's "not implemented" for an invoke
# this bot does not handle, and 0 where the server closed a connection that was not HTTP at all.
NOT_4XX = {0, 200, 201, 501}
# Teams activities answered by a reply through the Bot Connector: with authentication on, that needs a token
# from Entra ID, which a test can't get offline; the same activities are sent with authentication off.
REPLYING = ("message", "card page", "button", "bot added", "installed")
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(name="server_log")
def _server_log() -> Iterator[io.StringIO]:
    with server_log() as stream:
        yield stream


def send(server: LiveServer, probe: Probe) -> Answer:
    """Send one probe: raw bytes as they are, or an HTTP request."""
    if probe.raw is not None:
        return server.raw(probe.raw)
    return server.request(probe.method, probe.path, probe.body, probe.headers)


def run_corpus(server: LiveServer, probes: list[Probe]) -> Counter:
    """Send every probe; assert none is answered 500 (or any 5xx but Bot Framework's 501); count the statuses."""
    statuses: Counter = Counter()
    for probe in probes:
        answer = send(server, probe)
        statuses[answer.status] += 1
        assert answer.status < 500 or answer.status in NOT_4XX, (probe.name, answer.status, answer.body[:200])
        assert 400 <= answer.status < 500 or answer.status in NOT_4XX, (probe.name, answer.status, answer.body[:200])
        assert b"Traceback" not in answer.body, probe.name  # a modal's answer may show its own page, child and all
    return statuses


# What the server logs, by type only, when a listener, the work after a Slack ack or a Teams turn crashes: no
# traceback, and after an ack no 500 either, so only these lines tell a crash apart from a refusal.
CRASHED = ("Slack listener failed", "Slack background work failed", "Teams turn failed")


def assert_clean(log: str) -> None:
    """No traceback, no crash after the answer, and no child's details anywhere in what was logged."""
    assert "Traceback" not in log, _around(log, "Traceback")
    for line in CRASHED:
        assert line not in log, _around(log, line)
    for word in CANARY:
        assert word not in log, _around(log, word)


def _around(log: str, word: str) -> str:
    at = log.index(word)
    return log[max(0, at - 600) : at + 400]


def random_slack(server: LiveServer, count: int) -> None:
    """`count` Slack payloads, each with one to four fields replaced by any JSON value, signed."""
    templates = slack_templates(f"{server.fake.url}/respond/random")

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(data=st.data(), name=st.sampled_from(sorted(templates)))
    def one(data, name):
        how, body = templates[name]
        for _ in range(data.draw(st.integers(1, 4))):
            where = data.draw(st.sampled_from(list(paths(body)) or [()]))
            if where:
                body = changed(body, where, data.draw(JSON_VALUES))
        content_type, text = encode_slack(how, fresh(body))
        run_corpus(server, [signed(name, text, content_type)])

    one()


def random_teams(server: LiveServer, count: int, authorize, kinds: tuple[str, ...] | None = None) -> None:
    """`count` Teams activities, each with one to four fields replaced by any JSON value.

    Never serviceUrl (replies would go off this machine); with `kinds` (authentication on), never the type
    either, which could make an activity one the bot replies to (Entra ID would be asked for a token).
    """
    service = server.connector.url
    templates = {k: v for k, v in teams_templates(service).items() if kinds is None or k in kinds}
    fixed = {"serviceUrl"} if kinds is None else {"serviceUrl", "type"}

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(data=st.data(), name=st.sampled_from(sorted(templates)))
    def one(data, name):
        body = templates[name]
        for _ in range(data.draw(st.integers(1, 4))):
            where = data.draw(st.sampled_from([p for p in paths(body) if p[0] not in fixed]))
            body = changed(body, where, data.draw(JSON_VALUES))
        raw = json.dumps(fresh(body), ensure_ascii=False).encode("utf-8", "surrogatepass")
        headers = [*authorize(), ("Content-Type", "application/json")]
        run_corpus(server, [Probe(name, path="/api/messages", headers=headers, body=raw)])

    one()


def still_serving(server: LiveServer) -> None:
    """A good signed /cme help is answered in Slack, and /healthz says ok."""
    from tests.bot.malformed import command

    fields = command("help", f"{server.fake.url}/respond/after")
    body = "&".join(f"{k}={v}" for k, v in fields.items()).replace("/cme", "%2Fcme")
    headers = signed_headers(body, "application/x-www-form-urlencoded")
    assert server.request("POST", "/slack/events", body.encode(), list(headers.items())).status == 200
    server.call(server.fake.wait_for_responses(1))
    assert json.loads(server.request("GET", "/healthz").body)["status"] == "ok"


def test_no_malformed_request_gets_a_500_or_logs_a_traceback(db_url, server_log):
    with (
        trusted_signer(APP_ID) as signer,
        LiveServer(db_url, microsoft_app_id=APP_ID, microsoft_app_password="x") as server,
    ):
        service = server.connector.url
        quiet = [k for k in teams_templates(service) if k not in REPLYING]

        def token() -> list[tuple[str, str]]:
            return [("Authorization", signer.header(service))]

        teams = [
            p
            for p in teams_probes(service, token, "typing")
            if p.name.split(":")[0] not in REPLYING and ": type " not in p.name
        ]
        corpus = [
            *protocol_probes(),
            *route_probes(),
            *slack_probes(f"{server.fake.url}/respond/corpus"),
            *token_probes(service, signer),
            *teams,
        ]
        statuses = run_corpus(server, corpus)
        random_slack(server, 150)
        random_teams(server, 60, token, tuple(quiet))
        still_serving(server)
    assert len(corpus) >= 200 and statuses[500] == 0
    assert_clean(server_log.getvalue())


def test_no_malformed_activity_gets_a_500_with_teams_authentication_off(db_url, server_log):
    with LiveServer(db_url) as server:
        service = server.connector.url
        corpus = teams_probes(service, lambda: [])
        corpus += token_probes(service, _no_signer())  # on loopback with authentication off: any token is refused
        statuses = run_corpus(server, corpus)
        random_teams(server, 100, lambda: [])
        still_serving(server)
    assert len(corpus) >= 200 and statuses[500] == 0
    assert_clean(server_log.getvalue())


def _no_signer():
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.bot.teams.tokens import Signer

    return Signer(rsa.generate_private_key(public_exponent=65537, key_size=2048), APP_ID)


def test_the_five_requests_that_were_500s_in_issue_20(db_url, server_log):
    """Each finding 3 request, as the issue gives it, now gets its 4xx and says why."""
    with (
        trusted_signer(APP_ID) as signer,
        LiveServer(db_url, microsoft_app_id=APP_ID, microsoft_app_password="x") as on,
    ):
        service = on.connector.url
        stamp = [("Content-Type", FORM), ("X-Slack-Request-Timestamp", "9" * 400), ("X-Slack-Signature", "v0=00")]
        status, reason = _refused(on, Probe("400 digits", headers=stamp, body=b"command=%2Fcme"))
        assert (status, reason) == (401, "stale or invalid Slack timestamp")
        no_type = interaction("view_submission", view={"id": "V1", "callback_id": "cme_form_page", "state": {}})
        status, reason = _refused(on, signed("view without a type", form_body({"payload": json.dumps(no_type)}), FORM))
        assert (status, reason) == (400, "malformed Slack payload (view.type is missing)")
        empty = interaction("block_actions", actions=[{}], trigger_id="1.2")
        status, reason = _refused(on, signed("an empty action", form_body({"payload": json.dumps(empty)}), FORM))
        assert (status, reason) == (400, "malformed Slack payload (actions.0.action_id is missing)")
        execute = activity(service, "invoke", name="adaptiveCard/action", value={"action": {"data": {"x": 1}}})
        headers = [("Content-Type", "application/json"), ("Authorization", signer.header(service))]
        answer = on.request("POST", "/api/messages", json.dumps(execute).encode(), headers)
        assert answer.status == 400 and json.loads(answer.body)["value"]["code"] == "NotSupported"
    with LiveServer(db_url) as off:  # Teams authentication off: loopback only, and no token taken
        body = json.dumps(activity(off.connector.url, text="help")).encode()
        headers = [("Content-Type", "application/json"), ("Authorization", "Bearer a.b.c")]
        status, reason = _refused(off, Probe("a.b.c", path="/api/messages", headers=headers, body=body))
        assert status == 401 and reason.startswith("Teams authentication is off")
    assert_clean(server_log.getvalue())


def _refused(server: LiveServer, probe: Probe) -> tuple[int, str]:
    """The status and the reason the server gave."""
    answer = send(server, probe)
    return answer.status, json.loads(answer.body)["error"]
