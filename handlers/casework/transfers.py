"""Moves between councils: `/cme transfer REF COUNCIL` when the family is believed to have moved away.

The council is taken from the bundled list of English local authorities by name or DfE LA code, never
guessed (handlers/knowledge/councils.py): anything else lists the candidates as buttons. Its CME contact
comes from the profile's `councils:` directory, or the officer types it in a short form that also asks
how the council was told. The move adds the profile's `transfer_plan` steps (tell the council, check the
Lost Pupils Database / School2School, get their acknowledgement) with school-day deadlines, which the
reminder sweep chases like any step; `/cme transfer REF ack [EVIDENCE]` records the acknowledgement, and
only then can the case close as moved_other_la (cme-domain.md: a child is tracked until found in education,
and the receiving LA is asked first). Officers and managers only; every change is audited.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import select

from handlers.casework import actions, enquiries, transfer_forms
from handlers.casework.actions import Usage, audit
from handlers.casework.resolve import case_for
from handlers.casework.views import plan_reply
from handlers.core import TurnContext
from handlers.forms.fields import Invalid
from handlers.forms.flows import Flow
from handlers.knowledge.councils import Council, Found, by_code, find
from handlers.messages import ActionId, Button, CommandSpec, Reply, ReplyKind
from storage.children import Transfer, TransferDirection
from storage.models import ACTIVE_STEP_STATES, Case
from storage.queries import steps_of

USAGE = (
    "Usage: /cme transfer REF COUNCIL (its name or DfE LA code, e.g. 383 for Leeds), "
    "/cme transfer REF notified phone|email, /cme transfer REF ack [EVIDENCE] when they acknowledge it, "
    "or /cme transfer REF evidence TEXT when something else shows the move"
)
METHOD_WORDS = {
    "email": "secure_email",
    "secure-email": "secure_email",
    "secure_email": "secure_email",
    "phone": "phone",
    "telephone": "phone",
}
METHODS = {"secure_email": "secure email", "phone": "phone"}
NOT_YET = "not_yet"
NOTIFY, ACK = "transfer-notify", "transfer-ack"


def _case(turn: TurnContext, words: list[str]) -> Case:
    """The case named by the first word; Usage saying how to name one otherwise."""
    if not words:
        raise Usage(f"Which case? {USAGE}")
    case = case_for(turn, words[0][:20], "transfer")
    if case.state == "closed":
        raise Usage(f"{case.reference} is closed. Reopen it first with /cme reopen {case.reference} REASON.")
    return case


def pending(turn: TurnContext, case: Case) -> Transfer | None:
    """The case's move out that has neither an acknowledgement nor evidence yet."""
    query = select(Transfer).where(
        Transfer.case_id == case.id,
        Transfer.direction == TransferDirection.OUT,
        Transfer.acknowledged_at.is_(None),
        Transfer.evidence.is_(None),
    )
    return turn.session.exec(query.order_by(Transfer.id.desc())).first()


def locked(turn: TurnContext, case: Case) -> Case:
    """The case read again under a row lock held until the turn commits, so two officers take turns.

    PostgreSQL waits on the lock; SQLite's BEGIN IMMEDIATE already makes writers take turns.
    """
    query = select(Case).where(Case.id == case.id).with_for_update().execution_options(populate_existing=True)
    return turn.session.exec(query).one()


def transfer(turn: TurnContext, args: str, registry: Mapping[str, Flow]) -> list[Reply]:
    """Record a move to another council, its notification (`notified`) or its acknowledgement (`ack`)."""
    actions.plain(args, what="command", retry=USAGE)
    words = args.split()
    case = _case(turn, words)
    rest = words[1:]
    if not rest:
        raise Usage(f"Which council has the family moved to? {USAGE.replace('REF', case.reference)}")
    if rest[0].lower() in ("ack", "acknowledged"):
        return acknowledge(turn, case=case, evidence=" ".join(rest[1:]) or None)
    if rest[0].lower() == "evidence":
        return acknowledge(turn, case=case, evidence=" ".join(rest[1:]) or None, acknowledged=False)
    if rest[0].lower() == "notified":
        return notified(turn, case=case, method=METHOD_WORDS.get(" ".join(rest[1:]).lower()))
    method = METHOD_WORDS.get(rest[-1].lower()) if len(rest) > 1 else None
    text = " ".join(rest[:-1] if method else rest)
    found = find(text)
    if found.council is None:
        return [did_you_mean(case, found, text, method)]
    return begin(turn, case, found.council, method, registry)


