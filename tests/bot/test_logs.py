"""Logs stay clean: with logging set up as `cme-bot serve` sets it up (text and JSON), every logger at DEBUG,
a child's name sent in Slack and Teams requests (stale, forged, malformed and genuine) appears in no record.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
import shutil
import time
import urllib.parse

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.config import Settings
from bot.logs import REDACTED, clean, redact_text, remove_redaction, request_scope, setup_logging
from tests.bot.slack.slack_driver import SECRET, fill, running, signed_headers
from tests.bot.slack.test_modal import opened_modal, page
from tests.bot.teams.harness import OFFICER, write_profile
from tests.bot.teams.harness import running as teams_running
from tests.handlers.casework.test_cases import make_case
from tests.support import CHILD_PAGE

NAME = "Zephyrine"
SURNAME = "Quackenbush"
LIBRARIES = (
    "slack_bolt",
    "slack_sdk",
    "bot.slack.bolt",
    "botbuilder",
    "botframework",
    "msrest",
    "aiohttp.access",
    "aiohttp.server",
    "aiohttp.client",
    "urllib3",
    "sqlalchemy",
    "sqlalchemy.engine",
    "asyncio",
)
CHILD = {**CHILD_PAGE, "child_forenames": NAME, "child_surname": SURNAME}  # the first page, naming our child


class Everything(logging.Handler):
    """Keeps every record that reaches the root logger, at every level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Logs:
    """What a test logged: the records and the lines the production handler wrote."""

    def __init__(self, records: list[logging.LogRecord], stream: io.StringIO, fmt: str) -> None:
        self.records, self.stream, self.fmt = records, stream, fmt

    def assert_never(self, *words: str) -> None:
        """No record (message, arguments, traceback, stack, any field) and no written line holds these words."""
        assert self.records, "nothing was logged: the test proves nothing"
        for record in self.records:
            fields = {**vars(record), "message": record.getMessage()}
            text = " ".join(str(value) for value in fields.values())
            for word in words:
                assert word not in text, f"{word!r} logged by {record.name}: {record.getMessage()[:200]}"
        written = self.stream.getvalue()
        for word in words:
            assert word not in written


@pytest.fixture
def sqlite_db(sqlite_template, tmp_path) -> str:
    """A fresh migrated SQLite database (what is logged does not depend on the backend)."""
    path = tmp_path / "cme.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["text", "json"])
def production_logs(request):
    """Logging as `cme-bot serve` sets it up, in the given format, with every library at DEBUG."""
    root = logging.getLogger()
    saved_level = root.level
    saved = {name: logging.getLogger(name).level for name in LIBRARIES}
    stream = io.StringIO()
    ours = setup_logging("DEBUG", request.param, stream, quiet_libraries=False)
    everything = Everything()
    root.addHandler(everything)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield Logs(everything.records, stream, request.param)
    root.removeHandler(everything)
    root.removeHandler(ours)
    root.setLevel(saved_level)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)
    remove_redaction()


def test_stale_and_forged_slack_modal_submissions_log_no_answers(sqlite_db, production_logs):
    async def scenario():
        async with running(sqlite_db) as slack:
            user = slack.user("U0REPORTER", "Sam Nurse")
            view = await opened_modal(slack, user)
            filled = fill(view, {"immediate_danger": "no"})
            payload = {"type": "view_submission", "user": user.who, "view": filled, "team": {"id": "T0COUNCIL"}}
            body = urllib.parse.urlencode({"payload": json.dumps(payload)}).replace("immediate_danger", NAME)
            six_minutes_ago = int(time.time()) - 6 * 60
            for sign in ({"timestamp": six_minutes_ago}, {"secret": "a-rotated-secret"}):
                status, _ = await slack.post(body, "application/x-www-form-urlencoded", **sign)
                assert status == 401
            status, _ = await user.command(f"report {NAME} {SURNAME}", timestamp=six_minutes_ago)
            assert status == 401

    asyncio.run(scenario())
    production_logs.assert_never(NAME, SURNAME)
    assert any("stale or invalid Slack timestamp" in r.getMessage() for r in production_logs.records)


