"""The forms of moves between councils: the move's short form and the referral of a child notified to us.

The move's short form asks only what the command could not say (the other council's CME contact when
the profile's directory lacks it, and how they were told); the case and the council ride in the draft.
`/cme incoming` is the referral form with a first section for the sending council and its reference:
on submit the case is made exactly as for any referral (so intake matching runs) and the case records
a Transfer(direction=in). Both run as a chat, a Slack modal or a Teams card, and check the role again.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from handlers.casework.actions import Usage, audit, unreadable
from handlers.casework.alerts import alert_if_harm
from handlers.casework.intake import submit_referral
from handlers.casework.resolve import case_for
from handlers.casework.short_forms import CASE_KEY
from handlers.core import FormContext, TurnContext, is_staff
from handlers.forms import flows, whole_form
from handlers.forms.fields import Kind
from handlers.forms.flows import Flow
from handlers.forms.spec import Field, FormSpec, Section
from handlers.knowledge.councils import Council, find
from handlers.knowledge.profile import Profile
from handlers.messages import ActionId, Button, Choice, Reply, ReplyKind
from handlers.referral.form import REFERRAL, answers_signpost
from handlers.referral.sections import MORE, SEND
from storage.children import Transfer, TransferDirection
from storage.models import Case
from storage.queries import case_by_submission, drop_conversation, record_audit

COUNCIL_KEY = "_council"  # the other council's LA code, kept in the draft (no field reads it)
MOVE_CONTACT, MOVE_METHOD, INCOMING = "transfer_contact", "transfer_method", "incoming_referral"
_DIGITS = re.compile(r"[0-9]")
Record = Callable[..., list[Reply]]


def _reachable(value: Any, ctx: FormContext) -> str | None:
    text = str(value)
    if "@" in text or len(_DIGITS.findall(text)) >= 6:
        return None
    return "Type their secure email address or phone number, for example cme@leeds.gov.uk."


def own_council(profile: Profile) -> Council | None:
    """This council in the bundled list, found by the profile's name ("Bury Council")."""
    return find(profile.name).council or find(profile.short_name).council


def is_own(council: Council, profile: Profile) -> str | None:
    """What to say when `council` is this council itself (a move within it is not a transfer), else None."""
    own = own_council(profile)
    if own is None or own.code != council.code:
        return None
    return f"{council.label} is this council: a move within {profile.short_name} is not a move between councils."


def _one_council(value: Any, ctx: FormContext) -> str | None:
    found = find(str(value))
    if found.council is not None:
        return is_own(found.council, ctx.profile)
    if not found.candidates:
        return "That isn't an English council I know. Type its name or three-digit DfE LA code (383 for Leeds)."
    names = "; ".join(c.label for c in found.candidates)
    return f"{found.note or 'Which council?'} Did you mean: {names}? Type the name or the code."


CONTACT = Field(
    "contact",
    Kind.TEXT,
    "Their CME contact",
    help="A secure email address or phone number, as their council publishes it (not in our directory yet).",
    checks=(_reachable,),
)
METHOD = Field(
    "method",
    Kind.CHOICE,
    "How did you tell them?",
    choices=(Choice("secure_email", "Secure email"), Choice("phone", "Phone"), Choice("not_yet", "Not told yet")),
)
FROM = Section(
    "from_council",
    "The council that told you",
    (
        Field(
            "from_council",
            Kind.TEXT,
            "Which council told you about the child?",
            checks=(_one_council,),
            help="Its name or three-digit DfE LA code, for example Leeds or 383.",
        ),
        Field("their_reference", Kind.TEXT, "Their reference for the child", required=False),
    ),
)
_OWN = {f.id for f in FROM.fields}


def _after_answer(field_id, answers, ctx, meta):
    """The referral's own triage and harm checks, for the referral's questions only."""
    return None if field_id in _OWN else REFERRAL.after_answer(field_id, answers, ctx, meta)


MOVE_INTRO = "Record how the other council's CME officer was told; the case gets the transfer steps."
SPECS = {
    MOVE_CONTACT: FormSpec(
        MOVE_CONTACT,
        "Move to another council",
        MOVE_INTRO,
        (Section("details", "Move", (CONTACT, METHOD)),),
        review=False,
    ),
    MOVE_METHOD: FormSpec(
        MOVE_METHOD, "Move to another council", MOVE_INTRO, (Section("details", "Move", (METHOD,)),), review=False
    ),
    INCOMING: FormSpec(
        INCOMING,
        "A child notified by another council",
        "The council that told you and its reference first, then the referral's questions, all of them: there is "
        "no 'send now' here. Answer what you know: most questions can be skipped.",
        # The whole referral as one part (one progress count), without the quick report's "Send now" page.
        (FROM, *(dataclasses.replace(s, part="") for s in REFERRAL.sections if s.id != SEND.id)),
        after_answer=_after_answer,
    ),
}


