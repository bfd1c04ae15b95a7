"""The modal path of a whole form: open it, answer each page's submission, show signposts and the confirmation.

A page's submission must be answered on the ack itself (inline errors, the next page), so the core
gets ACK_BUDGET seconds; if the database is slower, the modal shows "working" and is updated after.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import fallback_text, message_blocks
from bot.slack.modals import (
    REFERRAL_ID,
    REFERRAL_TITLE,
    decode_form,
    form_title,
    form_values,
    help_view,
    message_view,
    page_view,
    signpost_view,
    working_view,
)
from bot.slack.opening import open_modal, update_view
from bot.slack.turns import Bridge
from handlers.forms.spec import FormSpec
from handlers.forms.whole_form import help_for
from handlers.messages import ActionId, Address, Channel, FormView, Identity, Inbound, Reply, ReplyKind

log = logging.getLogger(__name__)
ACK_BUDGET = 2.0  # seconds: Slack gives up at 3, and the network needs some of that
ERROR_LIMIT = 150
CASE_TITLE = "CME case"


@dataclass
class Step:
    """What to do after a page: the ack, and the same view for a views.update when the ack has gone."""

    ack: dict[str, Any]
    view: dict[str, Any]


def dm(identity: Identity) -> Address:
    """The person's DM with the app (chat.postMessage to a user id posts there)."""
    return Address(Channel.SLACK, identity.user_id, identity.user_id)


async def open_report(
    bridge: Bridge, client: AsyncWebClient, trigger_id: str, identity: Identity, *, once: str | None = None
) -> None:
    """Open the referral modal on its first page (a "working" view first only when the core is slow)."""
    inbound = Inbound(identity, dm(identity), text="/cme report", wants_form=True)
    # The draft is made in the background: if the modal can't open, the turn still completes.
    work = bridge.background(bridge.turn(inbound, once=once))
    failed = functools.partial(_not_opened, bridge, client, identity)
    await open_modal(client, trigger_id, work, lambda replies: first_view(bridge, replies), failed=failed)


async def open_command_form(
    bridge: Bridge, client: AsyncWebClient, trigger_id: str, inbound: Inbound, *, once: str | None = None
) -> None:
    """A slash command that opens a form (`/cme add REF`): its modal, or what the core said instead, in a modal."""
    work = bridge.background(bridge.turn(inbound, once=once))
    failed = functools.partial(_not_opened, bridge, client, inbound.identity)
    await open_modal(client, trigger_id, work, functools.partial(first_view, bridge, title=CASE_TITLE), failed=failed)


async def open_button(
    bridge: Bridge, client: AsyncWebClient, body: dict[str, Any], inbound: Inbound, once: str
) -> None:
    """A button that may show a form (open it again, keep or discard a draft): a modal if it does, else the DM."""
    work = bridge.background(bridge.turn(inbound, once=once))
    in_modal = (body.get("view") or {}).get("type") == "modal"
    failed = functools.partial(_not_opened, bridge, client, inbound.identity)
    chat = functools.partial(post_dm, client, inbound.identity)
    render = functools.partial(first_view, bridge, title=REFERRAL_TITLE)
    await open_modal(client, body["trigger_id"], work, render, push=in_modal, failed=failed, chat=chat)


async def form_closed(bridge: Bridge, client: AsyncWebClient, body: dict[str, Any]) -> None:
    """The person closed a form's modal: its draft is kept; the DM says how to open it again or discard it."""
    identity = bridge.identity(body["user"]["id"], (body.get("team") or {}).get("id"))
    replies = await bridge.turn(Inbound(identity, dm(identity), text="/cme resume"))
    if replies and any(b.action_id is ActionId.OPEN_FORM for r in replies for b in r.buttons):
        await post_dm(client, identity, [Reply("You closed the form before sending it."), *replies])


async def _not_opened(bridge: Bridge, client: AsyncWebClient, identity: Identity, replies: list[Reply]) -> None:
    """Slack would not open the modal (the trigger expired): say so in the DM, with a button to open the draft."""
    if not any(r.form is not None for r in replies):
        await post_dm(client, identity, replies)  # no form to open: what the core said is the answer
        return
    kept = await bridge.turn(Inbound(identity, dm(identity), text="/cme resume"))
    said = Reply("Slack didn't open the form in time (it can take a moment). Your form is saved.")
    await post_dm(client, identity, [said, *(kept or [])])


