"""Whole-form mode: a form shown a section at a time as a Slack modal page or a Teams card.

The same FormSpec, validation and hooks as the conversation; the draft lives in the same table,
so a double submit or a platform retry of the last page finds the case already made.
"""

from __future__ import annotations

import uuid
from typing import Any

from handlers.core import TurnContext
from handlers.forms import conversation
from handlers.forms.dates import PRECISION_KEY
from handlers.forms.flows import KEPT, Flow, finish
from handlers.forms.help import page_help
from handlers.forms.spec import FormSpec, Section, validate_all
from handlers.messages import ActionId, Button, FormView, QuestionHelp, Reply, ReplyKind
from storage.queries import case_by_submission, conversation_of, record_audit, save_conversation


def open_form(turn: TurnContext, flow: Flow, prefill: dict[str, Any] | None = None) -> list[Reply]:
    """Start a whole-form draft and return its first page."""
    state = conversation.new_state(flow.spec, turn.form_context(), prefill)
    state["draft_id"] = uuid.uuid4().hex
    state["stage"] = "form"
    first = _next_section(flow.spec, state, None)
    state["section"] = first.id
    save_conversation(turn.session, user_key=turn.user_key, flow=flow.spec.id, state=state, now=turn.now)
    return [_page(turn, flow.spec, state, first)]


def is_whole(state: dict[str, Any]) -> bool:
    """True for a draft shown as a whole form (a modal or card), which has no question waiting in the chat."""
    return state.get("stage") == "form"


def reopen(turn: TurnContext, flow: Flow, state: dict[str, Any]) -> list[Reply]:
    """Show the draft as a whole form again at the page reached; a chat draft becomes a whole-form one."""
    spec = flow.spec
    section = _reached(spec, state)
    state["stage"], state["section"] = "form", section.id
    state.pop("decision", None)  # a page can't stop half-way: its triage notes say how to stop
    conversation.fill_from_identity(section.fields, state["answers"], turn.form_context())
    save_conversation(turn.session, user_key=turn.user_key, flow=spec.id, state=state, now=turn.now)
    return [_page(turn, spec, state, section)]


def to_chat(turn: TurnContext, flow: Flow, state: dict[str, Any]) -> list[Reply]:
    """Carry on with a whole-form draft one question at a time (asked for in a chat): its first unanswered one."""
    spec = flow.spec
    state.pop("section", None)
    pending = [f for f in spec.visible_fields(state["answers"]) if f.id not in state["answers"] and f.chat]
    state["stage"], state["field"] = ("ask", pending[0].id) if pending else ("review", None)
    state["history"] = [f.id for f in spec.visible_fields(state["answers"]) if f.id in state["answers"]]
    save_conversation(turn.session, user_key=turn.user_key, flow=spec.id, state=state, now=turn.now)
    return conversation.pending(spec, state, "Carrying on here, one question at a time, with your answers so far.")


def _reached(spec: FormSpec, state: dict[str, Any]) -> Section:
    """The page a draft had reached: the one shown last, else the one holding the question waiting."""
    by_id = {s.id: s for s in spec.sections}
    if state.get("section") in by_id:
        return by_id[state["section"]]
    waiting = state.get("field") or (state.get("history") or [None])[-1]
    holding = next((s for s in spec.sections if any(f.id == waiting for f in s.fields)), None)
    return holding or _next_section(spec, state, None) or spec.sections[-1]


def still_open(turn: TurnContext, flow: Flow, state: dict[str, Any]) -> Reply:
    """One line saying a whole form is still open, for how long, with buttons to show it again or discard it."""
    page = _reached(flow.spec, state)
    number, pages = _step(flow.spec, state, page)
    text = (
        f"Your form '{flow.spec.title}' is still open at page {number} of {pages}; nothing has been sent. "
        f"{conversation.kept_for(turn.form_context())} Press 'Open the form' to carry on, or type /cme cancel to "
        "discard it."
    )
    buttons = (
        Button("Open the form", "/cme resume", ActionId.OPEN_FORM, style="primary"),
        Button("Discard it", "/cme cancel", style="danger"),
    )
    return Reply(text, kind=ReplyKind.INFO, buttons=buttons)