def _refused(turn: TurnContext, form: str, *, drop: bool) -> list[Reply]:
    if drop:
        drop_conversation(turn.session, turn.user_key)
    detail = {"form": form, "role": turn.role.value}  # without the answers: they may name a child
    record_audit(turn.session, actor=turn.user_key, action="permission.refused", at=turn.now, detail=detail)
    return [Reply("That form is for the CME officer and their manager only.", kind=ReplyKind.ERROR)]


def move_submitter(form: str, record: Record, council_of: Callable[[str], Council]) -> flows.Finish:
    """The move's on_submit: staff only (checked again now), then the same function as the typed command."""

    def on_submit(turn: TurnContext, state: dict[str, Any]) -> list[Reply]:
        if not is_staff(turn.role):
            return _refused(turn, form, drop=not state.get("replay"))
        if state.get("replay"):
            return [Reply("That form has been sent already, or it was cancelled. Open the case to carry on.")]
        answers = state["answers"]
        try:  # checked again now: the case may have been restricted or merged since the form opened
            case = case_for(turn, str(answers.get(CASE_KEY, "")), form, missing="That case can't be found any more.")
            council = council_of(str(answers.get(COUNCIL_KEY, "")))
            contact = answers.get("contact") or _directory(turn, council)
            return record(turn, case=case, council=council, contact=contact, method=answers["method"])
        except Usage as exc:
            drop_conversation(turn.session, turn.user_key)
            return [
                Reply(f"{exc} Nothing was changed." if "Nothing" not in str(exc) else str(exc), kind=ReplyKind.ERROR)
            ]

    return on_submit


def _directory(turn: TurnContext, council: Council) -> str:
    contact = turn.profile.councils.get(council.code)
    if contact is None:
        raise Usage(f"The profile has no CME contact for {council.label}. Start again and type it.")
    return ", ".join(p for p in (contact.label, contact.email, contact.phone) if p)


def start(
    turn: TurnContext, registry: Mapping[str, Flow], case: Case, council: Council, *, method: str | None, known: bool
) -> list[Reply]:
    """Open the move's short form: a modal or card where the channel shows forms, else one question at a time."""
    flow = registry[MOVE_METHOD if known else MOVE_CONTACT]
    prefill = {CASE_KEY: case.reference, COUNCIL_KEY: council.code, **({"method": method} if method else {})}
    busy = flows.peek(turn, dict(registry))
    if busy is not None:
        return [flows.conflict(turn, *busy, f"/cme transfer {case.reference} {council.code}")]
    title = f"Move to {council.name}: {case.reference}"
    where = "Their CME contact is in the directory." if known else "Their CME contact isn't in our directory."
    if turn.inbound.wants_form:
        return [Reply(where, title=title), *whole_form.open_form(turn, flow, prefill)]
    first, *rest = flows.begin(turn, flow, prefill)
    return [dataclasses.replace(first, title=title, text=f"{where}\n\n{first.text}"), *rest]


def incoming(turn: TurnContext, args: str, registry: Mapping[str, Flow]) -> list[Reply]:
    """Start the referral of a child notified by another council (the council and their reference prefilled)."""
    if unreadable(args):
        text = "That command has a character that could not be read. Type it again: /cme incoming COUNCIL THEIR-REF"
        return [Reply(text, kind=ReplyKind.ERROR)]
    busy = flows.peek(turn, dict(registry))
    if busy is not None:
        return [flows.conflict(turn, *busy, f"/cme incoming {args}".strip())]
    prefill = _incoming_prefill(args)
    if isinstance(prefill, Reply):
        return [prefill]
    council = find(prefill["from_council"]).council if prefill else None
    own = is_own(council, turn.profile) if council else None
    if own:
        text = f"{own} Type /cme report for a referral from within it. Nothing was started."
        return [Reply(text, kind=ReplyKind.ERROR)]
    flow = registry[INCOMING]
    prefill = {**prefill, "next_step": MORE}  # the whole form, as "Add more detail" gives it (no "Send now" here)
    if turn.inbound.wants_form:
        return whole_form.open_form(turn, flow, prefill)
    return flows.begin(turn, flow, prefill)


