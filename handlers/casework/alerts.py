"""Officer and manager notifications written to the outbox. They carry a reference and urgency only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from handlers.casework import harm_drafts
from handlers.core import TurnContext
from handlers.knowledge.profile import Profile
from storage.models import Outbox
from storage.queries import enqueue


def notify_role(
    session: Session,
    *,
    profile: Profile,
    role: str,
    kind: str,
    key: str,
    text: str,
    urgent: bool,
    now: dt.datetime,
    case_id: int | None = None,
    payload: dict | None = None,
) -> int:
    """Queue `text` for every notification target of `role` ("officers" or "managers"); returns how many were new."""
    targets = getattr(profile.notify, role)
    added = 0
    for target in targets:
        message = Outbox(
            kind=kind,
            dedupe_key=f"{key}:{target.channel}:{target.conversation_id}",
            recipient={"channel": target.channel, "conversation_id": target.conversation_id, "extra": target.extra},
            text=text,
            payload=payload or {},
            urgent=urgent,
            case_id=case_id,
            created_at=now,
            not_before=now,
        )
        added += enqueue(session, message)
    return added


def new_case_text(
    reference: str,
    *,
    urgent: bool,
    episode: str | None = None,
    matches: Sequence[str] = (),
    flagged: str | None = None,
) -> str:
    """The officer's new-case notification: reference, urgency, a repeat episode, possible matches; no child detail.

    `flagged`: when harm was flagged while it was being written, the time of that alert ("10:02"), so the
    officers can tie the two together.
    """
    repeat = f" Repeat episode ({episode})." if episode else ""
    if matches:  # references only: the case view says what agrees and differs, to officers
        repeat += f" Possible match with {', '.join(matches)}: the case view says why; an officer decides."
    earlier = f" This is the referral whose harm alert came at {flagged}." if flagged else ""
    if urgent:
        return (
            f"URGENT: new CME concern {reference}.{repeat}{earlier} Harm was flagged and the reporter was shown the "
            f"MASH contacts. Open it now: /cme case {reference}"
        )
    return f"New CME concern {reference}.{repeat} Open it with /cme case {reference}"


def new_information_text(reference: str, *, urgent: bool, joined: str | None = None, flagged: str | None = None) -> str:
    """Officers: a new referral (`joined`) about the child of open case `reference` was added to it automatically."""
    harm = "URGENT: harm was flagged in it. " if urgent else ""
    harm += f"It is the referral whose harm alert came at {flagged}. " if flagged else ""
    undo = f" If it is another child, undo it with /cme split {joined}." if joined else ""
    added = (
        f"another referral about the same child ({joined}) was added to it"
        if joined
        else ("another referral about the same child was added to it")
    )
    return f"New information on {reference}: {added}. {harm}Open it with /cme case {reference}.{undo}"


def alert_if_harm(turn: TurnContext, state: dict[str, Any]) -> None:
    """Queue the officers' at-once alert the first time harm is flagged in a draft, naming who to call; follow it."""
    meta = state["meta"]
    if not meta.pop("alert_now", False):
        return
    identity = turn.inbound.identity
    contact = harm_drafts.contact_line(identity, state.get("answers"))
    notify_role(
        turn.session,
        profile=turn.profile,
        role="officers",
        kind="harm.flagged",
        key=f"harm-flagged:{state.get('draft_id')}",
        text=harm_drafts.harm_in_progress_text(contact),
        urgent=True,
        now=turn.now,
    )
    if state.get("draft_id"):  # followed until it is sent, cancelled or expires
        harm_drafts.follow(turn.session, draft_id=state["draft_id"], identity=identity, contact=contact, now=turn.now)
