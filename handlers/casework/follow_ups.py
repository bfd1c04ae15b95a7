"""The officer asks the reporter: `/cme follow-up REF QUESTION`, one reminder, then the officer's digest.

The question goes, as the officer wrote it, to the reporter's own chat with the bot (their Slack DM, their
Teams personal chat, their terminal inbox), never to a channel: the reporter raised the concern and holds
what they told us, and the officer must be able to say "Has Ava been seen?" to be understood. What may not
travel is what the reporter did not give (another agency's information, a new address): the form's help says
so. Notifications show only the reference (Slack's fallback text, Teams' summary), so a lock screen shows no
question. The words are a case note (encrypted, audited); the reporter answers with the same mechanism as
adding to a concern (handlers/casework/reporter_notes.py). A channel that says the reporter can't be reached
(an account deactivated, no chat with the bot) settles the question as unreachable and the officer is told,
with the reporter's contact details from the referral.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from handlers.casework import reporter_forms
from handlers.casework.actions import Usage, audit, plain, private_reporter_address, today, write_note
from handlers.casework.harm_drafts import contact_given
from handlers.casework.reminders import address_for_key
from handlers.casework.reporter_notes import REFERENCE, Refused, checked_text, thread_data
from handlers.casework.resolve import resolve
from handlers.casework.views import day
from handlers.core import Core, TurnContext, is_staff
from handlers.forms.flows import Flow
from handlers.knowledge.calendar import add_school_days, is_school_day
from handlers.knowledge.profile import Profile
from handlers.messages import ActionId, CommandSpec, Reply, ReplyKind
from handlers.router import Router
from storage.child_queries import reports_of, surviving_case
from storage.db import unit_of_work
from storage.models import Case, CaseNote, Outbox
from storage.queries import enqueue, record_audit
from storage.reporter_links import (
    FollowUp,
    FollowUpState,
    claim_reminder,
    due_reminders,
    settle_follow_up,
    waiting_follow_ups,
)

BOT = "cme-bot"  # the actor of what the scheduler does
USAGE = "Usage: /cme follow-up REF QUESTION (or /cme follow-up REF withdraw)"
HOW_TO_ANSWER = {
    "slack": "Reply in this thread, press Answer, or type /cme add {ref} followed by your answer.",
    "teams": "Reply to this message, press Answer, or type /cme add {ref} followed by your answer.",
    "terminal": "Type /cme add {ref} followed by your answer.",
}
WHY_UNREACHABLE = {  # a channel's reason code in words an officer understands
    "slack": "Slack would not deliver it (their account may be deactivated, or the bot can no longer message them)",
    "teams": "Teams would not deliver it (the bot has no chat with them, or their account is gone)",
}


def follow_up_command(turn: TurnContext, args: str, registry: Mapping[str, Flow]) -> list[Reply]:
    """`/cme follow-up REF QUESTION`: ask the person who raised the concern (without QUESTION: a form asks)."""
    try:
        found = REFERENCE.search(plain(args, what="question", retry=USAGE) or "")
        if found is None:
            raise Usage(f"Which case? {USAGE}")
        case, standing = _asked_about(turn, found.group(0).upper())
        question = args[found.end() :].strip()
        if question.lower() == "withdraw":
            return withdraw(turn, case=case, standing=standing)
        if not question:
            return reporter_forms.start_form(turn, registry, reporter_forms.ASK, case.reference)
        return ask_reporter(turn, case=case, standing=standing, question=question)
    except (Usage, Refused) as exc:
        return [Reply(str(exc), kind=ReplyKind.ERROR)]


def _asked_about(turn: TurnContext, reference: str) -> tuple[Case, Case]:
    """The case whose reporter is asked (a merged reference asks its own reporter) and the case that stands."""
    found = resolve(turn, reference, "follow-up")  # every case behind it visible to the sender, or refused (audited)
    if found.case.state != "open":
        raise Usage(f"{reference} is closed. Reopen it first with /cme reopen {found.case.reference} REASON.")
    return found.typed, found.case


def ask_reporter(turn: TurnContext, *, case: Case, standing: Case, question: str) -> list[Reply]:
    """Send the question to the reporter's private chat, keep it on the case, and say when it is reminded."""
    words = checked_text(question, limit=reporter_forms.MAX_QUESTION)
    note = write_note(turn, case=standing, text=words)
    days = turn.profile.reminders.follow_up_school_days
    follow_up = FollowUp(
        case_id=case.id,
        reporter_key=case.reporter_key,
        asked_by=turn.user_key,
        asked_at=turn.now,
        question_note_id=note.id,
        remind_on=add_school_days(today(turn), days, turn.profile),
    )
    turn.session.add(follow_up)
    turn.session.flush()
    audit(turn, standing, "reporter.asked", note_id=note.id, follow_up=follow_up.id, via=case.reference)
    enqueue(turn.session, _to_reporter(case, follow_up, words, now=turn.now))
    text = (
        f"Your question has been sent to the person who raised {case.reference}, in their own chat with the bot. "
        f"Their answer will be added to the case and you'll be told. Unanswered after {days} school days "
        f"({day(follow_up.remind_on)}), they get one reminder; after that it is listed in your digest."
    )
    return [Reply(text, kind=ReplyKind.CONFIRMATION, title=f"Question sent: {case.reference}")]


