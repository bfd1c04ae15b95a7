"""Conversations in progress: the registry of flows, and loading, saving and finishing drafts.

One draft per person per form: the one in progress lives under the person's key; one set aside
("keep it for later") under "<key>|kept:<flow>", so no other flow can overwrite it. A sent form
leaves a marker so that sending it again gets the same confirmation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from handlers.core import TurnContext
from handlers.forms import conversation
from handlers.forms.spec import FormSpec
from handlers.knowledge.profile import Profile
from handlers.messages import ActionId, Button, Reply, ReplyKind
from storage.models import Conversation
from storage.queries import conversation_of, drop_conversation, idle_conversations, save_conversation

EXPIRED = "expired"  # a draft whose answers were deleted for being idle; kept only to tell the person
SUBMITTED = "submitted"  # a sent draft's id, so that a repeated "submit" gets the same confirmation
KEPT = "|kept:"  # a draft kept for later lives under "<user key>|kept:<flow id>": one per person per form
RESUME = "/cme resume"
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
    return draft_of(turn, registry, conversation_of(turn.session, turn.user_key))


def draft_of(
    turn: TurnContext, registry: dict[str, Flow], row: Conversation | None
) -> tuple[Flow, dict[str, Any]] | None | Reply:
    """load_draft for a conversation row the caller has already read (one query a turn, not two)."""
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


def peek(turn: TurnContext, registry: dict[str, Flow]) -> tuple[Flow, dict[str, Any]] | None:
    """The sender's draft in progress, if any, without expiring it (for reminders after another answer)."""
    row = conversation_of(turn.session, turn.user_key)
    if row is None or row.flow not in registry:
        return None
    idle = turn.now - row.updated_at > dt.timedelta(hours=turn.profile.drafts.idle_limit_hours)
    return None if idle else (registry[row.flow], row.state)


def expire_idle_drafts(session: Session, *, profile: Profile, now: dt.datetime) -> int:
    """Delete the answers of drafts idle past the profile's limit, keeping a marker so the person is told."""
    cutoff = now - dt.timedelta(hours=profile.drafts.idle_limit_hours)
    rows = idle_conversations(session, before=cutoff, exclude_flow=EXPIRED)
    for row in rows:
        if row.flow == SUBMITTED:  # nothing unfinished to tell anyone about
            session.delete(row)
            continue
        # The draft's id (no answer) stays, so a page of it sent late is told it expired, not refused as another's.
        row.state = {"last_active": row.updated_at.isoformat(), "draft_id": row.state.get("draft_id"), "flow": row.flow}
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
        sent = {"flow": flow.spec.id, "draft_id": state.get("draft_id")}
        save_conversation(turn.session, user_key=turn.user_key, flow=SUBMITTED, state=sent, now=turn.now)
    return replies


def resend(turn: TurnContext, registry: dict[str, Flow], word: str) -> list[Reply] | None:
    """The confirmation again when the sender's last form was sent and `word` sends it again; else None."""
    row = conversation_of(turn.session, turn.user_key)
    if row is None or row.flow != SUBMITTED or row.state.get("flow") not in registry:
        return None
    flow = registry[row.state["flow"]]
    if word.strip(" .!").lower() != flow.spec.submit_word:
        return None
    return flow.on_submit(turn, {"draft_id": row.state.get("draft_id"), "answers": {}, "meta": {}, "replay": True})


def kept_drafts(turn: TurnContext, registry: dict[str, Flow]) -> list[tuple[Flow, dict[str, Any]]]:
    """The drafts the sender kept for later, oldest first (any idle past the limit are deleted, see forget_stale)."""
    return [(registry[row.flow], row.state) for row in _kept_rows(turn) if row.flow in registry]


def kept_rows(turn: TurnContext) -> list[Conversation]:
    """Every draft the sender kept for later, stale ones included (for forget_stale, then unpark)."""
    return _kept_rows(turn, include_stale=True)


def is_stale(turn: TurnContext, row: Conversation) -> bool:
    """True for a kept draft idle past the profile's limit, or already wiped by the sweep."""
    return row.flow == EXPIRED or turn.now - row.updated_at > dt.timedelta(hours=turn.profile.drafts.idle_limit_hours)