def did_you_mean(case: Case, found: Found, text: str, method: str | None) -> Reply:
    """The candidates for a council the text did not name exactly, as buttons; or how to name one."""
    then = f" {method}" if method else ""
    buttons = tuple(
        Button(c.label, f"/cme transfer {case.reference} {c.code}{then}", ActionId.OPEN_FORM) for c in found.candidates
    )
    if not buttons:
        return Reply(
            f"I don't know an English council called '{text[:40]}'. Type its name or its three-digit DfE LA code "
            f"(for example /cme transfer {case.reference} 383 for Leeds). Nothing was changed.",
            kind=ReplyKind.ERROR,
        )
    names = "; ".join(c.label for c in found.candidates)
    lead = f"{found.note} " if found.note else f"More than one council could be '{text[:40]}'. "
    return Reply(
        f"{lead}Did you mean: {names}? Choose one, or type its code.", kind=ReplyKind.QUESTION, buttons=buttons
    )


def begin(
    turn: TurnContext, case: Case, council: Council, method: str | None, registry: Mapping[str, Flow]
) -> list[Reply]:
    """Record the move at once when the contact and method are known; else the short form asks for them."""
    own = transfer_forms.is_own(council, turn.profile)
    if own:
        raise Usage(f"{own} Record the new address with /cme note {case.reference} TEXT. Nothing was changed.")
    _not_twice(turn, case)
    contact = turn.profile.councils.get(council.code)
    if contact is not None and method is not None:
        return record(turn, case=case, council=council, contact=_contact_text(contact), method=method)
    return transfer_forms.start(turn, registry, case, council, method=method, known=contact is not None)


def _not_twice(turn: TurnContext, case: Case) -> None:
    waiting = pending(turn, case)
    if waiting is not None:
        raise Usage(
            f"{case.reference} is already being moved to {waiting.council_name} ({waiting.council_code}). "
            f"Record their acknowledgement with /cme transfer {case.reference} ack EVIDENCE. Nothing was changed."
        )


def _contact_text(contact) -> str:
    parts = [contact.label, contact.email, contact.phone]
    return ", ".join(p for p in parts if p)


def record(turn: TurnContext, *, case: Case, council: Council, contact: str, method: str) -> list[Reply]:
    """Record the move out: who was told, how and when; add the transfer steps with their deadlines."""
    case = locked(turn, case)
    if case.state == "closed":
        raise Usage(f"{case.reference} is closed. Reopen it first with /cme reopen {case.reference} REASON.")
    _not_twice(turn, case)
    told = method in METHODS
    move = Transfer(
        case_id=case.id,
        direction=TransferDirection.OUT,
        council_code=council.code,
        council_name=council.name,
        contact=contact[:255],
        notified_at=turn.now if told else None,
        method=method if told else None,
        created_by=turn.user_key,
        created_at=turn.now,
    )
    turn.session.add(move)
    enquiries.add_steps(turn.session, case, turn.profile.transfer_plan, turn.profile, turn.now, about=council.name)
    turn.session.flush()
    if told:
        _finish(turn, case, NOTIFY, f"told by {METHODS[method]}")
    audit(turn, case, "transfer.started", council=council.code, method=move.method)
    how = f"told {turn.now.astimezone(turn.profile.tz):%-d %b %Y} by {METHODS[method]}" if told else "not told yet"
    text = f"Recorded: {case.reference} is moving to {council.label}; their CME contact: {contact}; {how}."
    if not told:
        text += f" When you have told them, type /cme transfer {case.reference} notified phone|email."
    text += f" When they acknowledge it, type /cme transfer {case.reference} ack EVIDENCE."
    return [Reply(text, kind=ReplyKind.CONFIRMATION, data={"reference": case.reference, "council": council.code})]


def _finish(turn: TurnContext, case: Case, step_id: str, note: str) -> None:
    """Mark a transfer step done when it is still waiting (an acknowledgement also settles the notification)."""
    for step in steps_of(turn.session, case.id):
        if step.step_id == step_id and step.state in ACTIVE_STEP_STATES:
            enquiries.finish_step(step, possible=True, actor=turn.user_key, now=turn.now, note=note)
            turn.session.add(step)


def notified(turn: TurnContext, *, case: Case, method: str | None) -> list[Reply]:
    """Record that the other council has now been told, and how."""
    if method is None:
        raise Usage(f"How did you tell them? Type /cme transfer {case.reference} notified phone (or email).")
    move = pending(turn, locked(turn, case))
    if move is None:
        raise Usage(
            f"No move to another council is waiting on {case.reference}. {USAGE.replace('REF', case.reference)}"
        )
    if move.notified_at is not None:
        raise Usage(f"{move.council_name} was told already, by {METHODS.get(move.method or '', 'another way')}.")
    move.notified_at, move.method = turn.now, method
    turn.session.add(move)
    _finish(turn, case, NOTIFY, f"told by {METHODS[method]}")
    # A disclosure of the child's details to another council: the audit says to whom and why.
    why = f"disclosed to {move.council_name} CME service: the child moved there (DfE CME guidance)"
    audit(turn, case, "transfer.notified", why, council=move.council_code, method=method)
    text = f"Recorded: {move.council_name} was told about {case.reference} by {METHODS[method]}."
    return [
        Reply(text, kind=ReplyKind.CONFIRMATION),
        plan_reply(case, steps_of(turn.session, case.id), actions.today(turn)),
    ]