def _to_reporter(case: Case, follow_up: FollowUp, question: str, *, now: dt.datetime, reminder: bool = False) -> Outbox:
    """The reporter's message: the reference, the question, and how to answer (a reply to it answers it)."""
    ref = case.reference
    channel = case.reporter_key.split(":", 1)[0]
    lead = "Reminder: the CME officer is still waiting" if reminder else "The CME officer has a question"
    text = f"{lead} about the concern you raised ({ref}):\n\n{question}\n\n" + HOW_TO_ANSWER.get(
        channel, HOW_TO_ANSWER["terminal"]
    ).format(ref=ref)
    title = f"{'Reminder: a' if reminder else 'A'} question about your concern {ref}"
    answer = {"label": "Answer", "value": f"/cme add {ref}", "action": ActionId.REPORTER_ADD.value, "style": "primary"}
    payload = {
        "title": title,
        "preview": title,  # what a notification or lock screen shows: the reference, not the question
        "buttons": [answer],
        "follow_up": follow_up.id,
        **thread_data(ref, follow_up.id),
    }
    kind = "reporter.reminder" if reminder else "reporter.question"
    return Outbox(
        kind=kind,
        dedupe_key=f"{kind}:{follow_up.id}",
        recipient=private_reporter_address(case),
        text=text,
        payload=payload,
        case_id=case.id,
        created_at=now,
        not_before=now,
    )


def withdraw(turn: TurnContext, *, case: Case, standing: Case) -> list[Reply]:
    """The officer needs no answer any more: the questions waiting on the case stop (no reminder, not in digests)."""
    waiting = waiting_follow_ups(turn.session, [case.id])
    withdrawn = FollowUpState.WITHDRAWN
    stopped = [f.id for f in waiting if settle_follow_up(turn.session, f.id, state=withdrawn, at=turn.now)]
    if not stopped:
        return [Reply(f"There is no question waiting for the reporter of {case.reference}. Nothing was changed.")]
    audit(turn, standing, "reporter.withdrawn", follow_ups=stopped, via=case.reference)
    text = f"Withdrawn: {len(stopped)} question(s) to the reporter of {case.reference}. What they send is still added."
    return [Reply(text, kind=ReplyKind.CONFIRMATION)]


def submit_ask(turn: TurnContext, state: dict[str, Any]) -> list[Reply]:
    """The "Ask the reporter" form sent: staff only (checked again now), then the same function as the command."""
    if state.get("replay"):
        return [Reply("That question has been sent already. Open the case to carry on.")]
    if not is_staff(turn.role):
        return [Reply("That form is for the CME officer and their manager only.", kind=ReplyKind.ERROR)]
    answers = state["answers"]
    try:
        case, standing = _asked_about(turn, str(answers.get(reporter_forms.CASE_KEY, "")))
        return ask_reporter(turn, case=case, standing=standing, question=str(answers.get("question") or ""))
    except (Usage, Refused) as exc:
        return [Reply(f"{exc} Nothing was sent.", kind=ReplyKind.ERROR)]


