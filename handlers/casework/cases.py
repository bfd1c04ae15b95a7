"""The officer's case commands: list, view, record enquiries, note, snooze, assign, close, reopen.

Officers and managers only (the router refuses anyone else and records the attempt). Every use
is written to the case's audit trail (by handlers/casework/actions.py) in the turn's transaction. A
button press is the same as typing its value; when details are missing (a snooze's date and
reason, a closing outcome, a note) a short form asks for them (handlers/casework/short_forms.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlmodel import select

from handlers.casework import actions, caseload, enquiries, short_forms, transfers
from handlers.casework.actions import Usage, audit
from handlers.casework.child_views import child_replies, later_referrals
from handlers.casework.reporter_view import reporter_reply
from handlers.casework.resolve import case_for
from handlers.casework.short_forms import NeedsForm, OfficerForm
from handlers.casework.views import case_list_reply, case_replies, when_due, with_added
from handlers.children.household import linked_reply
from handlers.core import Caller, Refused, TurnContext
from handlers.forms.fields import Confirm, Invalid, parse_date
from handlers.forms.flows import Flow
from handlers.messages import CommandSpec, Reply, ReplyKind
from handlers.router import Router
from storage.child_queries import reports_of
from storage.models import Case, CaseNote
from storage.queries import audit_trail, steps_of

# ASCII only, matched on the text as typed: upper-casing first moves offsets ('ß' becomes 'SS') and
# \d would take any script's digits.
REFERENCE = re.compile(r"\b[A-Z]{2,8}-[0-9]{4}-[0-9]{4,8}\b", re.ASCII | re.IGNORECASE)
# A step is named by its number in the plan or its id (profile ids are lower-case words with hyphens).
STEP = re.compile(r"[0-9]{1,3}|[a-z][a-z0-9_-]{0,63}", re.ASCII)


def find_reference(args: str) -> tuple[str, list[str]] | None:
    """The case reference in `args` (upper-cased) and the words after it, or None when there is none."""
    found = REFERENCE.search(args)
    if found is None:
        return None
    return found.group(0).upper(), args[found.end() :].split()


def field_words(words: list[str], fields: Mapping, aliases: Mapping[str, str]) -> tuple[str, str, str] | None:
    """FIELD VALUE [because WHY] after a reference: (the field's word, the value, the reason or ''); None if not."""
    word = aliases.get(words[0].lower(), words[0].lower()) if words else ""
    if word not in fields or len(words) < 2:
        return None
    value, _, why = " ".join(words[1:]).partition(" because ")
    return word, value.strip(), why.strip()


def _case(turn: TurnContext, args: str, usage: str) -> tuple[Case, list[str]]:
    """The case named in `args` and the words after its reference."""
    found = find_reference(args)
    if found is None:
        raise Usage(usage)
    reference, rest = found
    command = re.search(r"/cme (\w+)", usage)
    return case_for(turn, reference, command.group(1) if command else "case"), rest  # access checked, audited


def step_word(word: str, case: Case, usage: str) -> str:
    """`word` when it can name a step (a number or a step id); Usage saying how to name one otherwise."""
    if STEP.fullmatch(word.lower()) is None:
        raise Usage(
            f"That isn't a step of {case.reference}: name it by its number in the plan or its name "
            f"(/cme case {case.reference} lists them). {usage}"
        )
    return word


def _guarded(run, registry: Mapping[str, Flow], usage: str):
    def command(turn: TurnContext, args: str) -> list[Reply]:
        try:
            try:
                return run(turn, actions.plain(args, what="command", retry=_usage_for(args, usage)))
            except NeedsForm as need:
                return short_forms.start(turn, registry, need)
        except (Usage, enquiries.StepError, Invalid, Refused) as exc:
            # A one-line command can't be answered "yes": a Confirm says what to type instead.
            return [Reply(exc.fix if isinstance(exc, Confirm) else str(exc), kind=ReplyKind.ERROR)]

    command.__doc__ = run.__doc__
    return command


def _usage_for(args: str, usage: str) -> str:
    """The command's usage with the reference they typed in place of REF."""
    found = find_reference(args)
    return usage.replace("REF", found[0]) if found else usage


IN_A_CHANNEL = (
    "Your caseload names the children, so I only show it where no one else reads: in your direct messages "
    "with me (Slack: the app's Messages tab or its Home tab; Teams: our personal chat) or in cme-bot chat. "
    "Type /cme cases there."
)


def list_cases(turn: TurnContext, args: str) -> list[Reply]:
    """A page of open cases with who each child is (a DM or the terminal only); the service checks and records it."""
    if turn.inbound.address.shared:  # the names would show in front of the channel: say where to ask
        return [Reply(IN_A_CHANNEL, kind=ReplyKind.ERROR)]
    try:
        ask = caseload.parse_ask(args.split())
    except caseload.BadFilter as exc:
        raise Usage(str(exc)) from None
    return [case_list_reply(caseload.list_cases(Caller.of(turn), ask=ask))]


def view_case(turn: TurnContext, args: str) -> list[Reply]:
    """The case's details, enquiry plan and timeline; the viewing is recorded."""
    case, _ = _case(turn, args, "Which case? Type /cme case CME-2026-0042.")
    audit(turn, case, "case.viewed", "shown on request, to a named officer" if case.restricted else "shown on request")
    turn.session.flush()
    query = select(CaseNote).where(CaseNote.case_id == case.id)
    notes = {note.id: note.text for note in turn.session.exec(query).all()}
    referrals = with_added(reports_of(turn.session, case.id))  # each with the details its reporter added later
    report, added = referrals[0] if referrals else (None, [])
    steps = steps_of(turn.session, case.id)
    events = audit_trail(turn.session, case.id)
    replies = case_replies(
        case, report, steps, events, added=added, notes=notes, profile=turn.profile, today=actions.today(turn)
    )
    typed = find_reference(args)
    linked = linked_reply(turn.session, case)  # siblings and household, with their cases' states
    children = [*child_replies(turn.session, case, typed[0] if typed else None), *([linked] if linked else [])]
    moves = transfers.moves_reply(turn, case)  # to or from other councils
    later = later_referrals(turn.session, case)  # referrals merged into this case, after its own
    reporter = reporter_reply(turn.session, case, events, turn.profile)  # questions to them, their notes
    ordered = [replies[0], *children, *([moves] if moves else []), replies[1], *later, replies[2]]
    return [*ordered, *([reporter] if reporter else []), *replies[3:]]


def _step_command(turn: TurnContext, args: str, *, possible: bool) -> list[Reply]:
    word = "done" if possible else "notpossible"
    need = "[note]" if possible else "REASON"
    usage = f"Usage: /cme {word} REFERENCE STEP {need}"
    case, rest = _case(turn, args, usage)
    usage = usage.replace("REFERENCE", case.reference)
    if rest:
        step_word(rest[0], case, usage)
    if not possible and len(rest) < 2:
        raise NeedsForm(OfficerForm.NOT_POSSIBLE, case, rest[0] if rest else None)
    if not rest:
        raise Usage(f"Which step of {case.reference}? {usage}")
    note = " ".join(rest[1:]) or None
    return actions.record_step(turn, case=case, step=rest[0], possible=possible, note=note)


def step_done(turn: TurnContext, args: str) -> list[Reply]:
    """Record an enquiry step as done, with an optional note."""
    return _step_command(turn, args, possible=True)


def step_not_possible(turn: TurnContext, args: str) -> list[Reply]:
    """Record an enquiry step as not possible, with the reason (asked for when missing)."""
    return _step_command(turn, args, possible=False)


def snooze(turn: TurnContext, args: str) -> list[Reply]:
    """Move a step's due date, with the reason (a short form asks for what is missing)."""
    usage = "Usage: /cme snooze REFERENCE STEP DATE REASON (for example 3/12/2026 waiting for the housing team)"
    case, rest = _case(turn, args, usage)
    if rest:
        step_word(rest[0], case, usage)
    if len(rest) < 3:
        raise NeedsForm(OfficerForm.SNOOZE, case, rest[0] if rest else None)
    until = parse_date(rest[1], today=actions.today(turn))
    return actions.snooze_step(turn, case=case, step=rest[0], until=until, reason=" ".join(rest[2:]))


def add_note(turn: TurnContext, args: str) -> list[Reply]:
    """Add a note to a case (a short form asks for it when missing)."""
    case, rest = _case(turn, args, "Usage: /cme note REFERENCE TEXT")
    if not rest:
        raise NeedsForm(OfficerForm.NOTE, case)
    return actions.add_note(turn, case=case, text=" ".join(rest))


def assign(turn: TurnContext, args: str) -> list[Reply]:
    """Assign a case to an officer (or 'me'); they are told."""
    case, rest = _case(turn, args, "Usage: /cme assign REFERENCE WHO (an officer, or 'me')")
    if not rest:
        raise NeedsForm(OfficerForm.ASSIGN, case)
    return actions.assign_case(turn, case=case, to=rest[0], reason=" ".join(rest[1:]) or None)


def close(turn: TurnContext, args: str) -> list[Reply]:
    """Close a case with an outcome: steps not done are listed and confirmed with a reason; found names where."""
    case, rest = _case(turn, args, "Usage: /cme close REFERENCE OUTCOME [reason]")
    outcome = rest[0].lower().replace("-", "_") if rest else ""
    details = " ".join(rest[1:]) or None
    if case.state == "closed":
        raise Usage(actions.closed_already(turn, case))
    if outcome not in turn.profile.closure_messages:
        raise _closing(turn, case, {})
    waiting = enquiries.active_steps(turn.session, case)
    actions.check_closing(turn, case=case, outcome=outcome, waiting=waiting)  # refused outright: nothing to confirm
    found = outcome in actions.FOUND
    if waiting or (found and not details):  # confirm with a reason, or say where the child was found
        given = {"outcome": outcome, **({("provision" if found else "early"): details} if details else {})}
        raise _closing(turn, case, given)
    return actions.close_case(
        turn, case=case, outcome=outcome, reason=None if found else details, provision=details if found else None
    )


def _closing(turn: TurnContext, case: Case, given: dict) -> NeedsForm:
    """The close form to fill: the outcome as typed; with steps not done, they are listed and it asks why."""
    waiting = enquiries.active_steps(turn.session, case)
    if not waiting:
        return NeedsForm(OfficerForm.CLOSE, case, prefill=given)
    listed = "\n".join(f"  {step.position + 1}. {step.title} ({when_due(step.due_on, actions.today(turn))})"
                       for step in waiting)  # fmt: skip
    about = (
        f"{len(waiting)} enquiry step(s) of {case.reference} are not done:\n{listed}\n"
        "Close it anyway? Say why: the reason is kept on the case and in its audit trail."
    )
    return NeedsForm(OfficerForm.CLOSE_EARLY, case, prefill=given, about=about)


def reopen(turn: TurnContext, args: str) -> list[Reply]:
    """Reopen a closed case, with the reason; the stopped enquiries are due again from today."""
    case, rest = _case(turn, args, "Usage: /cme reopen REFERENCE REASON")
    if case.state == "closed" and not rest:
        raise NeedsForm(OfficerForm.REOPEN, case)
    return actions.reopen_case(turn, case=case, reason=" ".join(rest))


COMMANDS = (
    (
        "cases",
        list_cases,
        "officers: open cases and who: /cme cases [mine overdue unassigned urgent matches]",
    ),
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
    """Add the officer commands and their short forms to the router (staff only)."""
    short_forms.register(router)
    transfers.register(router)
    for name, run, help_text in COMMANDS:
        usage = help_text.rpartition(": ")[2]  # each help text ends with the command as typed
        router.command(CommandSpec(name, _guarded(run, router.flows, usage), help_text, staff_only=True))
