"""`/cme deletion` and `/cme newpupil`: a school's register notices through the form engine, in every channel.

Schools' designated persons are practitioners, so anyone may send a notice (officers too, for a return that
came by email). What the school is told after: the notice's reference, and when a case opened, the case
reference and the date the joint reasonable enquiries are due. Nothing about another case is shown.
"""

from __future__ import annotations

from typing import Any

from handlers.core import TurnContext
from handlers.forms import flows, whole_form
from handlers.knowledge.registers import ground
from handlers.messages import ActionId, Button, Channel, CommandSpec, Reply, ReplyKind
from handlers.notices.admissions import record_new_pupil
from handlers.notices.forms import DELETION_SPEC, NEW_PUPIL_SPEC
from handlers.notices.service import Recorded, notice_by_submission, record_deletion
from handlers.router import Router

DELETION_HELP = "schools: send a deletion return (a pupil leaving your roll, with the regulation 9 ground)"
NEW_PUPIL_HELP = "schools: send a new pupil return (within five days of admission)"
CHAT_WORDS = frozenset({"chat", "questions", "step", "text"})  # "deletion chat": one question at a time


def start(router: Router, turn: TurnContext, form_id: str, command: str, args: str) -> list[Reply]:
    """Open the return: a modal or card where the channel shows forms, else one question at a time.

    A typed command in Slack or Teams offers the form as a button (the channels open a modal or card for a
    button press, not for typed text), or the questions one at a time with `chat`.
    """
    draft = flows.load_draft(turn, router.flows)
    if isinstance(draft, tuple):
        return [flows.conflict(turn, *draft, command)]  # never a second form without asking
    replies = [draft] if isinstance(draft, Reply) else []
    flow = router.flows[form_id]
    if turn.inbound.wants_form:
        return [*replies, *whole_form.open_form(turn, flow)]
    if turn.inbound.identity.channel is not Channel.TERMINAL and args.strip().lower() not in CHAT_WORDS:
        text = (
            f"{flow.spec.title}. Open the form to fill it in, or type '{command} chat' to answer one question "
            "at a time."
        )
        button = Button("Open the form", command, ActionId.OPEN_FORM, style="primary")
        return [*replies, Reply(text, kind=ReplyKind.QUESTION, buttons=(button,))]
    return [*replies, *flows.begin(turn, flow)]


def _due_words(recorded: Recorded) -> str:
    due = recorded.notice.enquiries_due
    return f" Joint reasonable enquiries by your school and the council are due by {due:%A %-d %B %Y}." if due else ""


def deletion_confirmation(recorded: Recorded) -> Reply:
    """What the school's designated person is told: the reference, and the case and due date when one opened."""
    notice, case = recorded.notice, recorded.case
    lines = [f"Thank you. Your deletion return is recorded. Your reference is {notice.reference}."]
    if case is not None:
        lines.append(
            f"The child may be missing education, so the council's CME officer has started enquiries "
            f"(case {case.reference}).{_due_words(recorded)} Tell the CME officer anything you learn about where "
            f"the child is. Check on it with /cme status {case.reference}."
        )
    elif recorded.other_council is not None:
        lines.append(
            f"The new school is in {recorded.other_council.label}: the CME officer will let that council know. "
            "Send the pupil's common transfer file (CTF) to the new school as usual."
        )
    else:
        lines.append("On this ground the council needs nothing more from you now.")
    chosen = ground(notice.ground)
    if chosen is not None and chosen.note:
        lines.append(chosen.note)
    data = {
        "notice": notice.reference,
        "case": case.reference if case else None,
        "enquiries_due": notice.enquiries_due.isoformat() if notice.enquiries_due else None,
    }
    return Reply(
        "\n\n".join(lines), kind=ReplyKind.CONFIRMATION, title=f"Deletion return: {notice.reference}", data=data
    )


def _expired(turn: TurnContext, state: dict[str, Any], command: str) -> Reply | None:
    """A replayed submit (double click, platform retry) whose notice was never made: say how to start again."""
    if state.get("replay") and notice_by_submission(turn.session, f"draft:{state.get('draft_id')}") is None:
        return Reply(f"That return has expired or was cancelled. Start again with {command}.", kind=ReplyKind.ERROR)
    return None


def finish_deletion(turn: TurnContext, state: dict[str, Any]) -> list[Reply]:
    """Submit the deletion return in this turn's transaction (a repeated submit gets the same confirmation)."""
    expired = _expired(turn, state, "/cme deletion")
    if expired is not None:
        return [expired]
    recorded = record_deletion(
        turn.session,
        answers=state.get("answers", {}),
        identity=turn.inbound.identity,
        address=turn.inbound.address,
        submission_key=f"draft:{state['draft_id']}",
        ctx=turn.form_context(),
    )
    return [deletion_confirmation(recorded)]


def finish_new_pupil(turn: TurnContext, state: dict[str, Any]) -> list[Reply]:
    """Submit the new pupil return in this turn's transaction."""
    expired = _expired(turn, state, "/cme newpupil")
    if expired is not None:
        return [expired]
    recorded = record_new_pupil(
        turn.session,
        answers=state.get("answers", {}),
        identity=turn.inbound.identity,
        submission_key=f"draft:{state['draft_id']}",
        ctx=turn.form_context(),
    )
    reference = recorded.notice.reference
    text = f"Thank you. Your new pupil return is recorded. Your reference is {reference}."
    title = f"New pupil return: {reference}"
    return [Reply(text, kind=ReplyKind.CONFIRMATION, title=title, data={"notice": reference})]


def register(router: Router) -> None:
    """Add the two returns' flows and commands (any role)."""
    router.flow(flows.Flow(DELETION_SPEC, finish_deletion))
    router.flow(flows.Flow(NEW_PUPIL_SPEC, finish_new_pupil))
    router.command(
        CommandSpec(
            "deletion", lambda turn, args: start(router, turn, DELETION_SPEC.id, "/cme deletion", args), DELETION_HELP
        )
    )
    router.command(
        CommandSpec(
            "newpupil", lambda turn, args: start(router, turn, NEW_PUPIL_SPEC.id, "/cme newpupil", args), NEW_PUPIL_HELP
        )
    )
