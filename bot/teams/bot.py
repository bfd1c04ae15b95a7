"""The Teams bot: a thin ActivityHandler that translates activities for the router and renders its replies.

In a personal chat everything is answered in place. In a channel or group chat (where the bot
answers only when @mentioned) only general help is answered there; anything that may be about a
child is answered in the person's personal chat, with a short pointer in the channel.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ChannelAccount

from bot.claims import DeliveryClaims
from bot.notify import remember
from bot.teams.downloads import Downloads
from bot.teams.inbound import identity_of, is_personal, to_inbound
from bot.teams.people import Emails
from bot.teams.proactive import Proactive
from bot.teams.refs import ReferenceStore
from bot.teams.render import SpecLookup, to_activities
from bot.threads import DatabaseThreads
from handlers.casework.reporter_notes import about_concern
from handlers.messages import Address, Channel, Inbound, Reply, ReplyKind
from handlers.reports.commands import sends_file
from handlers.router import Router

log = logging.getLogger(__name__)
PUBLIC_COMMANDS = frozenset({"help", "contacts"})
MOVED_NOTE = "I've answered you in our personal chat, so that nothing about a child is shown here."
NOT_MOVED = (
    "I couldn't open a personal chat with you. Please message me directly (find me under Apps or Chat), "
    "so that nothing about a child is shown here."
)
# Replies after which officers may have an alert waiting: deliver at once rather than within 10 s.
ALERTING = frozenset({ReplyKind.SIGNPOST, ReplyKind.CONFIRMATION, ReplyKind.ALERT})
UNIVERSAL_ACTION = "adaptiveCard/action"
# The Universal Actions error reply (learn.microsoft.com: "Adaptive Card invoke response", error response).
NOT_SUPPORTED = {
    "statusCode": 400,
    "type": "application/vnd.microsoft.error",
    "value": {"code": "NotSupported", "message": "This bot's cards submit with Action.Submit, not Action.Execute."},
}


class TeamsBot(ActivityHandler):
    """Routes each Teams message through the core and answers in the right conversation."""

    def __init__(
        self,
        router: Router,
        refs: ReferenceStore,
        proactive: Proactive,
        specs: SpecLookup,
        deliver: Callable[[], Awaitable[int]],
        threads: DatabaseThreads,
    ) -> None:
        self.router, self.refs, self.proactive, self.specs, self.deliver = router, refs, proactive, specs, deliver
        self.threads = threads
        self.emails = Emails()
        self.claims: DeliveryClaims | None = None  # set by mount: a redelivered activity is dropped
        self.downloads: Downloads | None = None  # set by mount: files as one-off links
        self._tasks: set[asyncio.Task] = set()

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Remember where this conversation is, then handle the activity."""
        activity = turn_context.activity
        if activity.conversation is not None and activity.service_url and activity.from_property is not None:
            await self.refs.remember(activity)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A message, a button press or a card page (once: Teams re-sends one whose answer took over 15 s)."""
        activity = turn_context.activity
        claim = self._claim_key(activity)  # rides in the turn's own database hop
        inbound = to_inbound(activity)
        refused = self._file_refusal(inbound, is_personal(activity))
        if refused is not None:  # before the turn: nothing is exported that can't be delivered privately
            await turn_context.send_activity(refused)
            return
        if is_personal(activity):
            replies = await self._handle(await self.emails.with_email(turn_context, inbound), claim)
            if replies is not None:
                sent = await turn_context.send_activities(await self._activities(replies, inbound.identity.key))
                await self._remember(inbound.address, replies, [getattr(r, "id", None) for r in sent or []])
            return
        public = _public(inbound)
        if public is not None:
            replies = await self._handle(public, claim)
            if replies is not None:
                await turn_context.send_activities(to_activities(replies, self.specs))
            return
        inbound = await self.emails.with_email(turn_context, inbound)
        await self._move_to_personal_chat(turn_context, inbound, claim)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Invokes: the cards here submit as messages (Action.Submit), so none is handled.

        An Action.Execute (adaptiveCard/action) gets the documented error reply; botbuilder's own put an
        Exception in the body, which could not be serialised (500). Any other invoke: 501, as botbuilder answers.
        """
        if turn_context.activity.name == UNIVERSAL_ACTION:
            return InvokeResponse(status=400, body=NOT_SUPPORTED)
        return InvokeResponse(status=501)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        """Say what the bot does when it is added (help only: safe in a channel)."""
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if not any(member.id == bot_id for member in members_added):
            return
        identity = identity_of(turn_context.activity)
        inbound = Inbound(identity, Address(Channel.TEAMS, turn_context.activity.conversation.id), text="/cme help")
        replies = await self._handle(inbound)
        await turn_context.send_activities(to_activities(replies, self.specs))

    def _file_refusal(self, inbound: Inbound, personal: bool) -> str | None:
        """Why a command answered with a file (an export, a chart) can't be run here, or None."""
        text = inbound.action.value if inbound.action is not None else inbound.text or ""
        if self.downloads is None or inbound.form_values is not None or not sends_file(text):
            return None
        return self.downloads.refusal(personal)

    async def _activities(self, replies: list[Reply], owner: str) -> list[Activity]:
        """The replies as activities; a file becomes a one-off download link (personal chats only)."""
        if self.downloads is None:
            return to_activities(replies, self.specs)
        return await self.downloads.activities(replies, owner, self.specs)

    def _claim_key(self, activity: Activity) -> str | None:
        if self.claims is None or not activity.id or activity.conversation is None:
            return None
        return f"teams:{activity.conversation.id}:{activity.id}"

    async def _move_to_personal_chat(self, turn_context: TurnContext, inbound: Inbound, claim: str | None) -> None:
        identity = inbound.identity
        personal = await self.refs.personal_for(identity.key)
        where = Address(
            Channel.TEAMS,
            personal.conversation.id if personal else f"personal:{identity.key}",
            inbound.address.user_id,
            extra={"user_key": identity.key, "conversation_type": "personal"},
        )
        replies = await self._handle(dataclasses.replace(inbound, address=where), claim)
        if replies is None:
            return
        try:
            sent = await self.proactive.to_personal_chat(identity, turn_context.activity, replies)
        except Exception as exc:  # the channel must still not see the replies
            log.warning("could not reach a personal chat (%s)", type(exc).__name__)
            await turn_context.send_activity(NOT_MOVED)
            return
        await turn_context.send_activity(MOVED_NOTE)
        await self._remember(where, replies, sent)

    async def _remember(self, address: Address, replies: list[Reply], ids: list[str | None]) -> None:
        """A card about a reporter's concern (its confirmation): a reply quoting it adds to that concern."""
        if not about_concern(replies) or len(ids) != len(replies):
            return
        for reply, message_id in zip(replies, ids, strict=True):
            if about_concern([reply]):
                await self.threads.run(remember, self.router.core, address, message_id, [reply])

    async def _handle(self, inbound: Inbound, claim: str | None = None) -> list[Reply] | None:
        """The core's replies; None when `claim` shows another delivery of the activity got there first."""
        replies = await self.threads.run(self._turn, inbound, claim)
        if replies is None:
            log.info("Teams re-sent an activity already being handled; dropped")
            return None
        if any(reply.kind in ALERTING for reply in replies):
            task = asyncio.create_task(self._deliver())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return replies

    def _turn(self, inbound: Inbound, claim: str | None) -> list[Reply] | None:
        if claim is not None and not self.claims.first_time(claim):
            return None
        return self.router.handle(inbound)

    async def _deliver(self) -> None:
        try:
            await self.deliver()
        except Exception as exc:  # the scheduler tries again within 10 s
            log.warning("immediate outbox delivery failed (%s)", type(exc).__name__)


def _public(inbound: Inbound) -> Inbound | None:
    """The inbound as a '/cme' command when it is safe to answer in a channel, else None.

    Always a '/cme' command, so that it never reaches the sender's form in progress (whose next
    question would name the child in front of the whole channel).
    """
    if inbound.form_values is not None:
        return None
    text = inbound.action.value if inbound.action is not None else inbound.text or ""
    words = text.lower().split()
    if words[:1] == ["/cme"]:
        words = words[1:]
    command = " ".join(words) or "help"
    if command not in PUBLIC_COMMANDS:
        return None
    return dataclasses.replace(inbound, text=f"/cme {command}", action=None)
