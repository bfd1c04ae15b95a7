"""Bolt listeners: thin. Each acks at once, then translates the payload into an Inbound and renders the Replies."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.notify import remember
from bot.slack import pages
from bot.slack.blocks import fallback_text, message_blocks
from bot.slack.files import send_files
from bot.slack.home import home_view
from bot.slack.ids import (
    CASES_MORE_RE,
    COMMAND,
    FORM_RE,
    OPEN_CASE_RE,
    OPEN_FORM_RE,
    TYPED_RE,
    Action,
    Callback,
    pressed_action,
)
from bot.slack.modals import message_view
from bot.slack.opening import open_modal
from bot.slack.turns import Bridge
from handlers.casework.caseload import FIRST_PAGE, BadFilter, parse_ask
from handlers.casework.home import home_for, open_case
from handlers.casework.reporter_notes import about_concern
from handlers.messages import PERSONAL, ActionId, Address, Channel, Inbound, Reply
from handlers.messages import Action as Pressed

log = logging.getLogger(__name__)
# `/cme add REF` and `/cme follow-up REF` typed without their text: a form asks for it (a modal here), so that
# the answer is never typed into the channel the command was typed in; `/cme details REF` is always a form.
FORM_COMMANDS = frozenset({"add", "follow-up", "details"})
# `/cme close REF OUTCOME ...` may ask before it closes (enquiry steps not done: a reason and a confirmation), so it
# always answers in a modal: its review's Submit confirms, wherever the command was typed.
ASKING_COMMANDS = frozenset({"close"})
# A person writing: a plain message, or a thread reply also sent to the DM ("Also send to direct message").
PERSON_SUBTYPES = (None, "thread_broadcast")


def register(app: AsyncApp, bridge: Bridge) -> None:
    """Attach every listener of the CME app to the bolt app."""
    Listeners(bridge).attach(app)


class Listeners:
    """The listeners, sharing the bridge to the core."""

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge

    def attach(self, app: AsyncApp) -> None:
        """Register each listener with bolt: most ack at once and work after; a page's answer rides on its ack."""
        app.command(COMMAND)(self._after_ack(self.command))
        app.view_submission(Callback.PAGE)(self.page)
        app.view_submission(Callback.SIGNPOST)(self.signpost_read)
        app.block_action(Action.FIELD)(self._after_ack(self.field_changed))
        app.block_action(Action.START_REPORT)(self._after_ack(self.start_report))
        app.block_action(Action.PAGE_HELP)(self._after_ack(self.page_help))
        app.block_action(FORM_RE)(self._after_ack(self.form_button))
        app.block_action(TYPED_RE)(self._after_ack(self.say))
        app.block_action(OPEN_CASE_RE)(self._after_ack(self.open_case))
        app.block_action(OPEN_FORM_RE)(self._after_ack(self.open_form))
        app.block_action(CASES_MORE_RE)(self._after_ack(self.more_cases))
        for callback in (Callback.PAGE, Callback.SIGNPOST):
            app.view_closed(callback)(self._after_ack(self.form_closed))
        app.event("message")(self._after_ack(self.message))
        app.event("app_home_opened")(self._after_ack(self.home_opened))
        app.error(self.error)

    def _after_ack(self, work):
        """A bolt listener that acks, then runs `work` as a task once no other request is waiting for its ack."""

        async def listener(ack, body: dict[str, Any], client: AsyncWebClient, respond, event) -> None:
            await ack()
            later = work(body=body, client=client, respond=respond, event=event)
            self.bridge.background(self.bridge.acks.after_acks(later))  # after the other requests' acks

        listener.__name__ = work.__name__  # bolt names listeners in its logs
        return listener

    async def command(self, body: dict[str, Any], client: AsyncWebClient, respond, **_: Any) -> None:
        """`/cme WORDS`: report opens the modal; anything else is the core's answer, visible only to the sender."""
        once = f"trigger:{body.get('trigger_id')}"  # a retried delivery of a command comes with the same trigger
        identity = self.bridge.identity(body["user_id"], body.get("team_id"), look_up=False)
        text = " ".join(str(body.get("text") or "").split())
        if text.split(" ", 1)[0].lower() == "report":
            await pages.open_report(self.bridge, client, body["trigger_id"], identity, once=once)
            return
        words = text.lower().split()
        missing_text = len(words) == 2 and words[0] in FORM_COMMANDS  # a modal asks for it, not the channel
        if missing_text or (words and words[0] in ASKING_COMMANDS):
            inbound = Inbound(identity, pages.dm(identity), text=f"{COMMAND} {text}", wants_form=True)
            await pages.open_command_form(self.bridge, client, body["trigger_id"], inbound, once=once)
            return
        where = body.get("channel_id") or identity.user_id
        # Typed in a channel the answer is ephemeral, yet shown in front of the channel: the core keeps names out.
        kind = PERSONAL if where.startswith("D") or where == identity.user_id else "channel"
        address = Address(Channel.SLACK, where, identity.user_id, extra={"conversation_type": kind})
        replies = await self.bridge.turn(Inbound(identity, address, text=f"{COMMAND} {text}".strip()), once=once)
        if replies is not None:
            await respond(response_type="ephemeral", replace_original=False, **_message(replies))
            await send_files(client, identity.user_id, replies)  # to their DM, never to the channel typed in

    async def page(self, ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        """A form page was submitted."""
        await pages.submit_page(self.bridge, client, ack, body)

    async def signpost_read(self, ack, body: dict[str, Any]) -> None:
        """The signpost step's Continue."""
        await pages.continue_after_signpost(self.bridge, ack, body)

    async def field_changed(self, body: dict[str, Any], client: AsyncWebClient, **_: Any) -> None:
        """An answer that shows or hides other fields changed."""
        if body.get("view"):
            await pages.rerender(self.bridge, client, body)

    async def page_help(self, body: dict[str, Any], client: AsyncWebClient, **_: Any) -> None:
        """A form page's "Help with these questions": the help over the page, which stays as it was."""
        await pages.show_help(self.bridge, client, body)

    async def start_report(self, body: dict[str, Any], client: AsyncWebClient, **_: Any) -> None:
        """App Home's "Raise a concern" button (the profile look-up waits for the first page, as for /cme report)."""
        identity = _who(self.bridge, body, look_up=False)
        await pages.open_report(self.bridge, client, body["trigger_id"], identity)

    async def say(self, body: dict[str, Any], client: AsyncWebClient, **_: Any) -> None:
        """A quick reply or an officer's action button: its value is sent as if typed."""
        action = body["actions"][0]
        identity = _who(self.bridge, body)
        channel = _private_channel(body, identity.user_id)
        pressed = Pressed(ActionId.SAY, str(action.get("value", "")))
        inbound = Inbound(identity, Address(Channel.SLACK, channel, identity.user_id), action=pressed)
        once = f"action:{identity.user_id}:{action.get('action_ts')}"
        replies = await self.bridge.turn(inbound, once=once)
        await self._post(client, inbound.address, replies)
        await send_files(client, identity.user_id, replies)

    async def form_button(self, body: dict[str, Any], client: AsyncWebClient, **_: Any) -> None:
        """Snooze, not possible, note, assign, close, reopen: a modal asks for the details the press lacks."""
        action = body["actions"][0]
        identity = _who(self.bridge, body)
        pressed = Pressed(pressed_action(action["action_id"]), str(action.get("value", "")))
        inbound = Inbound(identity, pages.dm(identity), action=pressed, wants_form=True)
        once = f"action:{identity.user_id}:{action.get('action_ts')}"
        await pages.open_form_button(self.bridge, client, body, inbound, once=once)

    async def open_form(self, body: dict[str, Any], client: AsyncWebClient, **_: Any) -> None:
        """Open the form again, or keep or discard a draft and start what was asked: a modal where it shows a form."""
        action = body["actions"][0]
        identity = _who(self.bridge, body)
        pressed = Pressed(ActionId.OPEN_FORM, str(action.get("value", "")))
        inbound = Inbound(identity, pages.dm(identity), action=pressed, wants_form=True)
        once = f"action:{identity.user_id}:{action.get('action_ts')}"
        await pages.open_button(self.bridge, client, body, inbound, once)

    async def form_closed(self, body: dict[str, Any], client: AsyncWebClient, **_: Any) -> None:
        """A form's modal was closed with X or Cancel: the draft is kept and the DM says how to carry on."""
        await pages.form_closed(self.bridge, client, body)

    async def open_case(self, body: dict[str, Any], client: AsyncWebClient, **_: Any) -> None:
        """An officer opens a case from App Home or a notification: a modal, and the opening is recorded."""
        identity = _who(self.bridge, body)
        reference = str(body["actions"][0].get("value", ""))
        inbound = Inbound(identity, pages.dm(identity), action=Pressed(ActionId.OPEN_CASE, reference))
        work = self.bridge.background(asyncio.to_thread(open_case, self.bridge.router, inbound, reference))
        await open_modal(client, body["trigger_id"], work, _case_view)

    async def message(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, **_: Any) -> None:
        """A message in the app's DM: the conversational path, the same as the terminal chat."""
        if event.get("channel_type") != "im" or event.get("subtype") not in PERSON_SUBTYPES or event.get("bot_id"):
            return  # edits, joins, other bots: not a person talking to us
        identity = self.bridge.identity(event["user"], body.get("team_id"))
        address = Address(Channel.SLACK, event["channel"], identity.user_id)
        # A reply in a thread names the thread's first message: a concern's confirmation or a question adds to it.
        thread = event.get("thread_ts") if event.get("thread_ts") != event.get("ts") else None
        text = event.get("text") or ""
        inbound = Inbound(identity, address, text=text, event_id=body.get("event_id"), thread_id=thread)
        # Slack's retries (X-Slack-Retry-Num) carry the same event id, whichever replica they reach.
        replies = await self.bridge.turn(inbound, once=f"event:{body.get('event_id')}", durable=True)
        await self._post(client, address, replies, thread_ts=thread)  # in the thread they wrote in
        await send_files(client, identity.user_id, replies)

    async def more_cases(self, body: dict[str, Any], client: AsyncWebClient, **_: Any) -> None:
        """The caseload's "More": the next page in place on App Home; in a message, as if its value were typed."""
        if (body.get("view") or {}).get("type") != "home":
            await self.say(body=body, client=client)
            return
        identity = _who(self.bridge, body)
        words = str(body["actions"][0].get("value", "")).split()[2:]  # after "/cme cases"
        try:
            ask = parse_ask(words)
        except BadFilter:
            ask = FIRST_PAGE  # a value we did not make: the first page, as opening the tab shows
        home = await asyncio.to_thread(home_for, self.bridge.core, identity, ask=ask)
        await client.views_publish(user_id=identity.user_id, view=home_view(home))

    async def home_opened(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, **_: Any) -> None:
        """App Home: the person's own concerns, or an officer's open cases."""
        if event.get("tab", "home") != "home":
            return
        identity = self.bridge.identity(event["user"], body.get("team_id"))
        home = await asyncio.to_thread(home_for, self.bridge.core, identity)
        await client.views_publish(user_id=identity.user_id, view=home_view(home))

    async def _post(
        self, client: AsyncWebClient, address: Address, replies: list[Reply] | None, *, thread_ts: str | None = None
    ) -> None:
        """Post the replies as one message; one about a reporter's concern is remembered (a reply to it adds)."""
        if not replies:
            return
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        response = await client.chat_postMessage(channel=address.conversation_id, **_message(replies), **extra)
        if about_concern(replies):
            await self.bridge.in_thread(remember, self.bridge.core, address, thread_ts or response.get("ts"), replies)

    async def error(self, error: Exception) -> None:
        """Log failures by type only: payloads can hold a child's details."""
        log.error("Slack listener failed (%s)", type(error).__name__)
        if self.bridge.on_error is not None:
            self.bridge.on_error(error)


def _case_view(replies: list[Reply]) -> dict[str, Any]:
    return message_view(replies, title="Case", callback=Callback.CASE, buttons=True)


def _private_channel(body: dict[str, Any], user_id: str) -> str:
    """Where to answer a press: its DM, else the person's DM (a channel's members may not all be officers)."""
    channel = (body.get("channel") or {}).get("id") or ""
    return channel if channel.startswith("D") else user_id


def _who(bridge: Bridge, body: dict[str, Any], *, look_up: bool = True):
    team = (body.get("team") or {}).get("id") or body["user"].get("team_id")
    return bridge.identity(body["user"]["id"], team, look_up=look_up)


def _message(replies: list[Reply]) -> dict[str, Any]:
    return {"text": fallback_text(replies), "blocks": message_blocks(replies)}
