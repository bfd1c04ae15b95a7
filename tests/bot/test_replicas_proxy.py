"""Two `cme-bot serve` processes on one PostgreSQL database behind nginx, Slack and Teams load, one stopped midway.

Slack's side is the Web API stand-in and Teams' the Bot Connector stand-in, both real HTTP servers
in this process that the replicas call. Checked: every referral made once, every alert and
reminder sent once, each replica answering a share; then SIGTERM to one replica during a burst of
commands: every acknowledged command still opens its modal, nothing is sent twice, and the
other replica carries on alone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import Session, select

from bot.slack.ids import Callback
from handlers.commands import build_router
from handlers.core import Core
from handlers.knowledge.profile import load_profile
from handlers.messages import Address, Channel, Identity, Inbound
from storage.db import make_engine
from storage.models import Case, Outbox
from tests.bot import proxy
from tests.bot.slack.fake_slack import TEAM_ID, FakeSlack
from tests.bot.slack.slack_driver import PROFILE, SECRET, Slack, text_of
from tests.bot.slack.test_modal import DANGER, YOU, page
from tests.bot.teams.connector import Connector
from tests.conftest import EMPTY_EVERY_TABLE
from tests.handlers.forms.test_whole_form import PAGES
from tests.support import CHILD_PAGE, Clock

try:  # encryption at rest: the replicas and this process must share one keyring
    from storage import crypto
except ImportError:  # a tree without encryption at rest
    crypto = None

REFERENCE = re.compile(r"CME-\d{4}-\d{3,}")
CHILDREN = [("Alinta", "2013-03-04"), ("Bronwen", "2012-07-19"), ("Cosima", "2015-01-23")]


@pytest.fixture
def data_keys(monkeypatch) -> dict[str, str]:
    """One keyring for this process and the replicas (CME_DATA_KEYS), when the tree encrypts at rest."""
    if crypto is None:
        return {}
    text = crypto.new_key_line("k1") + "," + crypto.new_key_line(crypto.INDEX_KEY_ID)
    monkeypatch.setattr(crypto, "_installed", crypto.Keyring.parse(text))
    return {"CME_DATA_KEYS": text}


@pytest.fixture
def pg_url(pg_database_url, pg_emptier) -> str:
    """The session's PostgreSQL database, emptied (several processes need a server database)."""
    with pg_emptier.begin() as conn:
        conn.exec_driver_sql(EMPTY_EVERY_TABLE)
    return pg_database_url


def rows(url: str, model) -> list:
    engine = make_engine(url)
    with Session(engine) as session:
        found = list(session.exec(select(model)).all())
    engine.dispose()
    return found