def run_reminders(core: Core) -> int:
    """The scheduler's job: one reminder to each reporter whose question has waited its school days; how many."""
    with unit_of_work(core.engine) as session:
        return remind(session, core.profile, core.clock())


def remind(session: Session, profile: Profile, now: dt.datetime) -> int:
    """Queue the reminders due today in the caller's transaction (exactly once: each is claimed by a conditional
    update, and its outbox key names the question, so a second replica or a re-run queues nothing)."""
    local_day = now.astimezone(profile.tz).date()
    if not is_school_day(local_day, profile):
        return 0
    sent = 0
    for follow_up, case in due_reminders(session, today=local_day):
        standing = surviving_case(session, case) or case
        if standing.state != "open" or not claim_reminder(session, follow_up.id, at=now):
            continue  # a closed case asks nobody anything; a claimed one is another run's
        question = session.get(CaseNote, follow_up.question_note_id).text
        enqueue(session, _to_reporter(case, follow_up, question, now=now, reminder=True))
        record_audit(session, case_id=standing.id, actor=BOT, action="reporter.reminded", at=now,
                     detail={"follow_up": follow_up.id, "via": case.reference})  # fmt: skip
        sent += 1
    return sent


def undeliverable(session: Session, *, row: Outbox, reason: str, profile: Profile, now: dt.datetime) -> bool:
    """A question or reminder the reporter's channel refused for good: settle it and tell the officer who asked.

    False when `row` is not a question to a reporter (the sender retries it as before).
    """
    follow_up = session.get(FollowUp, row.payload.get("follow_up")) if row.payload.get("follow_up") else None
    if follow_up is None:
        return False
    settled = settle_follow_up(
        session, follow_up.id, state=FollowUpState.UNREACHABLE, at=now, unreachable_reason=reason[:64]
    )
    if not settled:
        return True  # answered, withdrawn or told already: nothing more to say
    case = session.get(Case, follow_up.case_id)
    standing = surviving_case(session, case) or case
    record_audit(session, case_id=standing.id, actor=BOT, action="reporter.unreachable", at=now,
                 detail={"follow_up": follow_up.id, "reason": reason[:64], "via": case.reference})  # fmt: skip
    why = WHY_UNREACHABLE.get(case.reporter_key.split(":", 1)[0], "their channel would not deliver it")
    text = (
        f"Your question on {standing.reference} could not reach the person who raised it: {why}. Contact them "
        f"another way: {reporter_contact(session, case)}. The question stays on the case."
    )
    recipient = address_for_key(follow_up.asked_by)
    enqueue(session, Outbox(kind="reporter.unreachable", dedupe_key=f"reporter-unreachable:{follow_up.id}",
                            recipient=recipient, text=text, case_id=standing.id, created_at=now, not_before=now,
                            payload={"title": f"Reporter not reached: {standing.reference}",
                                     "reference": standing.reference}))  # fmt: skip
    return True


def reporter_contact(session: Session, case: Case) -> str:
    """The reporter's name and how to reach them, as their referral gave them (officers only)."""
    standing = surviving_case(session, case) or case
    reports = reports_of(session, standing.id)
    theirs = [r for r in reports if r.submitted_by == case.reporter_key] or (reports[:1] if standing is case else [])
    answers = theirs[0].answers if theirs else {}
    given = contact_given(answers)
    channel, _, user = case.reporter_key.partition(":")
    return ", ".join([*given, f"{channel} user {user.partition(':')[2] or user}"])


def register(router: Router) -> None:
    """Add `/cme follow-up` and its form (officers and managers)."""
    router.flow(Flow(reporter_forms.ASK, submit_ask))
    help_text = "officers: ask the person who raised a concern: /cme follow-up REF QUESTION"
    run = lambda turn, args: follow_up_command(turn, args, router.flows)  # noqa: E731
    router.command(CommandSpec("follow-up", run, help_text, staff_only=True))
