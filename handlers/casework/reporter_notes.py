"""A reporter adds to a concern they raised; the same way answers the officer's question (one mechanism).

Three ways in, one function: `/cme add REF TEXT` (any channel), a reply to the bot's message about the
concern (its confirmation, or the officer's question: a reply in its Slack thread, a reply to it in Teams),
and the "Add to this concern" / "Answer" button, which opens a one-question form. add_to_concern() checks
the text, stores it as a case note from the reporter on the case that stands (a merged reference's words
go to the case it joined: the reporter knows only their reference, and the officer works that case),
answers the questions waiting on it, tells the officer (reference and urgency only) and audits it. Only the
person who raised a concern may add to it; anyone else gets the answer "no such concern of yours".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from handlers.casework import reporter_forms
from handlers.casework.actions import audit, unreadable, write_note
from handlers.casework.reminders import address_for_key, officer_recipients
from handlers.core import TurnContext, is_staff
from handlers.forms.fields import MAX_LONG_TEXT, Invalid, clean_text
from handlers.forms.flows import Flow
from handlers.messages import Channel, CommandSpec, Reply, ReplyKind
from handlers.router import Router
from storage.child_queries import case_as_raised, surviving_case
from storage.db import unit_of_work
from storage.models import Case, CaseNote, Outbox
from storage.queries import enqueue
from storage.reporter_links import (
    FollowUp,
    FollowUpState,
    ReporterThread,
    settle_follow_up,
    thread_for,
    waiting_follow_ups,
)

REFERENCE = re.compile(r"\b[A-Z]{2,8}-[0-9]{4}-[0-9]{4,8}\b", re.ASCII | re.IGNORECASE)
THREAD = "thread"  # Reply.data key: {"reference": REF, "follow_up": id}; a reply to the posted message adds to REF
USAGE = "Type /cme add REFERENCE and what you want to add, for example: /cme add CME-2026-0042 Seen at the park."
# A reply in a confirmation's thread that only thanks or acknowledges is not news for the officer.
THANKS = frozenset({"thanks", "thank you", "thankyou", "ta", "cheers", "ok", "okay", "great", "thx", "👍", "noted"})


class Refused(ValueError):
    """Nothing was added; the message says why and what to do, and is safe to show the reporter."""


def add_command(turn: TurnContext, args: str, registry: Mapping[str, Flow]) -> list[Reply]:
    """`/cme add REF TEXT`: add to a concern you raised (without TEXT: a form asks for it)."""
    found = REFERENCE.search(args)
    if found is None:
        return [Reply(f"Which concern? {USAGE} /cme status lists yours.", kind=ReplyKind.ERROR)]
    try:
        case = own_case(turn, found.group(0).upper())
        text = args[found.end() :].strip()
        if not text:
            open_case(turn.session, case)  # say it is closed now, not after they have typed it all
            return reporter_forms.start_form(turn, registry, reporter_forms.ADD, case.reference)
        return add_to_concern(turn, case=case, text=text)
    except Refused as exc:
        return [Reply(str(exc), kind=ReplyKind.ERROR)]


def own_case(turn: TurnContext, reference: str) -> Case:
    """The case `reference` names, as raised (a merged one too), when the sender raised it; Refused otherwise."""
    case = case_as_raised(turn.session, reference)
    if case is not None and case.reporter_key == turn.user_key:
        return case
    # One answer for "no such case" and "not yours": a reference does not tell anyone that a case exists.
    staff = " To add a note to a case as an officer, type /cme note REF TEXT." if is_staff(turn.role) else ""
    raise Refused(
        f"I can't find a concern {reference} that you raised. Check the reference, or type /cme status to list "
        f"yours.{staff}"
    )


def open_case(session: Session, case: Case) -> Case:
    """The case that stands for `case` (itself, or the one it was merged into); Refused when it is closed."""
    standing = surviving_case(session, case) or case
    if standing.state == "open":
        return standing
    raise Refused(
        f"{case.reference} is closed, so nothing was added to it. If you have new information about this child, "
        "contact the CME officer (type /cme contacts), or raise a new concern with /cme report."
    )


def checked_text(text: str, *, limit: int = MAX_LONG_TEXT) -> str:
    """The text as it will be stored; Refused, saying why, when it is empty, too long or unreadable."""
    if unreadable(text):
        raise Refused(
            "What you wrote has a hidden control character or a character that could not be read, so I can't "
            "store it. Nothing was saved. Please type it again as plain text."
        )
    try:
        return clean_text(text, multiline=True, limit=limit)
    except Invalid as exc:
        if not text.strip():
            raise Refused(f"There was nothing to add. {USAGE}") from None
        raise Refused(f"Nothing was saved: {exc} Send it in parts if you need to.") from None


def add_to_concern(turn: TurnContext, *, case: Case, text: str, follow_up: FollowUp | None = None) -> list[Reply]:
    """Store the reporter's words on the case that stands, answer what waits for them, tell the officer."""
    words = checked_text(text)
    standing = open_case(turn.session, case)
    note = write_note(turn, case=standing, text=words)
    waiting = waiting_follow_ups(turn.session, [case.id])
    if follow_up is not None:  # a reply to one question answers that one
        waiting = [item for item in waiting if item.id == follow_up.id]
    answered = [
        item for item in waiting
        if settle_follow_up(turn.session, item.id, state=FollowUpState.ANSWERED, at=turn.now, answer_note_id=note.id)
    ]  # fmt: skip
    action = "reporter.answered" if answered else "reporter.note"
    audit(turn, standing, action, note_id=note.id, via=case.reference, answers=[item.id for item in answered])
    _tell_officers(turn, standing, note, answered)
    if answered:
        said = f"Your answer has been added to {case.reference}, and the officer who asked has been told. Thank you."
    else:
        said = f"Added to your concern {case.reference}. The CME officer has been told. Thank you."
    return [Reply(said, kind=ReplyKind.CONFIRMATION, title=f"Added to {case.reference}")]


