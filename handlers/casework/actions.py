"""What each officer action does to a case, whoever asked (a typed command, a button, a short form).

One keyword-only function per action: it checks the change, makes it, writes the case's audit
record and queues whoever must be told, all in the caller's transaction, and returns the replies.
The caller has already checked that the sender is an officer or a manager.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, select

from handlers.casework import enquiries
from handlers.casework.reminders import address_for_key
from handlers.casework.views import outcome_words, plan_reply, who
from handlers.children.household import siblings_prompt
from handlers.core import TurnContext, is_staff, role_of
from handlers.knowledge.profile import Profile
from handlers.messages import Channel, Identity, Reply, ReplyKind
from storage.child_queries import merged_into_case
from storage.children import Transfer, TransferDirection
from storage.closing import close_if_open, last_closure
from storage.db import unstorable
from storage.models import Case, CaseNote, EnquiryStep, Outbox
from storage.queries import enqueue, record_audit, steps_of

MOVED = "moved_other_la"
# Outcomes that say the child is in education somewhere: the closing names the school or provision.
FOUND = ("found_on_roll_here", "found_on_roll_elsewhere", "other_provision")
# DfE CME guidance: a child who moved is tracked until the receiving council has them (cme-domain.md).
_MOVE_NEEDED = (
    "{ref} can't be closed as moved to another LA until the other council's acknowledgement or evidence of "
    "the move is recorded. Record it with /cme transfer {ref} ack EVIDENCE (for example: Leeds CME officer "
    "confirmed by secure email), or tell them first with /cme transfer {ref} COUNCIL. Nothing was changed."
)
_MENTION = re.compile(r"<@([A-Za-z0-9._-]+)(\|[^>]*)?>")
PERSONAL = "personal"


class Usage(ValueError):
    """An action can't be taken as asked; the message is safe to show the officer and says what to do."""


def unreadable(text: str) -> bool:
    """True when `text` has a character that can't be kept or shown as typed.

    NUL and lone surrogates can't be stored; other control characters would act on the officer's
    terminal when shown; U+FFFD stands for bytes that could not be read in the first place.
    """
    if unstorable(text) or "\ufffd" in text:
        return True
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text)


def plain(text: str | None, *, what: str, retry: str) -> str | None:
    """`text` as typed when it can be kept; Usage naming what to do otherwise (the text is never quoted)."""
    if text is not None and unreadable(text):
        raise Usage(
            f"That {what} has a hidden control character or a character that could not be read, so I can't "
            f"store it. Nothing was changed. Please type it again as plain text: {retry}"
        )
    return text


def today(turn: TurnContext) -> dt.date:
    """Today where the council is."""
    return turn.now.astimezone(turn.profile.tz).date()


def audit(turn: TurnContext, case: Case | None, action: str, reason: str | None = None, **detail: Any) -> None:
    """Record the action in the case's audit trail (reasons are the officer's own words, cut to 1000)."""
    record_audit(
        turn.session,
        case_id=case.id if case else None,
        actor=turn.user_key,
        action=action,
        at=turn.now,
        reason=reason[:1000] if reason else None,
        detail=detail,
    )
    if case is not None:
        case.updated_at = turn.now
        turn.session.add(case)


def record_step(turn: TurnContext, *, case: Case, step: str, possible: bool, note: str | None) -> list[Reply]:
    """Record an enquiry step as done (an optional note) or not possible (a reason is required)."""
    word, need = ("done", "[note]") if possible else ("notpossible", "REASON")
    plain(note, what="note" if possible else "reason", retry=f"/cme {word} {case.reference} STEP {need}")
    found = enquiries.find_step(turn.session, case, step)
    enquiries.finish_step(found, possible=possible, actor=turn.user_key, now=turn.now, note=note or None)
    turn.session.add(found)
    audit(turn, case, "step.done" if possible else "step.not_possible", note, step=found.step_id)
    outcome = "done" if possible else "not possible"
    return [
        Reply(f"Recorded: '{found.title}' on {case.reference} is {outcome}.", kind=ReplyKind.CONFIRMATION),
        plan_reply(case, steps_of(turn.session, case.id), today(turn)),
    ]


def snooze_step(turn: TurnContext, *, case: Case, step: str, until: dt.date, reason: str) -> list[Reply]:
    """Move a waiting step's due date to a later day, with the reason."""
    plain(reason, what="reason", retry=f"/cme snooze {case.reference} STEP DATE REASON")
    found = enquiries.find_step(turn.session, case, step)
    old = enquiries.snooze_step(found, until=until, today=today(turn), reason=reason)
    turn.session.add(found)
    audit(turn, case, "step.snoozed", reason, step=found.step_id, was_due=old.isoformat(), until=until.isoformat())
    return [
        Reply(
            f"Snoozed: '{found.title}' on {case.reference} is now due {until:%a %-d %b %Y}.",
            kind=ReplyKind.CONFIRMATION,
        ),
        plan_reply(case, steps_of(turn.session, case.id), today(turn)),
    ]