def submit_section(turn: TurnContext, flow: Flow, values: dict[str, Any]) -> list[Reply]:
    """Validate one submitted page; answer with errors, the next page (after any signpost), or the confirmation."""
    spec = flow.spec
    draft_id, section_id = str(values.get("_draft", "")), str(values.get("_section", ""))
    state = _state_for(turn, spec, draft_id)
    if state is None:
        if not _sent_by_caller(turn, spec, draft_id):
            return _not_theirs(turn, spec, draft_id)
        return flow.on_submit(turn, {"draft_id": draft_id, "answers": {}, "meta": {}, "replay": True})
    section = next((s for s in spec.sections if s.id == section_id), None)
    if section is None:
        return [Reply("That form page is out of date. Please start again with /cme report.", kind=ReplyKind.ERROR)]
    answers, errors = _validate_section(spec, section, values, state, turn)
    if errors:
        view = FormView(
            spec.id,
            section.id,
            draft_id,
            values=_raw(values),
            errors=errors,
            step=_step(spec, state, section),
            hints=_hints(section, state["answers"]),
            help=help_for(spec, section.id),
        )
        return [Reply("Please correct the answers marked.", kind=ReplyKind.ERROR, form=view)]
    replies = _apply(spec, state, answers, turn)
    state.setdefault("pages", []).append(section.id)
    flow.stepped(turn, state)
    following = _next_section(spec, state, section.id)
    if following is None:
        return [*replies, *finish(turn, flow, state)]
    conversation.fill_from_identity(following.fields, state["answers"], turn.form_context())
    state["section"] = following.id
    save_conversation(turn.session, user_key=turn.user_key, flow=spec.id, state=state, now=turn.now)
    return [*replies, _page(turn, spec, state, following)]


def _state_for(turn: TurnContext, spec: FormSpec, draft_id: str) -> dict[str, Any] | None:
    row = conversation_of(turn.session, turn.user_key)
    if row is None or row.flow != spec.id or row.state.get("draft_id") != draft_id:
        return None  # already submitted (a retry or a double click) or replaced by a newer draft
    return row.state


def _sent_by_caller(turn: TurnContext, spec: FormSpec, draft_id: str) -> bool:
    """True when the draft was the caller's own: their sent (or kept) draft of this form, or their referral's."""
    if not draft_id:
        return False
    for key in (turn.user_key, f"{turn.user_key}{KEPT}{spec.id}"):  # in progress or sent; kept for later
        row = conversation_of(turn.session, key)
        if row is not None and row.state.get("draft_id") == draft_id and spec.id in (row.flow, row.state.get("flow")):
            return True
    case = case_by_submission(turn.session, f"draft:{draft_id}")
    return case is not None and case.reporter_key == turn.user_key


def _not_theirs(turn: TurnContext, spec: FormSpec, draft_id: str) -> list[Reply]:
    """A page naming a draft not the caller's: nothing taken, the attempt audited, nothing about the draft said."""
    detail = {"command": "form submit", "form": spec.id, "role": turn.role.value, "via": turn.inbound.identity.channel,
              "why": "the draft is not the sender's", "draft": draft_id[:64]}  # fmt: skip
    record_audit(turn.session, actor=turn.user_key, action="permission.refused", at=turn.now, detail=detail)
    text = f"That page is not from the '{spec.title}' form you have open, so nothing was sent. /cme resume shows yours."
    return [Reply(text, kind=ReplyKind.ERROR)]


def _validate_section(
    spec: FormSpec, section: Section, values: dict[str, Any], state: dict[str, Any], turn: TurnContext
):
    # Validate against earlier answers so that `when` conditions see the whole draft.
    merged = {**state["answers"], **_raw(values)}
    ids = {f.id for f in section.fields}
    answers, errors = validate_all(_only(spec, section), merged, turn.form_context(), known=state["answers"])
    kept = {k: v for k, v in answers.items() if k.removesuffix(PRECISION_KEY) in ids}  # a date's precision too
    return kept, {k: v for k, v in errors.items() if k in ids}


