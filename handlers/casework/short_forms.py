"""The officer's short forms: snooze, not possible, close, note, assign, reopen.

Small FormSpecs run by the same engines as the referral: one question at a time in a chat, a
whole form where the channel can show one (Inbound.wants_form: a Slack modal, a Teams card).
The case (and the step, when a button named it) is carried in the draft under keys no field
has, so the form never asks for it. Submitting calls the same handlers/casework/actions.py function
as the typed command, after checking again that the sender is an officer or a manager.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from handlers.casework import actions, enquiries
from handlers.casework.actions import Usage
from handlers.casework.resolve import case_for
from handlers.casework.views import outcome_words
from handlers.core import FormContext, TurnContext, is_staff
from handlers.forms import flows, whole_form
from handlers.forms.fields import Invalid, Kind
from handlers.forms.flows import Flow
from handlers.forms.spec import CASE_KEY, Field, FormSpec, Section
from handlers.knowledge.profile import Profile
from handlers.messages import ActionId, Choice, Reply, ReplyKind
from storage.models import ACTIVE_STEP_STATES, Case
from storage.queries import drop_conversation, record_audit

STEP_KEY = "_step"  # the step's id when a button or the command named it
MAX_SNOOZE = dt.timedelta(days=366)
Act = Callable[[TurnContext, Case, Mapping[str, Any]], list[Reply]]


class OfficerForm(StrEnum):
    """Ids of the short forms (a step form without a step field is used when the step is known)."""

    SNOOZE = "case_snooze"
    SNOOZE_STEP = "case_snooze_step"
    NOT_POSSIBLE = "case_not_possible"
    NOT_POSSIBLE_STEP = "case_not_possible_step"
    CLOSE = "case_close"
    CLOSE_EARLY = "case_close_early"  # enquiry steps not done: it also asks why, and that is the confirmation
    NOTE = "case_note"
    ASSIGN = "case_assign"
    REOPEN = "case_reopen"


# Buttons that may open a short form: a channel that can show forms sets wants_form when one is pressed.
FORM_ACTIONS = frozenset(
    {
        ActionId.STEP_SNOOZE,
        ActionId.STEP_NOT_POSSIBLE,
        ActionId.CASE_NOTE,
        ActionId.CASE_ASSIGN,
        ActionId.CASE_CLOSE,
        ActionId.CASE_REOPEN,
        ActionId.REPORTER_ADD,  # the reporter's "Add to this concern" (handlers/casework/reporter_forms.py)
        ActionId.REPORTER_DETAILS,  # the reporter's "Add more detail" (handlers/casework/reporter_details.py)
        ActionId.ASK_REPORTER,  # the officer's "Ask the reporter"
    }
)
_WITH_STEP = {OfficerForm.SNOOZE: OfficerForm.SNOOZE_STEP, OfficerForm.NOT_POSSIBLE: OfficerForm.NOT_POSSIBLE_STEP}


class NeedsForm(Exception):
    """A command lacks details: the short form for `form` asks for them."""

    def __init__(
        self,
        form: OfficerForm,
        case: Case,
        step: str | None = None,
        *,
        prefill: Mapping[str, Any] | None = None,
        about: str = "",
    ) -> None:
        super().__init__(form.value)
        self.form, self.case, self.step = form, case, step
        self.prefill, self.about = dict(prefill or {}), about  # answers already given; what to say first


def _later(value: Any, ctx: FormContext) -> str | None:
    day = dt.date.fromisoformat(value)
    if day <= ctx.today:
        return "The new date must be after today."
    if day > ctx.today + MAX_SNOOZE:
        return "Snooze a step for a year at most."
    return None


def _officer(value: Any, ctx: FormContext) -> str | None:
    if ctx.identity is None or str(value).strip().lower() == "me":
        return None
    key = actions.assignee_key(str(value), ctx.identity)
    if key == ctx.identity.key or actions.staff_in_profile(key, ctx.profile):
        return None
    return f"{key.rsplit(':', 1)[-1]} isn't a CME officer or manager in the profile."


def _reason(label: str, help_text: str, *, required: bool = True) -> Field:
    return Field("reason", Kind.TEXT, label, help=help_text, required=required)


def _step_field(profile: Profile) -> Field:
    choices = tuple(Choice(step.id, step.title) for step in profile.enquiry_plan)
    return Field("step", Kind.CHOICE, "Which enquiry step?", choices=choices)


def _spec(form: OfficerForm, title: str, intro: str, fields: tuple[Field, ...], review: bool = False) -> FormSpec:
    return FormSpec(form.value, title, intro, (Section("details", title, fields),), review=review)


UNTIL = Field("until", Kind.DATE, "Snooze until when?", help="After today, within a year.", checks=(_later,))
WHY_SNOOZE = _reason("Why snooze it?", "For example: waiting for the housing team. Kept in the case's audit trail.")
WHY_NOT = _reason("Why was it not possible?", "For example: no forwarding address. Kept in the case's audit trail.")
WHY_REOPEN = _reason("Why reopen it?", "For example: the family is back. Kept in the case's audit trail.")
WHY_CLOSE = _reason("Reason or details (optional)", "Kept in the case's audit trail only.", required=False)
WHY_EARLY = Field(
    "early",
    Kind.TEXT,
    "Why close it before these enquiry steps are done?",
    help="For example: confirmed on roll at the new school by phone. Kept on the case and in its audit trail.",
)
PROVISION = Field(
    "provision",
    Kind.TEXT,
    "Which school or provision is the child at?",
    help="For example: Elm Street Primary, Bolton, from 1 December. Kept on the case, never told to the reporter.",
    when=lambda a: a.get("outcome") in actions.FOUND,
)
NOTE = Field("text", Kind.LONG_TEXT, "The note")
OFFICER = Field("officer", Kind.TEXT, "Assign to whom?", help="Type 'me', or their id.", checks=(_officer,))
CLOSE_INTRO = "The reporter is told the outcome's standard sentence only; the reason stays in the case."


def build_specs(profile: Profile) -> dict[OfficerForm, FormSpec]:
    """Every short form for this profile (its enquiry steps and closing outcomes are the choices)."""
    outcome = Field(
        "outcome", Kind.CHOICE, "Outcome", choices=tuple(Choice(k, outcome_words(k)) for k in profile.closure_messages)
    )
    step = _step_field(profile)
    specs = (
        _spec(OfficerForm.SNOOZE, "Snooze a step", "Move its due date.", (step, UNTIL, WHY_SNOOZE)),
        _spec(OfficerForm.SNOOZE_STEP, "Snooze a step", "Move its due date.", (UNTIL, WHY_SNOOZE)),
        _spec(OfficerForm.NOT_POSSIBLE, "Enquiry not possible", "Record a step as not possible.", (step, WHY_NOT)),
        _spec(OfficerForm.NOT_POSSIBLE_STEP, "Enquiry not possible", "Record it as not possible.", (WHY_NOT,)),
        _spec(OfficerForm.CLOSE, "Close the case", CLOSE_INTRO, (outcome, PROVISION, WHY_CLOSE), review=True),
        _spec(OfficerForm.CLOSE_EARLY, "Close the case", CLOSE_INTRO, (outcome, PROVISION, WHY_EARLY), review=True),
        _spec(OfficerForm.NOTE, "Add a note", "Add a note to the case.", (NOTE,)),
        _spec(
            OfficerForm.ASSIGN, "Assign the case", "Give the case to an officer or manager; they are told.", (OFFICER,)
        ),
        _spec(OfficerForm.REOPEN, "Reopen the case", "Its stopped enquiries are due afresh.", (WHY_REOPEN,)),
    )
    return {OfficerForm(spec.id): spec for spec in specs}


def _step(answers: Mapping[str, Any]) -> str:
    return str(answers.get(STEP_KEY) or answers["step"])


ACTS: dict[OfficerForm, Act] = {
    OfficerForm.SNOOZE: lambda turn, case, a: actions.snooze_step(
        turn, case=case, step=_step(a), until=dt.date.fromisoformat(a["until"]), reason=a["reason"]
    ),
    OfficerForm.NOT_POSSIBLE: lambda turn, case, a: actions.record_step(
        turn, case=case, step=_step(a), possible=False, note=a["reason"]
    ),
    OfficerForm.CLOSE: lambda turn, case, a: actions.close_case(
        turn,
        case=case,
        outcome=a["outcome"],
        reason=a.get("reason"),
        provision=a.get("provision"),
        unfinished=a.get("early"),
    ),
    OfficerForm.NOTE: lambda turn, case, a: actions.add_note(turn, case=case, text=a["text"]),
    OfficerForm.ASSIGN: lambda turn, case, a: actions.assign_case(turn, case=case, to=a["officer"]),
    OfficerForm.REOPEN: lambda turn, case, a: actions.reopen_case(turn, case=case, reason=a["reason"]),
}
ACTS[OfficerForm.CLOSE_EARLY] = ACTS[OfficerForm.CLOSE]
ACTS[OfficerForm.SNOOZE_STEP] = ACTS[OfficerForm.SNOOZE]
ACTS[OfficerForm.NOT_POSSIBLE_STEP] = ACTS[OfficerForm.NOT_POSSIBLE]


def submitter(form: OfficerForm) -> flows.Finish:
    """The on_submit of a short form: staff only (checked again now), then the action's own function."""
    act = ACTS[form]

    def on_submit(turn: TurnContext, state: dict[str, Any]) -> list[Reply]:
        if not is_staff(turn.role):
            return _refused(turn, form, drop=not state.get("replay"))
        if state.get("replay"):  # the card or modal came again after it was sent: nothing more to do
            return [Reply("That form has been sent already, or it was cancelled. Open the case to carry on.")]
        answers = state["answers"]
        try:  # checked again now: the case may have been restricted or merged since the form opened
            reference = str(answers.get(CASE_KEY, ""))
            case = case_for(turn, reference, form.value, missing="That case can't be found any more.")
            return act(turn, case, answers)
        except (Usage, enquiries.StepError, Invalid) as exc:
            drop_conversation(turn.session, turn.user_key)
            return [Reply(f"{exc} Nothing was changed.", kind=ReplyKind.ERROR)]

    return on_submit