def add_note(turn: TurnContext, *, case: Case, text: str) -> list[Reply]:
    """Add a note; the audit row points at it rather than copying the words."""
    retry = f"/cme note {case.reference} followed by the note."
    if not plain(text, what="note", retry=retry).strip():
        raise Usage(f"What is the note? Type {retry}")
    note = write_note(turn, case=case, text=text.strip())
    audit(turn, case, "case.note", note_id=note.id)
    return [Reply(f"Note added to {case.reference}.", kind=ReplyKind.CONFIRMATION)]


def write_note(turn: TurnContext, *, case: Case, text: str) -> CaseNote:
    """Store a note on the case as the sender (cut to 4000 characters); flushed, so its id can be audited."""
    note = CaseNote(case_id=case.id, at=turn.now, author=turn.user_key, text=text[:4000])
    turn.session.add(note)
    turn.session.flush()
    return note


def assignee_key(word: str, identity: Identity) -> str:
    """The identity key meant by 'me', a Slack mention, a full key or a bare id on the sender's channel."""
    word = word.strip()
    if word.lower() == "me":
        return identity.key
    if word.count(":") == 2:
        return word
    mention = _MENTION.fullmatch(word)
    user = mention.group(1) if mention else word.lstrip("@")
    return f"{identity.channel.value}:{identity.tenant}:{user}"


def staff_in_profile(key: str, profile: Profile) -> bool:
    """True when the key is an officer or a manager in the profile."""
    return profile.matches_role(key, "officer") or profile.matches_role(key, "manager")


def staff_key(turn: TurnContext, word: str, *, unknown_hint: str = "", after: str = "") -> str:
    """The key of the officer or manager `word` names ('me', an id or a key); Usage when it names nobody on staff."""
    key = assignee_key(word, turn.inbound.identity)
    channel, tenant, user = key.split(":", 2)
    try:
        identity = Identity(Channel(channel), user, tenant)
    except ValueError:
        raise Usage(f"'{word[:40]}' isn't someone I know.{unknown_hint}{after}") from None
    if not is_staff(role_of(identity, turn.profile, turn.core.role_overrides)):
        raise Usage(f"{who(key)} isn't a CME officer or manager in the profile.{after}")
    return key


def assign_case(turn: TurnContext, *, case: Case, to: str, reason: str | None = None) -> list[Reply]:
    """Assign the case to an officer or manager ('me', an id or a key); they are told."""
    plain(f"{to} {reason or ''}", what="assignment", retry=f"/cme assign {case.reference} WHO (an officer, or 'me')")
    key = staff_key(turn, to)
    before, case.assigned_to = case.assigned_to, key
    audit(turn, case, "case.assigned", reason, before=before, after=key)
    if key != turn.user_key:
        text = f"Case {case.reference} has been assigned to you by {who(turn.user_key)}."
        text += f" Open it: /cme case {case.reference}"
        where = address_for_key(key)
        _queue(turn, case, "case.assigned", f"assigned:{case.reference}:{key}", where, text, urgent=case.urgent)
    return [Reply(f"{case.reference} is now assigned to {who(key)}.", kind=ReplyKind.CONFIRMATION)]


def check_closing(turn: TurnContext, *, case: Case, outcome: str, waiting: list[EnquiryStep]) -> None:
    """Usage when the case can't be closed with `outcome` at all (before anyone is asked to confirm it)."""
    if case.state == "closed":
        raise Usage(closed_already(turn, case))
    if outcome not in turn.profile.closure_messages:
        raise Usage(f"Closing outcomes: {', '.join(turn.profile.closure_messages)}.")
    if outcome == "whereabouts_unknown" and waiting:
        names = ", ".join(s.step_id for s in waiting)
        raise Usage(f"Whereabouts unknown closes a case after all enquiries; still waiting: {names}.")
    if outcome == MOVED and not move_recorded(turn.session, case):
        raise Usage(_MOVE_NEEDED.format(ref=case.reference))


def closed_already(turn: TurnContext, case: Case) -> str:
    """Who closed the case, when and how, in words: what an officer who tries to close it again is told."""
    event = last_closure(turn.session, case)
    by = f" by {who(event.actor)} on {event.at.astimezone(turn.profile.tz):%a %-d %b at %H:%M}" if event else ""
    how = f" ({outcome_words(case.outcome)})" if case.outcome else ""
    return (
        f"{case.reference} was already closed{by}{how}. Nothing was changed. "
        f"Reopen it with /cme reopen {case.reference} REASON if it should stay open."
    )


