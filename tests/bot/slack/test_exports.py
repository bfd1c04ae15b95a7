"""/cme export and /cme stats in Slack: signed slash commands; the file goes to the officer's DM only."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

from openpyxl import load_workbook
from sqlmodel import Session

from bot.app import CONTEXT_KEY
from bot.slack.files import NOT_SENT, SENT
from storage.models import Case
from tests.bot.slack.slack_driver import running, text_of


def _cases(engine) -> None:
    with Session(engine) as session:
        for number, day in enumerate(("2026-09-10", "2026-10-05"), start=1):
            created = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
            session.add(
                Case(
                    reference=f"CME-2026-{number:04d}",
                    year=2026,
                    seq=number,
                    reporter_key="slack:T0COUNCIL:U0REPORTER",
                    state="open",
                    triage_outcome="cme",
                    created_at=created,
                )
            )
        session.commit()


async def _shared(fake, count: int = 1) -> list[dict]:
    """The uploads shared to a conversation, once `count` are (files.completeUploadExternal answered)."""
    for _ in range(500):
        shared = [upload for upload in fake.uploads.values() if upload.get("channel")]
        if len(shared) >= count:
            return shared
        await asyncio.sleep(0.01)
    raise AssertionError(f"{len(fake.uploads)} uploads started, none shared")


def test_an_export_typed_in_a_channel_is_uploaded_to_the_officers_dm_only(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            _cases(slack.client.server.app[CONTEXT_KEY].core.engine)
            officer = slack.user("U0OFFICER", "cme.officer")
            assert await officer.command("export cases 2026-09-01 2026-11-30 xlsx termly caseload review") == (200, "")
            [answer] = [call.args for call in await slack.fake.wait_for_responses(1)]
            assert answer["response_type"] == "ephemeral" and "2 cases raised" in text_of(answer["blocks"])
            [opened] = await slack.fake.wait_for("conversations.open")
            assert opened.args["users"] == "U0OFFICER"
            [upload] = await _shared(slack.fake)
            assert upload["channel"] == "D0OFFICER" and upload["initial_comment"] == SENT
            assert upload["filename"] == "cme-cases-2026-09-01-to-2026-11-30.xlsx"
            assert upload["length"] == len(upload["content"])
            rows = list(load_workbook(io.BytesIO(upload["content"]))["Cases"].iter_rows(values_only=True))
            assert [row[0] for row in rows] == ["reference", "CME-2026-0001", "CME-2026-0002"]
            assert not any(call.args.get("channel") == "C0GENERAL" for call in slack.fake.calls)

    asyncio.run(scenario())


def test_stats_send_a_png_with_alt_text_and_a_reporter_gets_no_file(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            _cases(slack.client.server.app[CONTEXT_KEY].core.engine)
            reporter = slack.user("U0REPORTER")
            assert await reporter.command("stats") == (200, "")
            [refused] = [call.args for call in await slack.fake.wait_for_responses(1)]
            assert "CME officer and their manager only" in text_of(refused["blocks"])
            officer = slack.user("U0OFFICER", "cme.officer")
            assert await officer.dm("/cme stats 2026-09 2026-11") == (200, "")
            [upload] = await _shared(slack.fake)
            assert upload["content"].startswith(b"\x89PNG") and upload["channel"] == "D0OFFICER"
            assert upload["alt_txt"].startswith("Cases September 2026 to November 2026: 2 new.")
            assert [c.args["users"] for c in slack.fake.of("conversations.open")] == ["U0OFFICER"]

    asyncio.run(scenario())


def test_a_failed_upload_is_said_to_the_officer_without_the_file(slack_db):
    async def scenario():
        async with running(slack_db) as slack:
            slack.fake.fail("files.getUploadURLExternal", error="not_allowed_token_type")
            officer = slack.user("U0OFFICER", "cme.officer")
            assert await officer.command("export dfe-return 2026-10-02") == (200, "")
            posts = await slack.fake.wait_for("chat.postMessage")
            assert posts[-1].args["channel"] == "U0OFFICER" and posts[-1].args["text"] == NOT_SENT
            assert not slack.fake.of("files.completeUploadExternal")

    asyncio.run(scenario())