def _refused(turn: TurnContext, form: OfficerForm, *, drop: bool) -> list[Reply]:
    if drop:
        drop_conversation(turn.session, turn.user_key)
    # Recorded without the answers: they may name a case the sender can't see.
    detail = {"form": form.value, "role": turn.role.value}
    record_audit(turn.session, actor=turn.user_key, action="permission.refused", at=turn.now, detail=detail)
    return [Reply("That form is for the CME officer and their manager only.", kind=ReplyKind.ERROR)]


def register(router: Any) -> None:
    """Add every short form to the router's flows."""
    for form, spec in build_specs(router.core.profile).items():
        router.flow(Flow(spec, submitter(form)))


def start(turn: TurnContext, registry: Mapping[str, Flow], need: NeedsForm) -> list[Reply]:
    """Start the short form `need` names: as a whole form where the channel shows forms, else in the chat."""
    case, form, prefill = need.case, need.form, {**need.prefill, CASE_KEY: need.case.reference}
    if form in _WITH_STEP and case.state == "closed":
        raise Usage(f"{case.reference} is closed. Reopen it first with /cme reopen {case.reference} REASON.")
    about = need.about
    if need.step is not None:
        step = enquiries.find_step(turn.session, case, need.step)
        if step.state not in ACTIVE_STEP_STATES:
            raise enquiries.StepError(f"The step '{step.step_id}' is already {step.state.replace('_', ' ')}.")
        form, prefill[STEP_KEY] = _WITH_STEP.get(form, form), step.step_id
        about = f"Step: {step.title}."
    busy = _other_draft(turn, registry)
    if busy is not None:
        return [busy]
    flow = registry[form.value]
    title = f"{flow.spec.title}: {case.reference}"
    if turn.inbound.wants_form:
        return [Reply(about or flow.spec.intro, title=title), *whole_form.open_form(turn, flow, prefill)]
    first, *rest = flows.begin(turn, flow, prefill)
    text = f"{about}\n\n{first.text}" if about else first.text
    return [dataclasses.replace(first, title=title, text=text), *rest]


def _other_draft(turn: TurnContext, registry: Mapping[str, Flow]) -> Reply | None:
    """When the sender has a form in progress, ask what to do with it before a short form takes its place."""
    draft = flows.peek(turn, dict(registry))
    if draft is None:
        return None
    pressed = turn.inbound.action.value if turn.inbound.action is not None else turn.inbound.text or ""
    wanted = " ".join(pressed.split())
    if not wanted.lower().startswith("/cme "):
        wanted = f"/cme {wanted}"
    return flows.conflict(turn, *draft, wanted)