def close_case(
    turn: TurnContext,
    *,
    case: Case,
    outcome: str,
    reason: str | None,
    provision: str | None = None,
    unfinished: str | None = None,
) -> list[Reply]:
    """Close the case with an outcome (the school or provision when found; why, when steps are not done)."""
    for text, what in ((reason, "reason"), (provision, "school or provision"), (unfinished, "reason")):
        plain(text, what=what, retry=f"/cme close {case.reference} OUTCOME [reason]")
    waiting = enquiries.active_steps(turn.session, case)
    check_closing(turn, case=case, outcome=outcome, waiting=waiting)
    if waiting and not (unfinished or "").strip():  # the confirmation asks why: only a form or button gets here
        raise Usage(f"{case.reference} has {len(waiting)} enquiry step(s) not done: /cme close {case.reference} asks.")
    if not close_if_open(turn.session, case, outcome=outcome, now=turn.now):  # another officer closed it first
        raise Usage(closed_already(turn, case))
    stopped = enquiries.close_steps(turn.session, case)
    notes = _closing_notes(turn, case, provision=provision, unfinished=unfinished, waiting=waiting)
    detail = {"outcome": outcome, "steps_stopped": stopped, **({"note_id": notes[-1].id} if notes else {})}
    audit(turn, case, "case.closed", unfinished or reason, **detail)
    _tell_reporters(turn, case, outcome)
    siblings = siblings_prompt(turn.session, case)  # their open cases may close for the same reason
    message = turn.profile.closure_messages[outcome]
    return [
        Reply(
            f'{case.reference} is closed ({outcome_words(outcome)}). The reporter is told: "{message}"',
            kind=ReplyKind.CONFIRMATION,
            data={"reference": case.reference, "outcome": outcome, "steps_not_done": len(waiting)},
        ),
        *([siblings] if siblings else []),
    ]


def _closing_notes(
    turn: TurnContext, case: Case, *, provision: str | None, unfinished: str | None, waiting: list[EnquiryStep]
) -> list[CaseNote]:
    """What the closing adds to the case's notes: where the child was found; why it closed with steps not done."""
    notes = []
    if provision and provision.strip():
        notes.append(write_note(turn, case=case, text=f"Found: {provision.strip()}"))
    if waiting and unfinished:
        names = "; ".join(step.title for step in waiting)
        text = f"Closed with {len(waiting)} enquiry step(s) not done ({names}): {unfinished.strip()}"
        notes.append(write_note(turn, case=case, text=text))
    return notes


def _tell_reporters(turn: TurnContext, case: Case, outcome: str) -> None:
    """Each reporter hears the profile's sentence for the outcome under their own reference, privately."""
    message = turn.profile.closure_messages[outcome]
    # Only the profile's outcome sentence travels: never the child's new address or school.
    text = f"Update on the concern you raised ({case.reference}): {message} Thank you for raising it."
    where = private_reporter_address(case)
    _queue(turn, case, "case.outcome", f"outcome:{case.reference}", where, text, title="Outcome")
    for merged in merged_into_case(turn.session, case.id):  # each reporter hears under their own reference
        told = f"Update on the concern you raised ({merged.reference}): {message} Thank you for raising it."
        where = private_reporter_address(merged)
        _queue(turn, merged, "case.outcome", f"outcome:{merged.reference}", where, told, title="Outcome")


def move_recorded(session: Session, case: Case) -> bool:
    """True when another council's acknowledgement, or evidence of the move, is recorded on the case."""
    query = select(Transfer.id).where(
        Transfer.case_id == case.id,
        Transfer.direction == TransferDirection.OUT,
        or_(Transfer.acknowledged_at.is_not(None), Transfer.evidence.is_not(None)),
    )
    return session.exec(query.limit(1)).first() is not None


def reopen_case(turn: TurnContext, *, case: Case, reason: str) -> list[Reply]:
    """Reopen a closed case, with the reason; the stopped enquiries are due again from today."""
    if case.state != "closed":
        raise Usage(f"{case.reference} is open already.")
    if not plain(reason, what="reason", retry=f"/cme reopen {case.reference} REASON").strip():
        raise Usage(f"Why reopen it? Type /cme reopen {case.reference} REASON.")
    case.state, case.outcome, case.closed_at = "open", None, None
    reopened = enquiries.reopen_steps(turn.session, case, turn.profile, today(turn))
    audit(turn, case, "case.reopened", reason.strip(), steps_reopened=reopened)
    text = f"{case.reference} is open again; {reopened} enquiry step(s) are due afresh."
    return [Reply(text, kind=ReplyKind.CONFIRMATION)]


def private_reporter_address(case: Case) -> dict[str, Any]:
    """Where to tell the reporter: their own DM or personal chat, never a channel others read.

    A referral made from a button in a shared Slack channel or a Teams channel would otherwise
    have stored that channel; the reporter's identity key always leads to their private chat.
    """
    stored = dict(case.reporter_address or {})
    channel = stored.get("channel")
    if channel == Channel.SLACK.value:
        return address_for_key(case.reporter_key)  # chat.postMessage to a user id posts in the app's DM
    if channel == Channel.TEAMS.value and (stored.get("extra") or {}).get("conversation_type") != PERSONAL:
        return address_for_key(case.reporter_key)  # the Teams sender finds their personal chat by key
    return stored


def _queue(turn: TurnContext, case: Case, kind: str, key: str, recipient: dict, text: str, **extra: Any) -> None:
    urgent = bool(extra.get("urgent"))
    enqueue(
        turn.session,
        Outbox(
            kind=kind,
            dedupe_key=f"{key}:{turn.now.isoformat()}"[:255],
            recipient=recipient,
            text=text,
            payload={"reference": case.reference, **extra},
            urgent=urgent,
            case_id=case.id,
            created_at=turn.now,
            not_before=turn.now,
        ),
    )
