"""The review stage of a conversational form: every answer numbered, change any, and only `submit` sends."""

from __future__ import annotations

from typing import Any

from handlers.forms.asking import question_reply
from handlers.forms.spec import Field, FormSpec, shown
from handlers.messages import Button, Reply, ReplyKind

SUBMIT_WORDS = {"submit"}  # only the word the review asks for: a stray "yes" must not send a referral
# Words people use to mean "send it"; at the review they are told the one word that sends.
NEARLY_SUBMIT = {"send", "send it", "yes", "y", "yep", "ok", "okay", "confirm", "done", "finished", "go"}
MAX_CHANGE_DIGITS = 4  # "change 99999..." is not an answer number (and int() refuses 4,300+ digits)


def take(spec: FormSpec, state: dict[str, Any], word: str) -> tuple[list[Reply], str | None]:
    """What a word typed at the review does: the replies, and "submit" when it sends the form."""
    if word in SUBMIT_WORDS or word == spec.submit_word:
        return [], "submit"
    if word in NEARLY_SUBMIT:
        nearly = f"Type '{spec.submit_word}' to send it (or press Submit). Nothing has been sent yet."
        return [Reply(nearly, kind=ReplyKind.INFO), review_reply(spec, state["answers"])], None
    visible = reviewed(spec, state["answers"])
    number = _answer_number(word.removeprefix("change").strip(), len(visible))
    if number is not None:
        spec_field = visible[number - 1]
        state["stage"], state["field"] = "ask", spec_field.id
        note = f"Changing your answer. It was: {shown(spec_field, state['answers'])}"
        return [question_reply(spec, spec_field, state["answers"], note=note)], None
    problem = (
        f"Type '{spec.submit_word}' to send it, 'change' and a number from 1 to {len(visible)} to change that "
        "answer, or 'cancel'."
    )
    return [Reply(problem, kind=ReplyKind.ERROR), review_reply(spec, state["answers"])], None


def reviewed(spec: FormSpec, answers: dict[str, Any]) -> list[Field]:
    """The answers the review lists, numbered: every question that applies, and a page-only one (an age) if given."""
    return [f for f in spec.visible_fields(answers) if f.chat or answers.get(f.id) is not None]


def _answer_number(target: str, count: int) -> int | None:
    """The review line `target` names (1 to count), or None."""
    if not (target.isascii() and target.isdigit()) or len(target) > MAX_CHANGE_DIGITS:
        return None
    number = int(target)
    return number if 1 <= number <= count else None


def review_reply(spec: FormSpec, answers: dict[str, Any]) -> Reply:
    """Every answer, numbered, with how to change one and how to send."""
    facts = []
    for number, spec_field in enumerate(reviewed(spec, answers), 1):
        label = spec_field.review_label or spec_field.label
        facts.append((f"{number}. {label}", shown(spec_field, answers)))
    text = (
        f"Please check your answers. Type '{spec.submit_word}' to send, a number (for example 'change 3') "
        "to change that answer, or 'cancel'."
    )
    buttons = (Button("Submit", spec.submit_word, style="primary"), Button("Cancel", "cancel", style="danger"))
    return Reply(text, kind=ReplyKind.REVIEW, title=f"Review: {spec.title}", facts=tuple(facts), buttons=buttons)