def _incoming_prefill(args: str) -> dict[str, Any] | Reply:
    """The council (and their reference: the last word) from the command; candidates as buttons when unclear."""
    words = args.split()
    if not words:
        return {}
    splits = [(find(" ".join(words)), None)]
    if len(words) > 1:
        splits.append((find(" ".join(words[:-1])), words[-1][:64]))
    for found, ref in splits:
        if found.council is not None:
            return {"from_council": found.council.code, **({"their_reference": ref} if ref else {})}
    for found, ref in reversed(splits):  # the split that keeps their reference first
        if found.candidates:
            then = f" {ref}" if ref else ""
            buttons = tuple(
                Button(c.label, f"/cme incoming {c.code}{then}", ActionId.OPEN_FORM) for c in found.candidates
            )
            names = "; ".join(c.label for c in found.candidates)
            text = f"{found.note or 'More than one council could be meant.'} Did you mean: {names}? Choose one."
            return Reply(text, kind=ReplyKind.QUESTION, buttons=buttons)
    return Reply(
        "That isn't an English council I know. Type /cme incoming COUNCIL THEIR-REFERENCE, with the council's name "
        "or three-digit DfE LA code (for example /cme incoming 383 LCC-0117 for Leeds). Nothing was started.",
        kind=ReplyKind.ERROR,
    )


def finish_incoming(turn: TurnContext, state: dict[str, Any]) -> list[Reply]:
    """Submit it as a referral (one transaction, intake matching as for any), then record where it came from."""
    if not is_staff(turn.role):
        return _refused(turn, INCOMING, drop=not state.get("replay"))
    key = f"draft:{state['draft_id']}"
    if state.get("replay"):
        case = case_by_submission(turn.session, key)
        return [_recorded(case)] if case else [Reply("That form has expired or was cancelled.", kind=ReplyKind.ERROR)]
    answers = state["answers"]
    council = find(str(answers.get("from_council", ""))).council
    if council is None:  # the field's check ran on every answer: only a changed bundled list gets here
        return [Reply("That council isn't in the list any more: change it and submit again.", kind=ReplyKind.ERROR)]
    case, created = submit_referral(
        turn.session,
        answers=answers,
        meta=state["meta"],
        identity=turn.inbound.identity,
        address=turn.inbound.address,
        submission_key=key,
        ctx=turn.form_context(),
    )
    standing = _record_incoming(turn, case, council, answers.get("their_reference")) if created else case
    replies = [_recorded(case, council, standing)]
    if case.urgent:
        replies.append(answers_signpost(answers, now=turn.now, profile=turn.profile))
    return replies


def _record_incoming(turn: TurnContext, case: Case, council: Council, theirs: str | None) -> Case:
    """Record where the child came from on the case that stands (an open case the intake merged this one into)."""
    standing = turn.session.get(Case, case.merged_into) if case.merged_into else case
    move = Transfer(
        case_id=standing.id,
        direction=TransferDirection.IN,
        council_code=council.code,
        council_name=council.name,
        their_reference=theirs[:64] if theirs else None,
        notified_at=turn.now,
        created_by=turn.user_key,
        created_at=turn.now,
    )
    turn.session.add(move)
    audit(turn, standing, "transfer.incoming", council=council.code, referral=case.reference)
    return standing


def _recorded(case: Case, council: Council | None = None, standing: Case | None = None) -> Reply:
    source = f" notified by {council.label}" if council else ""
    opened = standing or case
    then = "The enquiry plan has started."
    if opened.id != case.id:  # officers may be told: the intake matched a child with an open case
        then = f"It is the child of open case {opened.reference}, so it was added to that case."
    text = f"Recorded {case.reference}: a child{source}. {then}"
    button = Button(f"Open {opened.reference}", f"/cme case {opened.reference}", ActionId.OPEN_CASE, "primary")
    return Reply(
        text,
        kind=ReplyKind.CONFIRMATION,
        title=f"Recorded: {case.reference}",
        buttons=(button,),
        data={"reference": case.reference, "urgent": case.urgent, "case": opened.reference},
    )


def register(router: Any, *, record: Record, council_of: Callable[[str], Council]) -> None:
    """Add the move's short forms and the incoming referral to the router's flows."""
    for form in (MOVE_CONTACT, MOVE_METHOD):
        router.flow(Flow(SPECS[form], move_submitter(form, record, council_of)))
    router.flow(Flow(SPECS[INCOMING], finish_incoming, after_step=alert_if_harm))