def forget_stale(turn: TurnContext, rows: list[Conversation] | None = None) -> list[Reply]:
    """Delete kept drafts idle past the profile's limit (or already wiped by the sweep); say so once.

    `rows`: the kept drafts already read (kept_rows); read here when not given.
    """
    limit = turn.profile.drafts.idle_limit_hours
    stale = [row for row in (kept_rows(turn) if rows is None else rows) if is_stale(turn, row)]
    for row in stale:
        turn.session.delete(row)
    if not stale:
        return []
    text = (
        f"A form you kept for later was deleted because it was left for more than {limit:g} hours. Nothing was "
        "sent. Type /cme report to start again."
    )
    return [Reply(text, kind=ReplyKind.INFO)]


# Built once, as `startswith(prefix, autoescape=True)` would build it: building it each turn cost as
# much as running it, in the database thread, holding the GIL the event loop needs for its acks.
_KEPT_ROWS = (
    select(Conversation)
    .where(col(Conversation.user_key).like(bindparam("pattern"), escape="/"))
    .order_by(col(Conversation.id))
)


def _kept_rows(turn: TurnContext, *, include_stale: bool = False) -> list[Conversation]:
    prefix = f"{turn.user_key}{KEPT}".replace("/", "//").replace("%", "/%").replace("_", "/_")
    rows = turn.session.exec(_KEPT_ROWS, params={"pattern": prefix + "%"}).all()
    return list(rows) if include_stale else [row for row in rows if not is_stale(turn, row)]


def park(turn: TurnContext, registry: dict[str, Flow]) -> str | None:
    """Keep the sender's draft in progress for later (its answers untouched); the flow id, or None if none."""
    if peek(turn, registry) is None:
        return None  # nothing in progress (or only a marker: a finished check, a sent form)
    row = conversation_of(turn.session, turn.user_key)
    drop_conversation(turn.session, f"{turn.user_key}{KEPT}{row.flow}")
    turn.session.flush()  # the unique user_key is free before this row takes it
    row.user_key, row.updated_at = f"{turn.user_key}{KEPT}{row.flow}", turn.now
    turn.session.add(row)
    turn.session.flush()
    return row.flow


def unpark(turn: TurnContext, flow: Flow, among: list[Conversation] | None = None) -> dict[str, Any] | None:
    """Make the kept draft of `flow` the one in progress again; its state, or None when none was kept.

    `among`: the sender's kept drafts already read and still live (not stale); read here when not given.
    """
    key = f"{turn.user_key}{KEPT}{flow.spec.id}"
    if among is None:
        row = conversation_of(turn.session, key)
    else:
        row = next((kept for kept in among if kept.user_key == key), None)
    if row is None or row.flow != flow.spec.id:
        return None
    drop_conversation(turn.session, turn.user_key)
    turn.session.flush()
    row.user_key, row.updated_at = turn.user_key, turn.now
    turn.session.add(row)
    return row.state


def kept_note(turn: TurnContext, registry: dict[str, Flow]) -> list[Reply]:
    """A reminder of drafts kept for later, with a button to carry on (none when nothing is kept)."""
    kept = kept_drafts(turn, registry)
    if not kept:
        return []
    titles = ", ".join(flow.spec.title for flow, _ in kept)
    text = f"You kept a form for later ({titles}). Type /cme resume to carry on with it."
    return [Reply(text, kind=ReplyKind.INFO, buttons=(Button("Carry on with it", RESUME, ActionId.OPEN_FORM),))]


def conflict(turn: TurnContext, flow: Flow, state: dict[str, Any], wanted: str) -> Reply:
    """Ask what to do with the draft in progress before `wanted` (a command) starts another: nothing is lost."""
    answered = sum(1 for key, value in state.get("answers", {}).items() if not key.startswith("_") and value)
    count = f"{answered} answer{'' if answered == 1 else 's'} so far"
    text = (
        f"You have a form in progress: {flow.spec.title} ({count}). What would you like to do with it? "
        f"Type {RESUME} to carry on with it, '/cme keep {wanted}' to keep it for later and start the new one, "
        f"or '/cme discard {wanted}' to delete it and start the new one."
    )
    buttons = (
        Button("Carry on with it", RESUME, ActionId.OPEN_FORM, style="primary"),
        Button("Keep it for later", f"/cme keep {wanted}"[:2000], ActionId.OPEN_FORM),
        Button("Discard it", f"/cme discard {wanted}"[:2000], ActionId.OPEN_FORM, style="danger"),
    )
    return Reply(text, kind=ReplyKind.QUESTION, buttons=buttons)
