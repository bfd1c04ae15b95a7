"""The officer's case commands: list, view, record enquiries, note, snooze, assign, close, reopen.

Officers and managers only (the router refuses anyone else and records the attempt). Every use
is written to the case's audit trail in the turn's transaction; a missing argument gets a usage
message, and a button press is the same as typing its value.
"""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlmodel import select

from handlers import enquiries
from handlers.case_views import case_list_reply, case_replies, outcome_buttons, plan_reply, who
from handlers.core import TurnContext
from handlers.fields import Invalid, parse_date
from handlers.messages import Channel, Identity, Reply, ReplyKind
from handlers.reminders import address_for_key
from handlers.roles import is_staff, role_of
from handlers.router import CommandSpec, Router
from storage.models import Case, CaseNote, Outbox
from storage.queries import (
    audit_trail,
    case_by_reference,
    enqueue,
    open_case_summaries,
    record_audit,
    report_for,
    steps_of,
)

REFERENCE = re.compile(r"\b[A-Z]{2,8}-\d{4}-\d{4,}\b")
LIST_LIMIT = 25


class Usage(ValueError):
    """A command was given without what it needs; the message says how to use it."""


def _today(turn: TurnContext):
    return turn.now.astimezone(turn.profile.tz).date()


def _case(turn: TurnContext, args: str, usage: str) -> tuple[Case, list[str]]:
    """The case named in `args` and the words after its reference."""
    found = REFERENCE.search(args.upper())
    if found is None:
        raise Usage(usage)
    case = case_by_reference(turn.session, found.group(0))
    if case is None:
        raise Usage(f"There is no case {found.group(0)}. Type /cme cases to list the open ones.")
    return case, args[found.end() :].split()


def _audit(turn: TurnContext, case: Case | None, action: str, reason: str | None = None, **detail) -> None:
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


def _guarded(run):
    def command(turn: TurnContext, args: str) -> list[Reply]:
        try:
            return run(turn, args)
        except (Usage, enquiries.StepError, Invalid) as exc:
            return [Reply(str(exc), kind=ReplyKind.ERROR)]

    command.__doc__ = run.__doc__
    return command


def list_cases(turn: TurnContext, args: str) -> list[Reply]:
    """Open cases, urgent and most overdue first."""
    today = _today(turn)
    rows = open_case_summaries(turn.session, today=today, limit=LIST_LIMIT)
    total = turn.session.exec(select(func.count()).select_from(Case).where(Case.state == "open")).one()
    _audit(turn, None, "cases.listed", shown=len(rows))
    return [case_list_reply(rows, today, total)]


def view_case(turn: TurnContext, args: str) -> list[Reply]:
    """The case's details, enquiry plan and timeline; the viewing is recorded."""
    case, _ = _case(turn, args, "Which case? Type /cme case CME-2026-0042.")
    _audit(turn, case, "case.viewed")
    turn.session.flush()
    query = select(CaseNote).where(CaseNote.case_id == case.id)
    notes = {note.id: note.text for note in turn.session.exec(query).all()}
    report = report_for(turn.session, case.id)
    steps = steps_of(turn.session, case.id)
    events = audit_trail(turn.session, case.id)
    return case_replies(case, report, steps, events, notes=notes, profile=turn.profile, today=_today(turn))


def _step_command(turn: TurnContext, args: str, *, possible: bool) -> list[Reply]:
    word = "done" if possible else "notpossible"
    need = "[note]" if possible else "REASON"
    case, rest = _case(turn, args, f"Usage: /cme {word} REFERENCE STEP {need}")
    if not rest:
        raise Usage(f"Which step of {case.reference}? Usage: /cme {word} {case.reference} STEP {need}")
    step = enquiries.find_step(turn.session, case, rest[0])
    note = " ".join(rest[1:]) or None
    if not possible and not note:
        raise Usage(f"Why was it not possible? Usage: /cme notpossible {case.reference} {step.step_id} REASON")
    enquiries.finish_step(step, possible=possible, actor=turn.user_key, now=turn.now, note=note)
    turn.session.add(step)
    _audit(turn, case, "step.done" if possible else "step.not_possible", note, step=step.step_id)
    outcome = "done" if possible else "not possible"
    return [
        Reply(f"Recorded: '{step.title}' on {case.reference} is {outcome}.", kind=ReplyKind.CONFIRMATION),
        plan_reply(case, steps_of(turn.session, case.id), _today(turn)),
    ]