def test_bolt_logging_a_rejected_body_at_info_is_cleaned(production_logs):
    """Were a request to reach bolt unverified (a route added later), bolt's `body: ...` line is cleaned too."""
    bolt = AsyncApp(signing_secret=SECRET, token="xoxb-x", logger=logging.getLogger("bot.slack.bolt"))
    text = urllib.parse.urlencode({"command": "/cme", "text": f"report {NAME} {SURNAME}", "user_id": "U1"})
    headers = signed_headers(text, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 400)
    response = asyncio.run(bolt.async_dispatch(AsyncBoltRequest(body=text, headers=headers)))
    assert response.status == 401
    production_logs.assert_never(NAME, SURNAME)
    assert any("Invalid request signature" in r.getMessage() for r in production_logs.records)


def test_a_genuine_referral_at_debug_logs_no_child_details(sqlite_db, production_logs):
    async def scenario():
        async with running(sqlite_db) as slack:
            user = slack.user("U0REPORTER", "Sam Nurse")
            view = await page(user, await opened_modal(slack, user), {"immediate_danger": "no"})
            view = await page(user, view, CHILD)
            view = await page(user, view, {"concern": f"{NAME} has not been seen", "referrer_contact": "0161 496 0123"})
            status, _ = await user.dm(f"is {NAME} {SURNAME} missing education?")
            assert status == 200
            await slack.fake.wait_for("chat.postMessage")

    asyncio.run(scenario())
    production_logs.assert_never(NAME, SURNAME)
    assert any(r.name.startswith(("slack", "bot.slack.bolt")) for r in production_logs.records)


def test_a_malformed_teams_activity_logs_neither_its_content_nor_a_message(sqlite_db, production_logs):
    bad = [
        {"type": "message", "channelId": "msteams", "serviceUrl": "http://127.0.0.1:9/", "timestamp": NAME},
        {"type": "message", "channelId": "msteams", "serviceUrl": "http://127.0.0.1:9/", "text": NAME, "from": 7},
        {"type": "message", "channelId": "msteams", "serviceUrl": "http://127.0.0.1:9/", "entities": SURNAME},
    ]

    async def scenario():
        async with running(sqlite_db) as slack:
            for activity in bad:
                async with slack.client.post("/api/messages", json=activity) as response:
                    assert 400 <= response.status < 500
                    assert NAME not in await response.text()

    asyncio.run(scenario())
    production_logs.assert_never(NAME, SURNAME)


def test_an_officer_in_teams_at_debug_logs_no_child_details(sqlite_db, tmp_path, production_logs):
    """The name goes in (an officer's note) and out (the case view sent to the connector), both at DEBUG."""

    async def scenario():
        async with teams_running(sqlite_db, write_profile(tmp_path)) as h:
            reference = make_case(h.engine, h.context.core.profile, 1, dt.datetime(2026, 11, 20, tzinfo=dt.UTC))
            await h.say(f"note {reference} {NAME} {SURNAME} was seen at the shop", who=OFFICER)
            shown = await h.say(f"case {reference}", who=OFFICER)
            assert NAME in json.dumps([s.activity for s in shown])  # the officer sees it; the log must not

    asyncio.run(scenario())
    production_logs.assert_never(NAME, SURNAME)
    assert any(r.name.startswith(("botbuilder", "msrest", "bot.teams")) for r in production_logs.records)


def test_every_line_of_a_turn_carries_its_request_id(production_logs):
    log = logging.getLogger("cme.test")
    with request_scope("turn-one"):
        log.info("first")
        log.warning("second %s", 2)
    log.info("outside")
    lines = production_logs.stream.getvalue().splitlines()
    if production_logs.fmt == "json":
        ids = [json.loads(line)["request_id"] for line in lines]
        assert {"level", "logger", "message", "asctime"} <= set(json.loads(lines[0]))
    else:
        ids = [line.split("[", 1)[1].split("]", 1)[0] for line in lines]
    assert ids == ["turn-one", "turn-one", "-"]


