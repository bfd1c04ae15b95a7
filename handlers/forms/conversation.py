"""The conversational form engine: one question at a time over a JSON state (a ConversationHandler).

States: "ask" (a field), "confirm" (an answer to check first: a two-digit year, clearing a
prefilled answer), "decide" (a hook's question), "review" (every answer, change any),
ending in "submit", "cancel" or "stop". Each step returns the new state and the replies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from handlers.core import FormContext
from handlers.forms import help, review
from handlers.forms.asking import question_reply
from handlers.forms.choices import means_dont_know
from handlers.forms.fields import Confirm, Invalid, Kind, parse_choice
from handlers.forms.spec import Decision, Field, FormSpec, Read, parse_value, read_answer, shown
from handlers.messages import Button, Choice, Reply, ReplyKind

CANCEL_WORDS = {"cancel", "stop", "abandon"}
# Leaving is not cancelling: the answers are kept (for the profile's draft limit) and the person is told so.
LEAVE_WORDS = {"exit", "quit", "leave", "leave it", "later", "pause", "come back later"}
BACK_WORDS = {"back", "go back", "previous", "undo"}
SKIP_WORDS = {"skip", "pass", "skip it", "skip this"}
# For an optional question without options these mean "nothing to give": "Any other names?" "No".
UNKNOWN_WORDS = {"don't know", "dont know", "not known", "unknown", "n/a", "not sure", "no", "none", "nothing", "nil"}
FORM_HELP = (
    "While answering you can type 'back' to go to the previous question, 'skip' to leave out an "
    "optional one, or 'cancel' to stop without sending anything."
)
# At a confirmation ("Did you mean 1 February 2003?") only these settle it; anything else is a fresh answer.
CONFIRM_YES = {"yes", "y", "yeah", "yep", "correct", "ok", "okay", "confirm", "yes please", "save it"}
CONFIRM_NO = {"no", "n", "nope", "nah", "no thanks"}
REVIEW_HELP = " At the end you can check and change every answer before anything is sent."


@dataclass
class Turn:
    """The outcome of one step: the new state, what to say, and whether the form ended."""

    state: dict[str, Any]
    replies: list[Reply] = field(default_factory=list)
    ended: str | None = None  # "submit" | "cancel" | "stop"


def new_state(spec: FormSpec, ctx: FormContext, prefill: dict[str, Any] | None = None) -> dict[str, Any]:
    """A fresh draft, with answers the channel already knows (the referrer's name, email)."""
    answers: dict[str, Any] = dict(prefill or {})
    fill_from_identity(spec.fields, answers, ctx)
    return {"form": spec.id, "stage": "ask", "field": None, "answers": answers, "history": [], "meta": {}}


def fill_from_identity(fields: Iterable[Field], answers: dict[str, Any], ctx: FormContext) -> bool:
    """Answer the fields the channel knows (the referrer's name, email) and nobody has answered yet; True if any.

    Called at the start and again as the form reaches them: a channel may learn who someone is a
    few turns in (Slack looks the person up after the first ack).
    """
    if ctx.identity is None:
        return False
    filled = False
    for spec_field in fields:
        if spec_field.prefill and spec_field.id not in answers:
            value = spec_field.prefill(ctx.identity)
            if not value:
                continue
            try:  # a profile's phone may be "ext 2234": only what the question itself would accept
                answers[spec_field.id] = parse_value(spec_field, str(value), ctx)
            except Invalid:
                continue
            filled = True
    return filled


def start(spec: FormSpec, ctx: FormContext, prefill: dict[str, Any] | None = None) -> Turn:
    """Begin a form: the intro and the first question."""
    state = new_state(spec, ctx, prefill)
    help_text = FORM_HELP + (REVIEW_HELP if spec.review else "")
    turn = Turn(state, [Reply(f"{spec.intro}\n\n{help_text}", kind=ReplyKind.INFO, title=spec.title)])
    return _advance(spec, turn, ctx)


def resume(spec: FormSpec, state: dict[str, Any]) -> list[Reply]:
    """Ask again whatever the draft was waiting for (after a restart or a day away)."""
    return _prompt(spec, state, note="Carrying on where you left off.")


def pending(spec: FormSpec, state: dict[str, Any], note: str) -> list[Reply]:
    """What the draft is waiting for, with `note` saying why it is asked again."""
    if state.get("stage") == "ask":
        return _prompt(spec, state, note=note)
    return [Reply(note, kind=ReplyKind.INFO), *_prompt(spec, state)]


def takes(spec: FormSpec, state: dict[str, Any], text: str, ctx: FormContext) -> bool:
    """True when `text` means something to the draft as it stands: a form word, or an answer its question accepts."""
    word = " ".join(text.lower().split()).strip(" .!")
    known = CANCEL_WORDS | LEAVE_WORDS | BACK_WORDS | SKIP_WORDS | UNKNOWN_WORDS
    if word in known or asks_for_help(spec, state, text):
        return True
    stage = state.get("stage")
    if stage == "review":
        return word in review.SUBMIT_WORDS | review.NEARLY_SUBMIT or word.removeprefix("change").strip().isdigit()
    try:
        if stage == "decide":
            parse_choice(text, Decision.from_state(state["decision"]).choices)
        elif stage == "ask" and not (spec.field(state["field"]).confirm_prefill and word in CONFIRM_YES):
            parse_value(spec.field(state["field"]), text, ctx, state.get("answers"))
    except Confirm:
        return True  # an answer the form asks about before taking it
    except Invalid:
        return False
    return True


def step(spec: FormSpec, state: dict[str, Any], text: str, ctx: FormContext) -> Turn:
    """Take one message from the person and move the form on."""
    word = " ".join(text.lower().split()).strip(" .!")
    helped = asks_for_help(spec, state, text)
    if state["stage"] == "decide" and word not in BACK_WORDS | {"cancel"} and not helped:
        return _decide(spec, state, text, ctx)
    if state["stage"] == "confirm" and word not in BACK_WORDS | CANCEL_WORDS and not helped:
        return _confirmed(spec, state, text, word, ctx)
    if word in CANCEL_WORDS:
        return Turn(state, [Reply("Cancelled. Nothing was sent, and your answers have been deleted.")], "cancel")
    if word in LEAVE_WORDS:
        return Turn(state, [Reply(left_words(ctx), kind=ReplyKind.INFO)])
    if helped:  # the same question again after the help: nothing is stored, no answer is guessed
        return Turn(state, [*help.help_replies(_asked_field(spec, state), text, FORM_HELP), *_prompt(spec, state)])
    if word in BACK_WORDS:
        return _back(spec, state)
    if state["stage"] == "review":
        return _review_input(spec, state, word)
    return _answer(spec, state, text, word, ctx)


def kept_for(ctx: FormContext) -> str:
    """How long an unfinished form's answers are kept: the profile's draft limit, from now."""
    hours = ctx.profile.drafts.idle_limit_hours
    until = (ctx.now + dt.timedelta(hours=hours)).astimezone(ctx.profile.tz)
    return f"Your answers are kept for {hours:g} hours (until {until:%A %-d %B at %H:%M}), then deleted."


def left_words(ctx: FormContext) -> str:
    """What leaving a form in a chat says: nothing sent, the answers kept and for how long, how to carry on."""
    return (
        f"You've left the form; nothing has been sent. {kept_for(ctx)} To carry on, type /cme resume; to delete "
        "them now, type /cme cancel."
    )


def asks_for_help(spec: FormSpec, state: dict[str, Any], text: str) -> bool:
    """True when the text asks about the question ('help', '?', 'what is a CTF?') rather than answering it."""
    return help.asks_about(_asked_field(spec, state), text)


def _asked_field(spec: FormSpec, state: dict[str, Any]) -> Field | None:
    # The question waiting for an answer, also while its answer waits for a yes ("Did you mean ...?").
    waiting = state.get("confirm", {}).get("field") if state.get("stage") == "confirm" else state.get("field")
    return spec.field(waiting) if state.get("stage") in ("ask", "confirm") and waiting else None


def _answer(spec: FormSpec, state: dict[str, Any], text: str, word: str, ctx: FormContext) -> Turn:
    spec_field = spec.field(state["field"])
    answers = state["answers"]
    if spec_field.confirm_prefill and word in CONFIRM_YES and answers.get(spec_field.id) not in (None, ""):
        return _store(spec, state, spec_field, answers[spec_field.id], ctx)  # "yes": the prefilled answer stands
    open_question = spec_field.kind not in (Kind.YES_NO, Kind.CHOICE, Kind.MULTI_CHOICE)
    nothing = (word in UNKNOWN_WORDS or means_dont_know(text)) and open_question and not spec_field.required
    if word in SKIP_WORDS or nothing:
        if spec_field.required:
            note = "This question can't be skipped: it is needed to act on the concern."
            return Turn(state, [question_reply(spec, spec_field, answers, note=note)])
        if nothing and answers.get(spec_field.id) not in (None, "", []):  # "no" must not erase a prefilled answer
            ask = (
                f"This already has an answer: {shown(spec_field, answers)}. Clear it and leave the "
                "question empty? Type 'yes' to clear it, 'no' to keep it, or type a new answer."
            )
            return _ask_to_confirm(state, spec_field, None, ask, clear=True)
        return _store(spec, state, spec_field, None, ctx)
    try:
        read = read_answer(spec_field, text, ctx, answers)
    except Confirm as exc:
        return _ask_to_confirm(state, spec_field, exc.value, str(exc), options=exc.options, extra=exc.extra)
    except Invalid as exc:
        return Turn(state, [_error(str(exc), exc.options), question_reply(spec, spec_field, answers)])
    return _store(spec, state, spec_field, read, ctx)


def _store(spec: FormSpec, state: dict[str, Any], spec_field: Field, answer: Any, ctx: FormContext) -> Turn:
    read = answer if isinstance(answer, Read) else Read(answer)
    state["answers"][spec_field.id] = read.value
    state["answers"].update(read.extra)
    if spec_field.id not in state["history"]:
        state["history"].append(spec_field.id)
    # A date is said back in words, never taken silently: "3 weeks ago" is Monday 16 November 2026.
    turn = Turn(state, [Reply(f"Taken as {read.said}.", kind=ReplyKind.INFO)] if read.said else [])
    if spec.after_answer is not None:
        interjection = spec.after_answer(spec_field.id, state["answers"], ctx, state["meta"])
        if interjection is not None:
            state["meta"].update(interjection.meta)
            turn.replies.extend(interjection.replies)
            if interjection.decision is not None:
                state["stage"], state["decision"] = "decide", interjection.decision.to_state()
                turn.replies.append(_decision_reply(interjection.decision))
                return turn
    return _advance(spec, turn, ctx)


def _ask_to_confirm(
    state: dict[str, Any],
    spec_field: Field,
    value: Any,
    text: str,
    *,
    clear: bool = False,
    options: Iterable[Choice] = (),
    extra: dict[str, Any] | None = None,
) -> Turn:
    """Stage "confirm": the field and the value wait in the draft (JSON) until the person says yes."""
    state["stage"] = "confirm"
    state["confirm"] = {"field": spec_field.id, "value": value, "text": text, "clear": clear}
    if options:
        state["confirm"]["options"] = [[c.label, c.value] for c in options]
    if extra:
        state["confirm"]["extra"] = extra
    return Turn(state, [_confirm_reply(state["confirm"])])


def _confirmed(spec: FormSpec, state: dict[str, Any], text: str, word: str, ctx: FormContext) -> Turn:
    """Yes stores the waiting value; no asks again (or keeps an answer); anything else is a fresh answer."""
    waiting = state.pop("confirm")
    state["stage"], state["field"] = "ask", waiting["field"]
    spec_field = spec.field(waiting["field"])
    if word in CONFIRM_YES:
        return _store(spec, state, spec_field, Read(waiting["value"], waiting.get("extra") or {}), ctx)
    if word in CONFIRM_NO and waiting.get("clear"):
        return _advance(spec, Turn(state, [Reply("Kept your answer.", kind=ReplyKind.INFO)]), ctx)
    if word in CONFIRM_NO:
        note = "Not saved. Please type the answer again."
        return Turn(state, [question_reply(spec, spec_field, state["answers"], note=note)])
    return _answer(spec, state, text, word, ctx)


def _confirm_reply(waiting: dict[str, Any], note: str | None = None) -> Reply:
    text = f"{note}\n{waiting['text']}" if note else waiting["text"]
    # A button sends words the confirmation reads: "yes", or a fresh answer ("Year 2", "not known").
    buttons = tuple(Button(label, sends) for label, sends in waiting.get("options") or [("Yes", "yes"), ("No", "no")])
    return Reply(text, kind=ReplyKind.QUESTION, buttons=buttons)


def _advance(spec: FormSpec, turn: Turn, ctx: FormContext) -> Turn:
    state = turn.state
    answers = state["answers"]
    visible = spec.visible_fields(answers)
    if fill_from_identity([f for f in visible if f.id not in answers], answers, ctx):
        visible = spec.visible_fields(answers)  # a filled-in answer may open or close other questions
    asked = [f for f in visible if f.chat]  # an age is taken at the date of birth question, not asked again
    pending = [f for f in asked if f.id not in answers or (f.confirm_prefill and f.id not in state["history"])]
    if pending:  # after a change that opened new questions, these come before the review again
        state["stage"], state["field"] = "ask", pending[0].id
        turn.replies.append(question_reply(spec, pending[0], answers))
        return turn
    if spec.sends_now(answers):
        return Turn(state, turn.replies, "submit")
    state["stage"], state["field"] = "review", None
    turn.replies.append(review.review_reply(spec, answers))
    return turn


def _back(spec: FormSpec, state: dict[str, Any]) -> Turn:
    history = state["history"]
    current = state.get("field")
    if state["stage"] == "decide":
        target = history[-1] if history else None
    else:
        earlier = history[: history.index(current)] if current in history else history
        target = earlier[-1] if earlier else None
    if target is None:
        return Turn(state, [Reply("This is the first question; there is nothing before it."), *_prompt(spec, state)])
    state["stage"], state["field"] = "ask", target
    state.pop("decision", None)
    spec_field = spec.field(target)
    note = f"Going back. Your answer was: {shown(spec_field, state['answers'])}"
    return Turn(state, [question_reply(spec, spec_field, state["answers"], note=note)])


def _decide(spec: FormSpec, state: dict[str, Any], text: str, ctx: FormContext) -> Turn:
    decision = Decision.from_state(state["decision"])
    try:
        value = parse_choice(text, decision.choices)
    except Invalid as exc:
        return Turn(state, [_error(str(exc)), _decision_reply(decision)])
    state["meta"].setdefault("decisions", {})[decision.id] = value
    state.pop("decision", None)
    if decision.stop_on is not None and value == decision.stop_on:
        return Turn(state, [Reply(decision.stop_text, kind=ReplyKind.INFO)], "stop")
    return _advance(spec, Turn(state), ctx)


def _review_input(spec: FormSpec, state: dict[str, Any], word: str) -> Turn:
    replies, ended = review.take(spec, state, word)
    return Turn(state, replies, ended)


def _prompt(spec: FormSpec, state: dict[str, Any], note: str | None = None) -> list[Reply]:
    stage = state["stage"]
    if stage == "confirm":
        return [_confirm_reply(state["confirm"], note)]
    if stage == "decide":
        return [_decision_reply(Decision.from_state(state["decision"]))]
    if stage == "review":
        return [review.review_reply(spec, state["answers"])]
    return [question_reply(spec, spec.field(state["field"]), state["answers"], note=note)]


def _decision_reply(decision: Decision) -> Reply:
    lines = [decision.text, *[f"  {i}. {c.label}" for i, c in enumerate(decision.choices, 1)]]
    buttons = tuple(Button(c.label, c.label) for c in decision.choices)
    return Reply("\n".join(lines), kind=ReplyKind.QUESTION, buttons=buttons)


def _error(message: str, options: Iterable[Choice] = ()) -> Reply:
    # "Did you mean ...?": each candidate as a button whose value, the label, parses exactly.
    return Reply(message, kind=ReplyKind.ERROR, buttons=tuple(Button(c.label, c.label) for c in options))