def seed_overdue_cases(url: str, count: int) -> None:
    """Urgent referrals made 40 days ago through the core: overdue enquiries for both replicas' sweeps."""
    engine = make_engine(url)
    core = Core(
        engine=engine, profile=load_profile(PROFILE), clock=Clock(dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    )
    router = build_router(core)
    for n in range(count):
        user = f"U0SEED{n}"
        who, where = Identity(Channel.SLACK, user, TEAM_ID), Address(Channel.SLACK, user, user)
        pages = {**PAGES, "child": {**CHILD_PAGE, "child_forenames": f"Seeded{'ab'[n]}", "child_dob": f"201{n}-02-03"}}
        view = router.handle(Inbound(who, where, text="/cme report", wants_form=True))[-1].form
        while view is not None:
            values = {"_draft": view.draft_id, "_section": view.section_id, **pages[view.section_id]}
            view = router.handle(Inbound(who, where, form_id=view.form_id, form_values=values))[-1].form
    engine.dispose()


def replica_env(db_url: str, fake: FakeSlack, keys: dict[str, str]) -> dict[str, str]:
    """Complete settings for both channels (Teams without a tenant: authentication off, loopback only)."""
    return {
        "CME_DATABASE_URL": db_url,
        "CME_PROFILE": str(PROFILE),
        "CME_ENV": "test",
        "CME_LOG_LEVEL": "WARNING",
        "CME_CHANNELS": "slack,teams",
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url + "/api/",
        "SLACK_APP_TOKEN": "",
        "MicrosoftAppId": "",
        "MicrosoftAppPassword": "",
        **keys,
    }


async def opened_by(fake: FakeSlack, trigger: str, timeout: float = 15.0) -> dict:
    """The modal views.open showed for one trigger id, once it shows the answer (not the "working" placeholder)."""
    async with asyncio.timeout(timeout):
        while not (calls := [c for c in fake.of("views.open") if c.args.get("trigger_id") == trigger]):
            await asyncio.sleep(0.02)
        return await settled(fake, calls[0].result["view"]["id"])


async def settled(fake: FakeSlack, view_id: str) -> dict:
    """The view once a slow core's answer has replaced the "working" placeholder."""
    while fake.views[view_id]["callback_id"] == Callback.WORKING:
        await asyncio.sleep(0.02)
    return fake.views[view_id]


async def referral(slack: Slack, n: int) -> str:
    """A calm referral through the modal, page by page (each page may reach either replica); its reference."""
    name, dob = CHILDREN[n]
    user, trigger = slack.user(f"U0REF{n}"), f"referral-{n}.trigger"
    assert await user.command("report", trigger_id=trigger) == (200, "")
    view = await opened_by(slack.fake, trigger)
    view = await page(user, view, DANGER)  # the quick report: is the child in danger now, first
    updates = len(slack.fake.of("views.update"))
    assert (await user.change(view, {"on_roll": "no", "home_educated": "no"}, "home_educated"))[0] == 200
    async with asyncio.timeout(10):
        while not any(c.args.get("view_id") == view["id"] for c in slack.fake.of("views.update")[updates:]):
            await asyncio.sleep(0.02)
    view = slack.fake.views[view["id"]]
    # These users have no Slack profile: the reporter types a name and a way to reach them.
    about_you = {**YOU, "referrer_name": f"Reporter {'ABC'[n]}", "referrer_contact": "0161 496 0123"}
    for values in ({**CHILD_PAGE, "child_forenames": name, "child_dob": dob}, about_you):
        view = await page(user, view, values)
    done = await page(user, view, {"next_step": "send"})
    assert "Concern raised" in done["title"]["text"]
    return REFERENCE.search(text_of(done["blocks"])).group()


async def commands(slack: Slack, tag: str, count: int, inflight: int = 8) -> dict[str, int]:
    """`/cme report` from `count` people, `inflight` at a time; the HTTP status by trigger id."""
    gate, statuses = asyncio.Semaphore(inflight), {}

    async def one(i: int) -> None:
        trigger = f"{tag}-{i}.trigger"
        async with gate:
            try:
                statuses[trigger] = (await slack.user(f"U0{tag.upper()}{i}").command("report", trigger_id=trigger))[0]
            except aiohttp.ClientError:
                statuses[trigger] = 0  # no answer at all: Slack shows the person an error and they type it again

    await asyncio.gather(*(one(i) for i in range(count)))
    return statuses


async def events_to_both(replicas: list[Slack], count: int) -> list[str]:
    """DMs each delivered to both replicas at once (Slack's retry racing the original); the DM channels."""
    channels = []
    for i in range(count):
        users = [r.user(f"U0DM{i}") for r in replicas]
        await asyncio.gather(*(u.dm("help", event_id=f"Ev0BOTH{i}") for u in users))
        channels.append(f"DU0DM{i}")
    return channels


def activity(connector: Connector, n: int, activity_id: str) -> dict:
    """A Teams personal-chat message, as the Bot Connector delivers it."""
    person = {"id": f"29:person{n}", "name": f"Person {n}", "aadObjectId": f"aad-person{n}"}
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": "2026-11-26T10:00:00.000Z",
        "serviceUrl": connector.url,
        "channelId": "msteams",
        "from": person,
        "conversation": {"conversationType": "personal", "id": f"a:personal-{n}", "tenantId": "tenant-1"},
        "recipient": {"id": "28:cme-bot", "name": "CME bot"},
        "channelData": {"tenant": {"id": "tenant-1"}},
        "text": "help",
    }