def step_done(turn: TurnContext, args: str) -> list[Reply]:
    """Record an enquiry step as done, with an optional note."""
    return _step_command(turn, args, possible=True)


def step_not_possible(turn: TurnContext, args: str) -> list[Reply]:
    """Record an enquiry step as not possible, with the reason."""
    return _step_command(turn, args, possible=False)


def snooze(turn: TurnContext, args: str) -> list[Reply]:
    """Move a step's due date, with the reason."""
    usage = "Usage: /cme snooze REFERENCE STEP DATE REASON (for example 3/12/2026 waiting for the housing team)"
    case, rest = _case(turn, args, usage)
    if len(rest) < 3:
        step = f" {rest[0]}" if rest else " STEP"
        raise Usage(
            f"Until when, and why? Type /cme snooze {case.reference}{step} DATE REASON, "
            "for example 3/12/2026 waiting for the housing team."
        )
    step = enquiries.find_step(turn.session, case, rest[0])
    today = _today(turn)
    until = parse_date(rest[1], today=today)
    reason = " ".join(rest[2:])
    old = enquiries.snooze_step(step, until=until, today=today, reason=reason)
    turn.session.add(step)
    _audit(turn, case, "step.snoozed", reason, step=step.step_id, was_due=old.isoformat(), until=until.isoformat())
    return [
        Reply(
            f"Snoozed: '{step.title}' on {case.reference} is now due {until:%a %-d %b %Y}.", kind=ReplyKind.CONFIRMATION
        ),
        plan_reply(case, steps_of(turn.session, case.id), today),
    ]


def add_note(turn: TurnContext, args: str) -> list[Reply]:
    """Add a note to a case."""
    case, rest = _case(turn, args, "Usage: /cme note REFERENCE TEXT")
    if not rest:
        raise Usage(f"What is the note? Type /cme note {case.reference} followed by the note.")
    note = CaseNote(case_id=case.id, at=turn.now, author=turn.user_key, text=" ".join(rest)[:4000])
    turn.session.add(note)
    turn.session.flush()
    _audit(turn, case, "case.note", note_id=note.id)
    return [Reply(f"Note added to {case.reference}.", kind=ReplyKind.CONFIRMATION)]


def _assignee(turn: TurnContext, word: str) -> str:
    if word.lower() == "me":
        return turn.user_key
    mention = re.fullmatch(r"<@([A-Za-z0-9._-]+)(\|[^>]*)?>", word)
    if word.count(":") == 2:
        key = word
    else:
        sender = turn.inbound.identity
        key = f"{sender.channel.value}:{sender.tenant}:{mention.group(1) if mention else word.lstrip('@')}"
    channel, tenant, user = key.split(":", 2)
    try:
        identity = Identity(Channel(channel), user, tenant)
    except ValueError:
        raise Usage(f"'{word[:40]}' isn't someone I know.") from None
    if not is_staff(role_of(identity, turn.profile, turn.core.role_overrides)):
        raise Usage(f"{who(key)} isn't a CME officer or manager in the profile.")
    return key


def _tell(turn: TurnContext, case: Case, key: str, text: str) -> None:
    enqueue(
        turn.session,
        Outbox(
            kind="case.assigned",
            dedupe_key=f"assigned:{case.reference}:{key}:{turn.now.isoformat()}"[:255],
            recipient=address_for_key(key),
            text=f"{text} Open it: /cme case {case.reference}",
            payload={"reference": case.reference, "urgent": case.urgent},
            urgent=case.urgent,
            case_id=case.id,
            created_at=turn.now,
            not_before=turn.now,
        ),
    )


def assign(turn: TurnContext, args: str) -> list[Reply]:
    """Assign a case to an officer (or 'me'); they are told."""
    case, rest = _case(turn, args, "Usage: /cme assign REFERENCE WHO (an officer, or 'me')")
    if not rest:
        raise Usage(f"To whom? Type /cme assign {case.reference} me, or an officer's id.")
    key = _assignee(turn, rest[0])
    before, case.assigned_to = case.assigned_to, key
    _audit(turn, case, "case.assigned", " ".join(rest[1:]) or None, before=before, after=key)
    if key != turn.user_key:
        _tell(turn, case, key, f"Case {case.reference} has been assigned to you by {who(turn.user_key)}.")
    return [Reply(f"{case.reference} is now assigned to {who(key)}.", kind=ReplyKind.CONFIRMATION)]