def acknowledge(turn: TurnContext, *, case: Case, evidence: str | None, acknowledged: bool = True) -> list[Reply]:
    """Record the other council's acknowledgement, or evidence of the move without one; the case may then close."""
    if not acknowledged and not evidence:
        raise Usage(
            f"What shows the family has moved? Type /cme transfer {case.reference} evidence TEXT "
            "(for example: on roll at a Leeds school, found on the Lost Pupils Database)."
        )
    move = pending(turn, locked(turn, case))
    if move is None:
        raise Usage(
            f"No move to another council is waiting on {case.reference}: record the move first with "
            f"/cme transfer {case.reference} COUNCIL."
        )
    move.acknowledged_at, move.evidence = (turn.now if acknowledged else None), evidence[:1000] if evidence else None
    turn.session.add(move)
    if acknowledged:  # evidence alone does not show that they were told
        _finish(turn, case, NOTIFY, "acknowledged")
    _finish(turn, case, ACK, "acknowledged" if acknowledged else "evidence of the move recorded instead")
    action = "transfer.acknowledged" if acknowledged else "transfer.evidence"
    audit(turn, case, action, evidence, council=move.council_code)
    close = f"/cme close {case.reference} moved_other_la"
    said = f"{move.council_name} acknowledged {case.reference}"
    if not acknowledged:
        said = f"the evidence that the family of {case.reference} moved to {move.council_name}"
    text = f"Recorded: {said}. You can now close it: {close}"
    button = Button("Close: moved to another LA", close, ActionId.CASE_CLOSE, "primary")
    return [Reply(text, kind=ReplyKind.CONFIRMATION, buttons=(button,))]


def moves_reply(turn: TurnContext, case: Case) -> Reply | None:
    """The case's moves between councils for the officer's case view: who, their contact, when told, acknowledged."""
    query = select(Transfer).where(Transfer.case_id == case.id).order_by(Transfer.id)
    facts = tuple(_move_fact(turn, move) for move in turn.session.exec(query).all())
    return Reply("Moves between councils.", title="Moves between councils", facts=facts) if facts else None


def _move_fact(turn: TurnContext, move: Transfer) -> tuple[str, str]:
    council = f"{move.council_name} ({move.council_code})"
    if move.direction == TransferDirection.IN:
        theirs = f"their reference {move.their_reference}" if move.their_reference else "no reference given"
        return f"From {council}", f"{theirs}; recorded {_on(turn, move.created_at)}"
    told = f"told {_on(turn, move.notified_at)} by {METHODS[move.method]}" if move.notified_at else "not told yet"
    acked = f"acknowledged {_on(turn, move.acknowledged_at)}" if move.acknowledged_at else "awaiting acknowledgement"
    return f"To {council}", "; ".join(p for p in (f"contact {move.contact or 'not recorded'}", told, acked))


def _on(turn: TurnContext, when) -> str:
    return f"{when.astimezone(turn.profile.tz):%-d %b %Y}"


def council_of(code: str) -> Council:
    """The council with this code (a form carries the code it was started with)."""
    council = by_code(code)
    if council is None or council.ended is not None:
        raise Usage("That council is not in the list any more. Start again with /cme transfer REF COUNCIL.")
    return council


def _guarded(registry: Mapping[str, Flow]):
    def command(turn: TurnContext, args: str) -> list[Reply]:
        """Record a move to another council."""
        try:
            return transfer(turn, args, registry)
        except (Usage, enquiries.StepError, Invalid) as exc:
            return [Reply(str(exc), kind=ReplyKind.ERROR)]

    return command


HELP = "officers: the family moved to another council: /cme transfer REF COUNCIL, then /cme transfer REF ack [EVIDENCE]"


def register(router) -> None:
    """Add /cme transfer, /cme incoming and their forms to the router (staff only)."""
    transfer_forms.register(router, record=record, council_of=council_of)
    router.command(CommandSpec("transfer", _guarded(router.flows), HELP, staff_only=True))
    router.command(
        CommandSpec(
            "incoming",
            lambda turn, args: transfer_forms.incoming(turn, args, router.flows),
            "officers: record a child notified by another council: /cme incoming [COUNCIL [THEIR-REF]]",
            staff_only=True,
        )
    )