async def teams_load(http: aiohttp.ClientSession, direct: list[aiohttp.ClientSession], connector: Connector) -> None:
    """Teams messages through the proxy, and others delivered to both replicas; each answered once."""
    for n in range(6):
        async with http.post("/api/messages", json=activity(connector, n, f"act-{n}")) as response:
            assert response.status in (200, 201), response.status
    for n in range(6, 9):
        body = activity(connector, n, f"act-{n}")
        statuses = await asyncio.gather(*(_post_status(s, body) for s in direct))
        assert all(s in (200, 201) for s in statuses), statuses
    once = len(connector.to("a:personal-0"))
    assert once >= 1 and all(len(connector.to(f"a:personal-{n}")) == once for n in range(9))


async def _post_status(session: aiohttp.ClientSession, body: dict) -> int:
    async with session.post("/api/messages", json=body) as response:
        return response.status


async def all_outbox_sent(url: str, timeout: float = 25.0) -> list[Outbox]:
    """Wait until every queued alert and reminder for Slack or Teams is marked sent (the replicas deliver every 10 s).

    The profile's officers also have terminal identities: after its digest time (08:30) the sweep queues their
    digest for the terminal, which no server delivers, so those rows stay queued whatever the replicas do.
    """
    async with asyncio.timeout(timeout):
        while True:
            found = [r for r in await asyncio.to_thread(rows, url, Outbox) if r.recipient.get("channel") != "terminal"]
            if found and all(r.sent_at is not None for r in found):
                return found
            await asyncio.sleep(0.3)


def outbox_posts(fake: FakeSlack) -> list[tuple[str, str]]:
    """What reached officers' channels and DMs (not the replies in people's own DMs)."""
    posts = [c for c in fake.of("chat.postMessage") if not str(c.args.get("channel")).startswith("D")]
    return [(c.args["channel"], text_of(c.args.get("blocks") or []) + str(c.args.get("text"))) for c in posts]


@dataclasses.dataclass
class Topology:
    """Everything the scenario talks to."""

    fake: FakeSlack
    connector: Connector
    nginx: proxy.Nginx
    ports: list[int]
    replicas: list


async def first_phase(t: Topology) -> list[str]:
    """Mixed load through the proxy and straight at both replicas; returns the referrals' references."""
    base = "http://127.0.0.1:{}"
    async with (
        aiohttp.ClientSession(base_url=t.nginx.url) as http,
        aiohttp.ClientSession(base_url=base.format(t.ports[0])) as one,
        aiohttp.ClientSession(base_url=base.format(t.ports[1])) as two,
    ):
        slack = Slack(http, t.fake)
        refs_task = asyncio.gather(*(referral(slack, n) for n in range(len(CHILDREN))))
        statuses, channels, refs, _ = await asyncio.gather(
            commands(slack, "a", 20),
            events_to_both([Slack(one, t.fake), Slack(two, t.fake)], 8),
            refs_task,
            teams_load(http, [one, two], t.connector),
        )
        assert set(statuses.values()) == {200}
        for trigger in statuses:
            await opened_by(t.fake, trigger)
        await t.fake.wait_for("chat.postMessage", 1)
        for channel in channels:
            async with asyncio.timeout(10):
                while not [c for c in t.fake.of("chat.postMessage") if c.args.get("channel") == channel]:
                    await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # time for a second answer to a twice-delivered event, were one coming
        replies = Counter(c.args.get("channel") for c in t.fake.of("chat.postMessage"))
        assert all(replies[c] == 1 for c in channels), replies
        await press_buttons(slack, refs)
    return refs