async def post_dm(client: AsyncWebClient, identity: Identity, replies: list[Reply]) -> None:
    """Post replies in the person's DM with the app."""
    if replies:
        try:
            await client.chat_postMessage(
                channel=identity.user_id, text=fallback_text(replies), blocks=message_blocks(replies)
            )
        except SlackApiError as exc:
            log.warning("chat.postMessage failed (%s)", exc.response.get("error"))


async def open_form_button(
    bridge: Bridge, client: AsyncWebClient, body: dict[str, Any], inbound: Inbound, *, once: str
) -> None:
    """An officer's button that may need details: its short form as a modal (pushed over a case's modal)."""
    work = bridge.background(bridge.turn(inbound, once=once))
    in_modal = (body.get("view") or {}).get("type") == "modal"  # a modal's buttons push, Slack refuses views.open
    render = functools.partial(first_view, bridge, title=CASE_TITLE)
    failed = functools.partial(_not_opened, bridge, client, inbound.identity)
    await open_modal(client, body["trigger_id"], work, render, push=in_modal, failed=failed)


def first_view(bridge: Bridge, replies: list[Reply], title: str = REFERRAL_TITLE) -> dict[str, Any]:
    """The modal for a turn that starts a form: its first page, or what the core said instead."""
    page = next((r for r in replies if r.form is not None), None)
    if page is None:  # a choice about a draft in progress keeps its buttons: they open the form asked for
        choice = any(b.action_id is ActionId.OPEN_FORM for r in replies for b in r.buttons)
        return message_view(replies, title=title, buttons=choice)
    notes = [r for r in replies if r is not page]
    return page_view(_spec(bridge, page.form), page.form, notes)


async def submit_page(bridge: Bridge, client: AsyncWebClient, ack, body: dict[str, Any]) -> None:
    """Answer one page's submission on the ack when the core is quick enough, else after it."""
    view = body["view"]
    form = _form_of(bridge, view)
    if form is None:
        await ack(response_action="update", view=message_view([_stale()], title="CME concern"))
        return
    identity = bridge.identity(body["user"]["id"], (body.get("team") or {}).get("id"))
    values = {"_draft": form.draft_id, "_section": form.section_id, **form_values(view)}
    inbound = Inbound(identity, dm(identity), form_id=form.form_id, form_values=values, event_id=view.get("id"))
    after = _confirm_once(bridge, identity) if form.form_id == REFERRAL_ID else None
    work = bridge.background(bridge.turn(inbound, after=after))
    shown = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
    again = replace(form, values=form_values(view))  # this page as sent, should it need sending again
    try:
        replies = await asyncio.wait_for(asyncio.shield(work), ACK_BUDGET)
    except TimeoutError:
        await ack(response_action="update", view=working_view())
        bridge.background(_late(bridge, client, view["id"], work, shown, again))
    else:
        step = next_step(bridge, replies, shown, form.form_id, again=again)
        await ack(**step.ack)


async def _late(bridge: Bridge, client: AsyncWebClient, view_id: str, work, shown: set[str], again: FormView) -> None:
    """The core answered after the ack: show its answer in place of the "working" view."""
    await update_view(client, view_id, next_step(bridge, await work, shown, again.form_id, again=again).view)


def _confirm_once(bridge: Bridge, identity: Identity):
    """After a page's turn: queue the confirmation message, once per case whatever the retries and clicks."""

    def after(replies: list[Reply]) -> None:
        confirmation = next((r for r in replies if r.kind is ReplyKind.CONFIRMATION), None)
        if confirmation is not None:
            bridge.send_once(f"confirmation:{confirmation.data.get('reference')}", dm(identity), replies)

    return after


