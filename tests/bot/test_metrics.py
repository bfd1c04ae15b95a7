"""/metrics: Prometheus text that moves with the load, no child data in labels, loopback or a bearer token only."""

from __future__ import annotations

import asyncio
import datetime as dt

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import CONTEXT_KEY, create_app
from bot.config import Settings
from bot.metrics import MeteredRouter, Metrics
from handlers.messages import ReplyKind
from storage.db import make_engine, unit_of_work
from storage.models import Case, Outbox
from storage.queries import enqueue
from storage.types import utcnow
from tests.bot.slack.slack_driver import running
from tests.bot.teams.harness import fresh_sqlite, write_profile
from tests.bot.teams.harness import running as teams_running
from tests.handlers.test_faults import _Outage, _outage_router
from tests.support import Person

ALLOWED_LABELS = {"channel", "kind", "type", "urgency", "le"}
CHILD = "Zephyrine Quillfeather"


def parse(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample as {(name, labels): value}."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(client, **headers: str) -> dict:
    response = await client.get("/metrics", headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain")
    return parse(await response.text())


def _add_cases_and_backlog(engine, now: dt.datetime) -> None:
    with unit_of_work(engine) as session:
        for seq, urgent in ((1, True), (2, False), (3, False)):
            session.add(
                Case(reference=f"CME-2026-{seq:04d}", year=2026, seq=seq, reporter_key="slack:T:U", urgent=urgent)
            )
        session.flush()
        address = {"channel": "slack", "conversation_id": "C0OFFICERS"}
        row = Outbox(kind="alert", dedupe_key="m1", recipient=address, text="CME-2026-0001", not_before=now)
        row.created_at = utcnow() - dt.timedelta(minutes=5)
        enqueue(session, row)


async def _fails() -> None:
    raise LookupError(CHILD)  # counted by type; the message (which could name a child) is not a label


async def load_moves_the_values(db_url: str) -> None:
    async with running(db_url) as slack:
        client, context = slack.client, slack.client.server.app[CONTEXT_KEY]
        before = await scrape(client)
        assert value(before, "cme_reminder_sweep_last_success_timestamp_seconds") > 0  # the start-up sweep ran
        officer = slack.user("U0OFFICER", "olu")
        for _ in range(3):
            assert (await officer.command("help"))[0] == 200
        assert (await officer.dm(f"what is CME? my pupil {CHILD} has gone"))[0] == 200
        await asyncio.sleep(0.3)  # the DM's turn runs after the ack
        _add_cases_and_backlog(context.core.engine, context.core.clock())
        middle = await scrape(client)
        slack.fake.fail("chat.postMessage", error="channel_not_found", times=5)
        await context.outbox.deliver_pending()
        await asyncio.wait([context.extras["slack"].background(_fails())])  # Slack work after an ack that fails
        after = await scrape(client)
    commands = {"channel": "slack", "kind": "command"}
    assert value(middle, "cme_turns_total", **commands) - value(before, "cme_turns_total", **commands) == 3
    assert value(middle, "cme_turns_total", channel="slack", kind="message") >= 1
    acks = value(middle, "cme_ack_seconds_count", channel="slack") - value(
        before, "cme_ack_seconds_count", channel="slack"
    )
    assert acks == 4
    assert value(middle, "cme_turn_seconds_count", channel="slack") >= 4
    assert (
        value(middle, "cme_cases_open", urgency="urgent") == 1
        and value(middle, "cme_cases_open", urgency="routine") == 2
    )
    assert value(middle, "cme_outbox_backlog") == 1 and value(middle, "cme_outbox_oldest_pending_age_seconds") >= 290
    assert value(middle, "cme_metrics_database_read_ok") == 1
    assert value(after, "cme_deliveries_failed_total", channel="slack") == 1
    assert value(after, "cme_errors_total", type="SlackApiError") == 1
    assert value(after, "cme_errors_total", type="LookupError") == 1
    labels = {name for (_, pairs) in after for name, _ in pairs}
    assert labels <= ALLOWED_LABELS
    assert not any("Zephyrine" in v or "CME-2026" in v for (_, pairs) in after for _, v in pairs)


def test_metrics_move_with_the_load_and_carry_no_child_data(db_url):
    asyncio.run(load_moves_the_values(db_url))


def _status(settings: Settings, **headers: str) -> tuple[int, str]:
    async def go():
        async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
            response = await client.get("/metrics", headers=headers)
            return response.status, await response.text()

    return asyncio.run(go())


def test_without_a_token_only_loopback_may_scrape(db_url):
    settings = Settings(database_url=db_url, channels="teams")
    assert _status(settings)[0] == 200
    status, text = _status(settings, **{"X-Forwarded-For": "203.0.113.9"})  # through a proxy: not local
    assert status == 403 and "CME_METRICS_TOKEN" in text


def test_with_a_token_the_bearer_must_match(db_url):
    settings = Settings(database_url=db_url, channels="teams", metrics_token="s3cret-scrape")
    assert _status(settings)[0] == 401
    assert _status(settings, Authorization="Bearer wrong")[0] == 401
    status, text = _status(settings, Authorization="Bearer s3cret-scrape", **{"X-Forwarded-For": "203.0.113.9"})
    assert status == 200 and "cme_outbox_backlog" in text


def test_a_database_that_is_down_still_gives_the_process_metrics(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/up.db", channels="teams")

    async def go():
        app = create_app(settings)
        app[CONTEXT_KEY].extras["metrics"].engine = make_engine("postgresql://postgres@127.0.0.1:1/gone")
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            return parse(await (await client.get("/metrics")).text())

    samples = asyncio.run(go())
    assert value(samples, "cme_metrics_database_read_ok") == 0


async def teams_turns_and_a_failed_reply(db_url: str, profile) -> tuple[dict, dict]:
    async with teams_running(db_url, profile) as h:
        url = str(h.server.make_url("/metrics"))
        before = parse(await (await h.http.get(url)).text())
        await h.say("help")
        h.connector.refuse_all = True  # the connector refuses the reply (and the apology): the turn fails
        assert (await h.post(h.activity(text="hello"))).status in (200, 201)
        return before, parse(await (await h.http.get(url)).text())


def test_teams_turns_acks_and_failed_turns_are_counted(sqlite_template, tmp_path):
    before, after = asyncio.run(
        teams_turns_and_a_failed_reply(fresh_sqlite(sqlite_template, tmp_path), write_profile(tmp_path))
    )

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("cme_turns_total", channel="teams", kind="message") == 2  # typed in Teams: "help", "hello"
    assert moved("cme_turn_seconds_count", channel="teams") == 2
    assert moved("cme_ack_seconds_count", channel="teams") == 2
    assert moved("cme_errors_total", type="ErrorResponseException") == 1


def test_a_turn_the_database_failed_is_counted_though_the_person_gets_an_apology(db_url, profile, clock):
    """The router answers a database outage with "try again in a minute": the dashboard still sees the error."""
    engine, router = _outage_router(db_url, profile, clock)
    metrics = Metrics()  # no engine: only what the turns record
    alice = Person(MeteredRouter(router, metrics))
    with _Outage(db_url, engine):
        replies = alice.say("/cme report")
    assert replies[-1].kind is ReplyKind.ERROR and "can't be reached" in replies[-1].text
    samples = parse(generate_latest(metrics.registry).decode())
    assert sum(v for (name, _), v in samples.items() if name == "cme_errors_total") == 1
    assert value(samples, "cme_errors_total", type="OperationalError") == 1
    assert value(samples, "cme_turns_total", channel="terminal", kind="command") == 1
