"""Open a modal from a trigger id: once, with the real view, when the core answers quickly.

A trigger id lasts 3 seconds and works once, so the core gets OPEN_BUDGET seconds. Usually it answers
in a few milliseconds and one views.open shows the real view (one Web API call, not two). When the
database is slow the modal opens with a "working" view and views.update fills it when the core answers.

The budget is a second, not less: the core is slow mostly when turns queue behind each other (a burst
of commands, one SQLite writer), which is when the event loop is busiest, and the "working" view then
doubles the Web API calls the loop makes, slowing every ack behind them. Measured (bench_slack, 400
commands, 20 in flight): at 0.5 s, 120-170 of 440 modals took the two-call path and the ack median was
0.82-1.51 times bolt's bare floor, at times 2.4; at 1.0 s, none did and it was 0.84-1.01.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.modals import working_view
from bot.slack.priority import yield_to_acks
from handlers.messages import Reply

log = logging.getLogger(__name__)
OPEN_BUDGET = 1.0  # seconds; leaves the trigger's 3 s room for Slack's delivery to us and our views.open
CHAT_BUDGET = 2.0  # seconds to learn whether a button's answer is a form at all (the trigger lasts 3)
Render = Callable[[list[Reply]], dict[str, Any]]
Elsewhere = Callable[[list[Reply]], Awaitable[None]]


async def open_modal(
    client: AsyncWebClient,
    trigger_id: str,
    work: Awaitable[list[Reply] | None],
    render: Render,
    *,
    push=False,
    failed: Elsewhere | None = None,
    chat: Elsewhere | None = None,
) -> None:
    """Open the modal for `work`'s replies: one views.open when quick, else "working" then views.update.

    `push` stacks it on the modal the trigger came from (views.push). Replies of None mean the
    delivery was a duplicate, already handled: nothing opens. `failed` gets the replies when Slack
    refuses to open the modal (an expired trigger), so the person can be told in the DM. `chat`
    gets replies that hold no form page instead of a modal (a button that may or may not show one).
    """
    pending = asyncio.ensure_future(work)
    try:
        replies = await asyncio.wait_for(asyncio.shield(pending), CHAT_BUDGET if chat else OPEN_BUDGET)
    except TimeoutError:
        await _open_then_fill(client, trigger_id, pending, render, push, failed)
        return
    if replies is None:
        return
    if chat is not None and not any(r.form is not None for r in replies):
        await chat(replies)
    elif await _show(client, trigger_id, render(replies), push) is None and failed is not None:
        await failed(replies)


async def _show(client: AsyncWebClient, trigger_id: str, view: dict[str, Any], push: bool) -> dict[str, Any] | None:
    await yield_to_acks()  # views.open is the costliest step on the loop: acks in progress go first
    try:
        if push:
            return await client.views_push(trigger_id=trigger_id, view=view)
        return await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.%s failed (%s)", "push" if push else "open", exc.response.get("error"))
        return None


async def _open_then_fill(
    client: AsyncWebClient, trigger_id: str, pending: asyncio.Future, render: Render, push: bool, failed
) -> None:
    opened = await _show(client, trigger_id, working_view(), push)
    if opened is None:
        replies = await pending
        if replies is not None and failed is not None:
            await failed(replies)
        return
    replies = await pending
    if replies is not None:  # a duplicate found slow: its modal stays "working" (Slack won't send it twice)
        await update_view(client, opened["view"]["id"], render(replies))


async def update_view(client: AsyncWebClient, view_id: str, view: dict[str, Any]) -> None:
    """views.update, logging (by error code only) when Slack refuses."""
    try:
        await client.views_update(view_id=view_id, view=view)
    except SlackApiError as exc:
        log.warning("views.update failed (%s)", exc.response.get("error"))
