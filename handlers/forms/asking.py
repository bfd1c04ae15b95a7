"""Asking one question in a conversation: its number, help, options, a hint of what to type, quick-answer buttons.

The same words in every channel: the terminal prints them, Slack and Teams add the buttons.
"""

from __future__ import annotations

from handlers.forms.fields import Kind
from handlers.forms.spec import Answers, Field, FormSpec
from handlers.messages import Button, Question, Reply, ReplyKind


def question_reply(spec: FormSpec, spec_field: Field, answers: Answers, note: str | None = None) -> Reply:
    """The reply that asks one field, with its number, help and quick answers."""
    visible = spec.visible_fields(answers)
    number = next((i for i, f in enumerate(visible, 1) if f.id == spec_field.id), len(visible))
    section = spec.section_of(spec_field.id)
    lines = [spec_field.label]
    if spec_field.help:
        lines.append(spec_field.help)
    lines.extend(_choice_lines(spec_field))
    hint = kind_hint(spec_field)
    if hint:
        lines.append(hint)
    if note:
        lines.insert(0, note)
    buttons = _quick_buttons(spec_field)
    question = Question(
        form_id=spec.id,
        field_id=spec_field.id,
        kind=spec_field.kind.value,
        label=spec_field.label,
        help=spec_field.help,
        required=spec_field.required,
        choices=spec_field.options,
        position=(number, len(visible)),
        section=section.title,
    )
    title = f"{section.title} · question {number} of {len(visible)}"
    return Reply("\n".join(lines), kind=ReplyKind.QUESTION, title=title, buttons=buttons, question=question)


def _choice_lines(spec_field: Field) -> list[str]:
    if spec_field.kind not in (Kind.CHOICE, Kind.MULTI_CHOICE):
        return []
    if not spec_field.numbered:
        return ["  " + ", ".join(c.label for c in spec_field.choices)]
    return [f"  {i}. {c.label}" for i, c in enumerate(spec_field.choices, 1)]


def kind_hint(spec_field: Field) -> str:
    """What to type at a question of this kind ("Type a date, for example 02/05/2014.")."""
    hints = {
        Kind.DATE: "Type a date, for example 02/05/2014.",
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


def _quick_buttons(spec_field: Field) -> tuple[Button, ...]:
    # A button's value is the option's label, which the parser reads exactly.
    if spec_field.kind is Kind.YES_NO or (spec_field.kind is Kind.CHOICE and len(spec_field.choices) <= 6):
        return tuple(Button(c.label, c.label) for c in spec_field.options)
    return ()