def close(turn: TurnContext, args: str) -> list[Reply]:
    """Close a case with an outcome; the reporter is told the outcome at the level the profile allows."""
    case, rest = _case(turn, args, "Usage: /cme close REFERENCE OUTCOME [reason]")
    if case.state == "closed":
        raise Usage(f"{case.reference} is already closed. Reopen it with /cme reopen {case.reference} REASON.")
    outcome = rest[0].lower().replace("-", "_") if rest else ""
    if outcome not in turn.profile.closure_messages:
        return [outcome_buttons(turn.profile, case.reference)]
    waiting = enquiries.active_steps(turn.session, case)
    if outcome == "whereabouts_unknown" and waiting:
        names = ", ".join(s.step_id for s in waiting)
        raise Usage(f"Whereabouts unknown closes a case after all enquiries; still waiting: {names}.")
    reason = " ".join(rest[1:]) or None
    case.state, case.outcome, case.closed_at = "closed", outcome, turn.now
    stopped = enquiries.close_steps(turn.session, case)
    _audit(turn, case, "case.closed", reason, outcome=outcome, steps_stopped=stopped)
    message = turn.profile.closure_messages[outcome]
    _tell_reporter(turn, case, message)
    return [
        Reply(
            f'{case.reference} is closed ({outcome.replace("_", " ")}). The reporter is told: "{message}"',
            kind=ReplyKind.CONFIRMATION,
            data={"reference": case.reference, "outcome": outcome},
        )
    ]


def _tell_reporter(turn: TurnContext, case: Case, message: str) -> None:
    # Only the profile's outcome sentence travels: never the child's new address or school.
    text = f"Update on the concern you raised ({case.reference}): {message} Thank you for raising it."
    enqueue(
        turn.session,
        Outbox(
            kind="case.outcome",
            dedupe_key=f"outcome:{case.reference}:{turn.now.isoformat()}",
            recipient=dict(case.reporter_address),
            text=text,
            payload={"reference": case.reference, "title": "Outcome"},
            case_id=case.id,
            created_at=turn.now,
            not_before=turn.now,
        ),
    )


def reopen(turn: TurnContext, args: str) -> list[Reply]:
    """Reopen a closed case, with the reason; the stopped enquiries are due again from today."""
    case, rest = _case(turn, args, "Usage: /cme reopen REFERENCE REASON")
    if case.state != "closed":
        raise Usage(f"{case.reference} is open already.")
    if not rest:
        raise Usage(f"Why reopen it? Type /cme reopen {case.reference} REASON.")
    case.state, case.outcome, case.closed_at = "open", None, None
    reopened = enquiries.reopen_steps(turn.session, case, turn.profile, _today(turn))
    _audit(turn, case, "case.reopened", " ".join(rest), steps_reopened=reopened)
    return [
        Reply(
            f"{case.reference} is open again; {reopened} enquiry step(s) are due afresh.", kind=ReplyKind.CONFIRMATION
        )
    ]


COMMANDS = (
    ("cases", list_cases, "officers: open cases, urgent and most overdue first"),
    ("case", view_case, "officers: one case, its enquiry plan and timeline: /cme case CME-2026-0042"),
    ("done", step_done, "officers: record an enquiry step done: /cme done REF STEP [note]"),
    ("notpossible", step_not_possible, "officers: an enquiry step was not possible: /cme notpossible REF STEP REASON"),
    ("snooze", snooze, "officers: move a step's due date: /cme snooze REF STEP DATE REASON"),
    ("note", add_note, "officers: add a note: /cme note REF TEXT"),
    ("assign", assign, "officers: assign a case: /cme assign REF WHO|me"),
    ("close", close, "officers: close a case with an outcome: /cme close REF OUTCOME [reason]"),
    ("reopen", reopen, "officers: reopen a closed case: /cme reopen REF REASON"),
)


def register(router: Router) -> None:
    """Add the officer commands to the router (staff only)."""
    for name, run, help_text in COMMANDS:
        router.command(CommandSpec(name, _guarded(run), help_text, staff_only=True))
