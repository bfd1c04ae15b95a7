"""Asking one question in a conversation: its number, help, options, a hint of what to type, quick-answer buttons.

The same words in every channel: the terminal prints them, Slack and Teams add the buttons.
"""

from __future__ import annotations

from collections.abc import Mapping

from handlers.forms.fields import Kind
from handlers.forms.spec import Answers, Field, FormSpec
from handlers.messages import Button, Choice, Question, Reply, ReplyKind


def question_reply(spec: FormSpec, spec_field: Field, answers: Answers, note: str | None = None) -> Reply:
    """The reply that asks one field, with its number, help and quick answers."""
    section = spec.section_of(spec_field.id)
    number, total = progress(spec, spec_field, answers)
    lines = [spec_field.label]
    if spec_field.help:
        lines.append(spec_field.help)
    if spec_field.describe is not None:
        lines.append(spec_field.describe(answers))
    if spec_field.confirm_prefill and answers.get(spec_field.id):
        lines.append(f"We have: {answers[spec_field.id]}. Type 'yes' if that is right, or type another.")
    words = spec_field.option_words(answers) if spec_field.option_words is not None else {}
    lines.extend(_choice_lines(spec_field, words))
    hint = kind_hint(spec_field)
    if hint:
        lines.append(hint)
    if note:
        lines.insert(0, note)
    buttons = _quick_buttons(spec_field, words)
    if spec_field.confirm_prefill and answers.get(spec_field.id):
        buttons = (Button("Yes, that's right", "yes"), *buttons)
    question = Question(
        form_id=spec.id,
        field_id=spec_field.id,
        kind=spec_field.kind.value,
        label=spec_field.label,
        help=spec_field.help,
        required=spec_field.required,
        choices=spec_field.options,
        position=(number, total),
        section=section.title,
    )
    about = "about " if any(f.when is not None or f.prefill is not None for f in spec.part_fields(section.part)) else ""
    title = f"{section.title} · question {number} of {about}{total}"
    return Reply("\n".join(lines), kind=ReplyKind.QUESTION, title=title, buttons=buttons, question=question)


def _numbered(spec_field: Field) -> bool:
    # A question filled in from the channel (the reporter's name) is not counted: it is rarely asked.
    return spec_field.chat and (spec_field.prefill is None or spec_field.confirm_prefill)


def progress(spec: FormSpec, spec_field: Field, answers: Answers) -> tuple[int, int]:
    """(number, total) for the progress line: the total never changes while the part is answered.

    The total counts every question of the field's part that could be asked (so the number never
    passes it); the number is the question's place among those that apply now.
    """
    part = spec.section_of(spec_field.id).part
    settled = spec.settled_ids(answers)
    counted = [f for f in spec.part_fields(part) if _numbered(f) and f.id not in settled]
    shown = {f.id for f in spec.visible_fields(answers)}
    before = 0
    for candidate in counted:
        if candidate.id == spec_field.id:
            break
        before += candidate.id in shown
    return min(before + 1, len(counted)), len(counted)


def _shown(choice: Choice, words: Mapping[str, str]) -> str:
    """An option's label with any words the answers add ("Add more detail now (about 8 minutes)")."""
    return f"{choice.label} {words[choice.value]}" if choice.value in words else choice.label


def _choice_lines(spec_field: Field, words: Mapping[str, str]) -> list[str]:
    if spec_field.kind not in (Kind.CHOICE, Kind.MULTI_CHOICE):
        return []
    if not spec_field.numbered:
        return ["  " + ", ".join(c.label for c in spec_field.choices)]
    return [f"  {i}. {_shown(c, words)}" for i, c in enumerate(spec_field.choices, 1)]


def kind_hint(spec_field: Field) -> str:
    """What to type at a question of this kind ("Type a date, for example 02/05/2014.")."""
    hints = {
        Kind.DATE: "Type a date, for example 02/05/2014.",
        Kind.AGE: "Type their age in years, for example 9.",
        Kind.MULTI_CHOICE: "Type the numbers that apply, separated by commas"
        + (", or 'none'." if spec_field.none_choice else "."),
        Kind.CHOICE: "Type a number or the option." if spec_field.numbered else "Type one of these.",
        Kind.YES_NO: "Type yes, no or 'not known'." if spec_field.not_known else "",
        Kind.UPN: "13 characters: a letter, then 12 digits.",
        Kind.NAME: "If you don't know it, type 'not known'." if spec_field.required else "",
        Kind.PHONE: "Type a phone number with its area code.",
        Kind.POSTCODE: "Type a postcode, for example BL9 0EJ.",
    }
    hint = hints.get(spec_field.kind, "")
    if not spec_field.required:
        hint = (hint + " " if hint else "") + "Optional: type 'skip' to leave it out."
    return hint


def _quick_buttons(spec_field: Field, words: Mapping[str, str]) -> tuple[Button, ...]:
    # A button's value is the option's label, which the parser reads exactly.
    if spec_field.kind is Kind.YES_NO or (spec_field.kind is Kind.CHOICE and len(spec_field.choices) <= 6):
        return tuple(Button(_shown(c, words), c.label) for c in spec_field.options)
    return ()
