"""Harm flagged in a referral still being written: the officers hear who is writing it, then what became of it.

The at-once alert (handlers/casework/alerts.py alert_if_harm) says who the reporter is and how to reach them;
it goes to the officers' notification targets only. The draft is then followed (a harm_draft row): once it is
sent, the new-case alert says it is the referral flagged earlier; if it is cancelled, or left until it
expires, check_unsent (the scheduler, every minute) tells the officers so, with the same contact details.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, select

from handlers.core import Core
from handlers.forms.flows import EXPIRED, KEPT, SUBMITTED
from handlers.knowledge.profile import Profile
from handlers.messages import Identity
from handlers.referral.form import FORM_ID
from storage.db import unit_of_work
from storage.models import Outbox
from storage.queries import case_by_submission, conversation_of, enqueue, record_audit
from storage.reporter_links import HarmDraft, settle_harm_draft, unsettled_harm_drafts

BOT = "cme-bot"
CHANNEL_WORDS = {"slack": "Slack user", "teams": "Teams user", "terminal": "terminal user"}
# The quick report's "how to reach you" last: it repeats the phone and email when those were filled in too.
CONTACT_ANSWERS = (
    "referrer_name",
    "referrer_role",
    "referrer_agency",
    "referrer_phone",
    "referrer_email",
    "referrer_contact",
)


def contact_given(answers: dict[str, Any] | None) -> list[str]:
    """What a referral's answers say of its reporter and how to reach them, each part once."""
    said = [str((answers or {}).get(key)) for key in CONTACT_ANSWERS if (answers or {}).get(key)]
    return list(dict.fromkeys(part.strip() for answer in said for part in answer.split(", ")))


def contact_line(identity: Identity, answers: dict[str, Any] | None = None) -> str:
    """Who the reporter is and how to reach them: what the channel says and what they have answered so far."""
    given = contact_given(answers)
    known = [identity.display_name, identity.email, identity.phone]
    parts = [*given, *(part for part in known if part and part not in given)]
    parts.append(f"{CHANNEL_WORDS.get(identity.channel.value, 'user')} {identity.user_id}")
    return ", ".join(parts)


def harm_in_progress_text(contact: str) -> str:
    """The at-once alert when harm is flagged before the referral is sent (officers only: who to call)."""
    return (
        "URGENT: harm was flagged just now in a CME referral that is still being completed. The reporter was "
        f"shown the MASH contacts. Who they are and how to reach them: {contact}. The case reference follows "
        "when they send it; if they don't, you'll be told."
    )


def follow(session: Session, *, draft_id: str, identity: Identity, contact: str, now: dt.datetime) -> None:
    """Start following a draft in which harm was flagged (once per draft)."""
    if session.exec(select(HarmDraft).where(HarmDraft.draft_id == draft_id)).first() is not None:
        return
    session.add(HarmDraft(draft_id=draft_id, reporter_key=identity.key, contact=contact, alerted_at=now))


def sent(session: Session, *, submission_key: str, reference: str, now: dt.datetime) -> dt.datetime | None:
    """The referral was sent: settle its harm draft; when harm was flagged before, the alert's time (else None)."""
    draft_id = submission_key.removeprefix("draft:")
    row = session.exec(select(HarmDraft).where(HarmDraft.draft_id == draft_id)).first()
    if row is None:
        return None
    settle_harm_draft(session, draft_id, outcome="sent", at=now, reference=reference)
    return row.alerted_at


def run_check(core: Core) -> int:
    """The scheduler's job: tell the officers of harm drafts cancelled or expired; how many."""
    with unit_of_work(core.engine) as session:
        return check_unsent(session, profile=core.profile, now=core.clock())


def check_unsent(session: Session, *, profile: Profile, now: dt.datetime) -> int:
    """Settle each followed draft that is no longer open: sent (nothing to say), or cancelled or expired (say so)."""
    told = 0
    for draft in unsettled_harm_drafts(session):
        case = case_by_submission(session, f"draft:{draft.draft_id}")
        if case is not None:
            settle_harm_draft(session, draft.draft_id, outcome="sent", at=now, reference=case.reference)
            continue
        state = _draft_state(session, draft, profile, now)
        if state == "open" or not settle_harm_draft(session, draft.draft_id, outcome=state, at=now):
            continue  # still being written, or another replica settled it a moment ago
        _tell(session, draft, state, profile, now)
        told += 1
    return told


def _draft_state(session: Session, draft: HarmDraft, profile: Profile, now: dt.datetime) -> str:
    """'open' (in progress or kept for later), 'expired', 'abandoned' (cancelled), or 'unsent' (one of those two)."""
    live = conversation_of(session, draft.reporter_key)
    kept = conversation_of(session, f"{draft.reporter_key}{KEPT}{FORM_ID}")
    limit = dt.timedelta(hours=profile.drafts.idle_limit_hours)
    for row in (live, kept):
        if row is not None and row.flow not in (EXPIRED, SUBMITTED) and row.state.get("draft_id") == draft.draft_id:
            return "open" if now - row.updated_at <= limit else "expired"  # idle past the limit: as good as gone
    if any(row is not None and row.flow == EXPIRED for row in (live, kept)):
        return "expired"
    # Gone without a trace: before the idle limit it can only have been cancelled; after it, either.
    return "unsent" if now - draft.alerted_at >= limit else "abandoned"


WHY = {
    "expired": "it was left unfinished until it expired",
    "abandoned": "they cancelled it",
    "unsent": "it was cancelled, or left unfinished until it expired",
}


def _tell(session: Session, draft: HarmDraft, state: str, profile: Profile, now: dt.datetime) -> None:
    when = draft.alerted_at.astimezone(profile.tz)
    why = WHY[state]
    text = (
        f"URGENT: the CME referral in which harm was flagged at {when:%H:%M} on {when:%a %-d %b} was not sent: "
        f"{why}. No case was opened. Contact the reporter to make sure the child is safe: {draft.contact}."
    )
    for target in profile.notify.officers:
        recipient = {"channel": target.channel, "conversation_id": target.conversation_id, "extra": target.extra}
        key = f"harm-unsent:{draft.draft_id}:{target.channel}:{target.conversation_id}"[:255]
        payload = {"title": "Harm flagged: referral not sent", "urgent": True}
        enqueue(session, Outbox(kind="harm.unsent", dedupe_key=key, recipient=recipient, text=text, payload=payload,
                                urgent=True, created_at=now, not_before=now))  # fmt: skip
    record_audit(session, actor=BOT, action="harm.draft_unsent", at=now,
                 detail={"draft": draft.draft_id, "outcome": state, "reporter": draft.reporter_key})  # fmt: skip
