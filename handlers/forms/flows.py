"""Conversations in progress: the registry of flows, and loading, saving and finishing drafts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from handlers.core import TurnContext
from handlers.forms import conversation
from handlers.forms.spec import FormSpec
from handlers.knowledge.profile import Profile
from handlers.messages import Reply, ReplyKind
from storage.queries import conversation_of, drop_conversation, idle_conversations, save_conversation

EXPIRED = "expired"  # a draft whose answers were deleted for being idle; kept only to tell the person
Finish = Callable[[TurnContext, dict[str, Any]], list[Reply]]
AfterStep = Callable[[TurnContext, dict[str, Any]], None]


@dataclass(frozen=True)
class Flow:
    """A form the bot can run, and what submitting it does."""

    spec: FormSpec
    on_submit: Finish
    after_step: AfterStep | None = None  # runs after every answer, chat or page (the referral's at-once harm alert)

    def stepped(self, turn: TurnContext, state: dict[str, Any]) -> None:
        """Run the flow's after-step hook, if it has one."""
        if self.after_step is not None:
            self.after_step(turn, state)


def load_draft(turn: TurnContext, registry: dict[str, Flow]) -> tuple[Flow, dict[str, Any]] | None | Reply:
    """The sender's draft; a Reply instead when it was idle too long and has been dropped."""
    row = conversation_of(turn.session, turn.user_key)
    if row is None:
        return None
    limit = turn.profile.drafts.idle_limit_hours
    expired = row.flow == EXPIRED or (row.flow in registry and (turn.now - row.updated_at) > dt.timedelta(hours=limit))
    if not expired:
        return (registry[row.flow], row.state) if row.flow in registry else None
    drop_conversation(turn.session, turn.user_key)
    last = dt.datetime.fromisoformat(row.state["last_active"]) if row.flow == EXPIRED else row.updated_at
    return Reply(
        f"Your unfinished form from {last.astimezone(turn.profile.tz):%-d %B at %H:%M} was deleted because it "
        f"was left for more than {limit:g} hours. Nothing was sent. Type /cme report to start again.",
        kind=ReplyKind.INFO,
    )


def expire_idle_drafts(session: Session, *, profile: Profile, now: dt.datetime) -> int:
    """Delete the answers of drafts idle past the profile's limit, keeping a marker so the person is told."""
    cutoff = now - dt.timedelta(hours=profile.drafts.idle_limit_hours)
    rows = idle_conversations(session, before=cutoff, exclude_flow=EXPIRED)
    for row in rows:
        row.state = {"last_active": row.updated_at.isoformat()}
        row.flow = EXPIRED
        session.add(row)
    return len(rows)


def begin(turn: TurnContext, flow: Flow, prefill: dict[str, Any] | None = None) -> list[Reply]:
    """Start a flow for the sender and save the new draft."""
    result = conversation.start(flow.spec, turn.form_context(), prefill)
    result.state["draft_id"] = uuid.uuid4().hex
    save_conversation(turn.session, user_key=turn.user_key, flow=flow.spec.id, state=result.state, now=turn.now)
    return result.replies


def advance(turn: TurnContext, flow: Flow, state: dict[str, Any], text: str) -> list[Reply]:
    """Feed one message to the sender's draft; save, submit or drop it as the step says."""
    result = conversation.step(flow.spec, state, text, turn.form_context())
    flow.stepped(turn, result.state)
    if result.ended == "submit":
        return finish(turn, flow, result.state)
    if result.ended in ("cancel", "stop"):
        drop_conversation(turn.session, turn.user_key)
        return result.replies
    save_conversation(turn.session, user_key=turn.user_key, flow=flow.spec.id, state=result.state, now=turn.now)
    return result.replies


def finish(turn: TurnContext, flow: Flow, state: dict[str, Any]) -> list[Reply]:
    """Submit the draft; once the confirmation is made the draft is deleted."""
    replies = flow.on_submit(turn, state)
    if any(reply.kind is ReplyKind.CONFIRMATION for reply in replies):
        drop_conversation(turn.session, turn.user_key)
    return replies