def test_a_request_and_its_access_line_share_one_request_id(sqlite_db, production_logs):
    async def scenario():
        async with running(sqlite_db) as slack:
            for _ in range(2):
                status, _ = await slack.post("command=%2Fcme", "application/x-www-form-urlencoded", secret="wrong")
                assert status == 401

    asyncio.run(scenario())
    ids = [
        (record.name, getattr(record, "request_id", None))
        for record in production_logs.records
        if record.name == "bot.edge" or "/slack/events" in record.getMessage()  # not the fake Slack's own lines
    ]
    refused = [rid for name, rid in ids if name == "bot.edge"]
    access = [rid for name, rid in ids if name == "aiohttp.access"]
    assert refused == access and len(set(refused)) == 2 and "-" not in refused


def test_an_exception_keeps_its_frames_but_not_its_message(production_logs):
    try:
        raise ValueError(f"could not read {NAME} {SURNAME}")
    except ValueError:
        logging.getLogger("cme.test").exception("turn failed")
    production_logs.assert_never(NAME, SURNAME)
    written = production_logs.stream.getvalue()
    assert "ValueError (message withheld)" in written and "test_logs.py" in written


@pytest.mark.parametrize(
    "text",
    [
        f"request body: token=x&text={NAME}",
        f"{{'view': {{'state': '{NAME}'}}}}",
        f"payload=%7B%22{NAME}%22",
        f"Received the following response - status: 200, headers: {{}}, body: {NAME}",
        f"command=%2Fcme&text={NAME}&user_id=U1",
    ],
)
def test_bodies_in_any_shape_are_replaced(text):
    assert NAME not in redact_text(text)


def test_a_download_link_s_token_never_reaches_the_log():
    token = "KQBpsYL2L6xVWkJsao33Bzbc4eieRJDA-T2BC0ObfCU"
    line = f'127.0.0.1 [26/Nov/2026:10:00:00 +0000] "HEAD /downloads/{token} HTTP/1.1" 200 259 "-" "Teams"'
    assert token not in redact_text(line) and "HEAD /downloads/[redacted] HTTP/1.1" in redact_text(line)


def test_containers_in_arguments_are_not_formatted():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "got %s and %s", ({"child": NAME}, [SURNAME]), None)
    cleaned = clean(record)
    assert NAME not in cleaned.getMessage() and SURNAME not in cleaned.getMessage()
    mapping = logging.LogRecord("x", logging.INFO, __file__, 1, "got %(child)s", ({"child": NAME},), None)
    assert clean(mapping).getMessage() == f"got {REDACTED}"


def test_log_settings_are_checked(monkeypatch):
    monkeypatch.setenv("CME_LOG_FORMAT", "JSON")
    monkeypatch.setenv("CME_LOG_LEVEL", "debug")
    settings = Settings()
    assert (settings.log_format, settings.log_level) == ("json", "DEBUG")
    monkeypatch.setenv("CME_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="CME_LOG_FORMAT"):
        Settings()


def test_a_scheduled_jobs_lines_carry_one_id_of_their_own_threads_included(core, production_logs):
    """A sweep's or delivery's lines can be read together, as a request's can: not all marked "-"."""
    from bot.jobs import Jobs

    log = logging.getLogger("cme.test.job")

    async def work() -> None:
        log.info("in the loop")
        await asyncio.to_thread(log.info, "in a database thread")

    async def twice() -> None:
        jobs = Jobs(core, outbox=None)
        job = jobs._shielded(work, "reminders")
        await job()
        await job()

    asyncio.run(twice())
    ids = [getattr(r, "request_id", None) for r in production_logs.records if r.name == "cme.test.job"]
    assert len(ids) == 4 and all(i.startswith("job-reminders-") for i in ids)
    assert ids[0] == ids[1] != ids[2] == ids[3]  # one id a run, the thread's lines included