def _tell_officers(turn: TurnContext, standing: Case, note: CaseNote, answered: list[FollowUp]) -> None:
    """Reference and urgency only: the officer who asked, or whoever the case's news goes to."""
    ref = standing.reference
    if answered:
        text = f"The reporter answered your question on {ref}. Open it: /cme case {ref}"
        recipients = [address_for_key(key) for key in sorted({item.asked_by for item in answered})]
    else:
        text = f"The reporter added to {ref}. Open it: /cme case {ref}"
        recipients = officer_recipients(turn.profile, standing.assigned_to)
    payload = {"title": f"From the reporter: {ref}", "reference": ref, "urgent": standing.urgent}
    for recipient in recipients:
        where = f"{recipient.get('channel')}:{recipient.get('conversation_id')}"
        enqueue(
            turn.session,
            Outbox(
                kind="reporter.answer" if answered else "reporter.note",
                dedupe_key=f"reporter-note:{note.id}:{where}"[:255],
                recipient=recipient,
                text=text + (" (URGENT case)" if standing.urgent else ""),
                payload=payload,
                urgent=standing.urgent,
                case_id=standing.id,
                created_at=turn.now,
                not_before=turn.now,
            ),
        )


def thread_reply(turn: TurnContext, text: str) -> list[Reply] | None:
    """A reply to the bot's message about a concern, by its reporter: added to it. None when it is no such reply."""
    inbound = turn.inbound
    if inbound.thread_id is None:
        return None
    link = thread_for(
        turn.session, channel=inbound.address.channel.value, message_id=inbound.thread_id, reporter_key=turn.user_key
    )
    if link is None:
        return None  # a thread that isn't about a concern of theirs: handled as any message
    case = turn.session.get(Case, link.case_id)
    if " ".join(text.lower().split()).strip(" .!") in THANKS:
        return [Reply(f"You're welcome. To add something to {case.reference}, reply here with it.")]
    follow_up = turn.session.get(FollowUp, link.follow_up_id) if link.follow_up_id else None
    try:
        return add_to_concern(turn, case=case, text=text, follow_up=follow_up)
    except Refused as exc:
        return [Reply(str(exc), kind=ReplyKind.ERROR)]


def thread_data(reference: str, follow_up: int | None = None) -> dict[str, Any]:
    """What a Reply (or an outbox payload) carries so that a reply to it, once posted, adds to `reference`."""
    return {THREAD: {"reference": reference, "follow_up": follow_up}}


def about_concern(replies: Iterable[Reply]) -> bool:
    """True when a reply to the message these replies make should add to a concern (worth remembering)."""
    return any(reply.data.get(THREAD) for reply in replies)


def remember_posted(
    engine: Engine, *, channel: Channel | str, conversation_id: str, message_id: str, replies: Iterable[Reply]
) -> bool:
    """Record that the message just posted (Slack ts, Teams activity id) is about a concern; True if one was."""
    about = next((reply.data[THREAD] for reply in replies if reply.data.get(THREAD)), None)
    if about is None or not message_id:
        return False
    channel = Channel(channel).value
    with unit_of_work(engine) as session:
        case = case_as_raised(session, str(about["reference"]))
        if case is None or thread_for(session, channel=channel, message_id=message_id, reporter_key=case.reporter_key):
            return False
        link = ReporterThread(
            channel=channel,
            conversation_id=conversation_id,
            message_id=message_id,
            case_id=case.id,
            reporter_key=case.reporter_key,
            follow_up_id=about.get("follow_up"),
        )
        session.add(link)
    return True


def submit_add(turn: TurnContext, state: dict[str, Any]) -> list[Reply]:
    """The "Add to this concern" form sent: the same checks and the same function as the typed command."""
    if state.get("replay"):  # the card or modal came again after it was sent
        return [Reply("That has been added already. To add more, type /cme add REFERENCE and your text.")]
    answers = state["answers"]
    try:
        case = own_case(turn, str(answers.get(reporter_forms.CASE_KEY, "")))
        return add_to_concern(turn, case=case, text=str(answers.get("text") or ""))
    except Refused as exc:
        return [Reply(str(exc), kind=ReplyKind.ERROR)]


def register(router: Router) -> None:
    """Add `/cme add`, its form and the thread hook to the router."""
    router.flow(Flow(reporter_forms.ADD, submit_add))
    run = lambda turn, args: add_command(turn, args, router.flows)  # noqa: E731
    router.command(CommandSpec("add", run, "add to a concern you raised: /cme add REF TEXT"))
    router.thread_reply = thread_reply