def _only(spec: FormSpec, section: Section) -> FormSpec:
    return FormSpec(spec.id, spec.title, spec.intro, (section,), spec.after_answer, spec.submit_word)


def _apply(spec: FormSpec, state: dict[str, Any], answers: dict[str, Any], turn: TurnContext) -> list[Reply]:
    replies: list[Reply] = []
    state["answers"].update(answers)
    for field_id in answers:
        if field_id.endswith(PRECISION_KEY):
            continue  # stored beside a date, not an answer of its own
        if spec.after_answer is None:
            break
        note = spec.after_answer(field_id, state["answers"], turn.form_context(), state["meta"])
        if note is not None:
            state["meta"].update(note.meta)
            replies.extend(r for r in note.replies if r.kind is not ReplyKind.QUESTION)
            if note.decision is not None:  # a page can't stop half-way: say so, the person may cancel
                state["meta"].setdefault("decisions", {})[note.decision.id] = "continue"
                replies.append(Reply("If this isn't CME you can stop now with /cme cancel; otherwise carry on."))
    return replies


def _next_section(spec: FormSpec, state: dict[str, Any], after: str | None) -> Section | None:
    ids = [s.id for s in spec.sections]
    start = ids.index(after) + 1 if after else 0
    answers = state["answers"]
    for section in spec.sections[:start]:  # a required question a later answer opened (MASH after harm): its page
        opened = [f for f in section.fields if f.required and f.visible(answers) and f.id not in answers]
        if section.applies(answers) and opened:
            return section
    done = set(state.get("pages", ()))  # pages already sent: after a page shown again, on to the first new one
    for section in spec.sections[start:]:
        if section.shown(answers) and section.id not in done:
            return section
    return None


def _step(spec: FormSpec, state: dict[str, Any], section: Section) -> tuple[int, int]:
    # Pages of this part and those before it: the quick report's four, then (after "Add more detail") all of them.
    parts = list(dict.fromkeys(s.part for s in spec.sections))
    upto = parts.index(section.part)
    shown = [s for s in spec.sections if parts.index(s.part) <= upto and s.shown(state["answers"])]
    number = next((i for i, s in enumerate(shown, 1) if s.id == section.id), len(shown))
    return number, len(shown)


_HELP: dict[tuple[str, str], tuple[FormSpec, tuple[QuestionHelp, ...]]] = {}


def help_for(spec: FormSpec, section_id: str) -> tuple[QuestionHelp, ...]:
    """Help with every question of a page (all of them: a card can't hide the ones that come and go)."""
    # Worked out once a page: a spec is built once (a form whose choices come from the profile, once a router).
    key = (spec.id, section_id)
    cached = _HELP.get(key)
    if cached is None or cached[0] is not spec:
        section = next((s for s in spec.sections if s.id == section_id), None)
        _HELP[key] = cached = (spec, page_help(section.fields) if section is not None else ())
    return cached[1]


def _hints(section: Section, answers: dict[str, Any]) -> dict[str, str]:
    """A page's words that depend on the answers so far (how long adding more detail takes)."""
    return {f.id: f.describe(answers) for f in section.fields if f.describe is not None}


def _page(turn: TurnContext, spec: FormSpec, state: dict[str, Any], section: Section) -> Reply:
    values = {k: _as_typed(v) for k, v in state["answers"].items() if any(f.id == k for f in section.fields)}
    step, hints = _step(spec, state, section), _hints(section, state["answers"])
    help_ = help_for(spec, section.id)
    view = FormView(spec.id, section.id, state["draft_id"], values=values, step=step, hints=hints, help=help_)
    # A card can sit unanswered in a chat: it says what leaving it means ("kept" goes under a Teams card).
    kept = f"If you leave this form, nothing is sent. {conversation.kept_for(turn.form_context())}"
    return Reply(section.title, kind=ReplyKind.FORM, title=spec.title, form=view, data={"kept": kept})


def _as_typed(value: Any) -> Any:
    # A number (an age) goes back into a text box as the text it was read from; yes/no stays a bool.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _raw(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not k.startswith("_")}