def next_step(
    bridge: Bridge, replies: list[Reply], shown: set[str], form_id: str = REFERRAL_ID, *, again: FormView | None = None
) -> Step:
    """The modal's next step for the core's replies to a page of form `form_id`.

    `again` is the page as it was sent: shown again, answers and all, when the core asks for it to be
    sent again (the database was down), so that pressing the button again works.
    """
    page = next((r for r in replies if r.form is not None), None)
    notes = [r for r in replies if r is not page]
    if page is None and again is not None and any(r.data.get("retry") for r in replies):
        view = page_view(_spec(bridge, again), again, notes)
        return Step({"response_action": "update", "view": view}, view)
    if page is not None and page.form.errors:
        return _errors(bridge, page.form, notes, shown)
    if page is not None:
        signposts = [r for r in notes if r.kind is ReplyKind.SIGNPOST]
        others = [r for r in notes if r.kind is not ReplyKind.SIGNPOST]
        if signposts:
            view = signpost_view(signposts, others, page.form)
        else:
            view = page_view(_spec(bridge, page.form), page.form, notes)
        return Step({"response_action": "update", "view": view}, view)
    view = message_view(replies, title=_end_title(bridge, form_id, replies))
    return Step({"response_action": "update", "view": view}, view)


def _end_title(bridge: Bridge, form_id: str, replies: list[Reply]) -> str:
    if form_id == REFERRAL_ID:
        return "Concern raised" if any(r.kind is ReplyKind.CONFIRMATION for r in replies) else REFERRAL_TITLE
    flow = bridge.router.flows.get(form_id)
    return form_title(flow.spec) if flow is not None else CASE_TITLE


def _errors(bridge: Bridge, form: FormView, notes: list[Reply], shown: set[str]) -> Step:
    view = page_view(_spec(bridge, form), form, notes)
    if set(form.errors) <= shown:  # Slack can only mark input blocks that are on the page
        errors = {k: v if len(v) <= ERROR_LIMIT else v[: ERROR_LIMIT - 1] + "…" for k, v in form.errors.items()}
        return Step({"response_action": "errors", "errors": errors}, view)
    return Step({"response_action": "update", "view": view}, view)


async def continue_after_signpost(bridge: Bridge, ack, body: dict[str, Any]) -> None:
    """The person has read the signpost: show the page it was holding."""
    form = _form_of(bridge, body["view"])
    if form is None:
        await ack(response_action="update", view=message_view([_stale()], title="CME concern"))
        return
    await ack(response_action="update", view=page_view(_spec(bridge, form), form))


async def show_help(bridge: Bridge, client: AsyncWebClient, body: dict[str, Any]) -> None:
    """A page's "Help with these questions": its questions explained, pushed over the page; nothing sent or changed.

    The help is the form's words and the glossary, the same for anyone, so the draft is neither read nor touched;
    Slack keeps the page, with what was typed, under the pushed view.
    """
    view, trigger = body.get("view"), body.get("trigger_id")
    if not isinstance(view, dict) or not isinstance(trigger, str) or not trigger:
        return  # no modal to push over, or nothing to push with: a press Slack would never send
    form = _form_of(bridge, view)
    if form is None:
        shown = message_view([_stale()], title=REFERRAL_TITLE)
    else:
        spec = _spec(bridge, form)
        section = next(s for s in spec.sections if s.id == form.section_id)
        shown = help_view(section.title, help_for(spec, form.section_id))
    try:
        await client.views_push(trigger_id=trigger, view=shown)
    except SlackApiError as exc:  # push_limit_reached (three views deep), an expired trigger
        log.warning("views.push of a page's help failed (%s)", exc.response.get("error"))


async def rerender(bridge: Bridge, client: AsyncWebClient, body: dict[str, Any]) -> None:
    """Show or hide the fields that depend on the answer just changed."""
    view = body["view"]
    form = _form_of(bridge, view)
    if form is None:
        return
    current = page_view(_spec(bridge, form), replace(form, values=form_values(view)))
    try:
        await client.views_update(view_id=view["id"], hash=view.get("hash"), view=current)
    except SlackApiError as exc:  # hash_conflict: a newer update won; that one shows the right fields
        log.info("views.update skipped (%s)", exc.response.get("error"))


def _form_of(bridge: Bridge, view: dict[str, Any]) -> FormView | None:
    """The form page a view carries; None when it isn't one, or names a form or page this app doesn't have."""
    form = decode_form(view.get("private_metadata", ""))
    flow = bridge.router.flows.get(form.form_id) if form is not None else None
    if flow is None or not any(section.id == form.section_id for section in flow.spec.sections):
        return None
    return form


def _spec(bridge: Bridge, form: FormView) -> FormSpec:
    return bridge.router.flows[form.form_id].spec


def _stale() -> Reply:
    return Reply("That form page is out of date. Please start again with /cme report.", kind=ReplyKind.ERROR)