async def press_buttons(slack: Slack, refs: list[str]) -> None:
    """The officer opens App Home and presses each case's button: each press opens that case once."""
    officer = slack.user("U0OFFICER")
    published = len(slack.fake.of("views.publish"))
    await officer.open_home()
    [home] = (await slack.fake.wait_for("views.publish", published + 1, timeout=10))[published:]
    buttons = [b["accessory"] for b in home.args["view"]["blocks"] if b.get("accessory")]
    assert set(refs) <= {b["value"] for b in buttons}
    opened = len(slack.fake.of("views.open"))
    for button in buttons:
        assert (await officer.click(button["action_id"], button["value"]))[0] == 200
    calls = (await slack.fake.wait_for("views.open", opened + len(buttons), timeout=10))[opened:]
    await asyncio.sleep(0.3)
    assert len(slack.fake.of("views.open")) == opened + len(buttons)
    shown = [text_of((await settled(slack.fake, c.result["view"]["id"]))["blocks"]) for c in calls]
    assert {b["value"] for b in buttons} == {REFERENCE.search(text).group() for text in shown}


async def second_phase(t: Topology) -> None:
    """SIGTERM to one replica in the middle of a burst: every acknowledged command still opens its modal."""
    async with aiohttp.ClientSession(base_url=t.nginx.url) as http:
        slack = Slack(http, t.fake)
        burst = asyncio.create_task(commands(slack, "b", 40, inflight=10))
        while len([c for c in t.fake.of("views.open") if str(c.args.get("trigger_id")).startswith("b-")]) < 10:
            await asyncio.sleep(0.01)
        code = await asyncio.to_thread(proxy.stop, t.replicas[1])
        statuses = await burst
        acked = [trigger for trigger, status in statuses.items() if status == 200]
        assert code == 0 and len(acked) == len(statuses), Counter(statuses.values())
        for trigger in acked:
            await opened_by(t.fake, trigger)
        before = len(t.nginx.answered_by())
        after = await commands(slack, "c", 10)
        assert set(after.values()) == {200}
        alone = t.nginx.answered_by()[before:]
        assert {upstream for upstream, _, _ in alone} == {f"127.0.0.1:{t.ports[0]}"}


def test_two_replicas_behind_nginx_share_the_load_and_one_stops_cleanly(pg_url, data_keys, tmp_path):
    binary = proxy.nginx_or_skip()
    seed_overdue_cases(pg_url, 2)

    async def scenario() -> None:
        fake, connector = FakeSlack(), Connector()
        await fake.start()
        await connector.start()
        ports = [proxy.free_port(), proxy.free_port()]
        env = replica_env(pg_url, fake, data_keys)
        replicas = [proxy.start_replica(p, env, tmp_path / f"replica{i}.log") for i, p in enumerate(ports)]
        nginx = None
        try:
            for process, port in zip(replicas, ports, strict=True):
                await asyncio.to_thread(proxy.wait_until_up, f"http://127.0.0.1:{port}/healthz", 60, process)
            nginx = proxy.start_nginx(binary, tmp_path / "nginx", ports)
            t = Topology(fake, connector, nginx, ports, replicas)
            refs = await first_phase(t)
            shares = Counter(upstream for upstream, _, path in nginx.answered_by())
            assert all(shares[f"127.0.0.1:{p}"] >= sum(shares.values()) // 4 for p in ports), shares
            await second_phase(t)
            sent = await all_outbox_sent(pg_url)
            posts = outbox_posts(fake)
            assert len(posts) == len(sent), Counter(posts).most_common(2)  # each queued alert or reminder once
            cases = await asyncio.to_thread(rows, pg_url, Case)
            assert sorted(c.reference for c in cases if c.reference in refs) == sorted(refs)
            assert len(cases) == len(refs) + 2  # and the two seeded ones: nothing made twice
        except BaseException:
            for i in range(2):
                print(f"--- replica {i} log ---\n" + Path(tmp_path / f"replica{i}.log").read_text()[-3000:])
            raise
        finally:
            for process in replicas:
                proxy.stop(process)
            if nginx is not None:
                nginx.stop()
            await fake.close()
            await connector.close()

    asyncio.run(scenario())
