"""Adaptive Cards (schema 1.5, what Teams renders) for one section of a FormSpec.

The card is drawn from the same FormSpec as the Slack modal and the conversation: one input per
field, client-side `isRequired`/`errorMessage` where Teams supports it, and the server's error
messages shown under the fields they belong to. The submit action carries the draft and section
so the core can recognise a double submit.
"""

from __future__ import annotations

from typing import Any

from handlers.forms.fields import Kind
from handlers.forms.spec import Field, FormSpec, Section
from handlers.messages import FormView, QuestionHelp
from handlers.referral.form import REFERRAL

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
FORM_KEY = "cme_form"  # marks a card submit as a whole-form page (value of Action.Submit data)
MAX_TEXT = 200
MAX_LONG_TEXT = 3000
REQUIRED_MESSAGE = "Please answer this question."
SUBMIT_LABELS = {REFERRAL.id: "Send to the CME officer"}  # other forms (an officer's short forms) say "Save"
HELP_TITLE = "Help with these questions"
HELP_INTRO = "What the words in these questions mean, and where that comes from. Your answers stay as they are."


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An Adaptive Card 1.5 with `body` and `actions`."""
    out: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        out["actions"] = actions
    out["msteams"] = {"width": "Full"}
    return out


def text_block(text: str, **style: Any) -> dict[str, Any]:
    """A wrapping TextBlock."""
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def form_card(spec: FormSpec, view: FormView, intro: str | None = None, footer: str | None = None) -> dict[str, Any]:
    """The card for one section of `spec`, with the view's values and errors."""
    section = next(s for s in spec.sections if s.id == view.section_id)
    page, pages = view.step
    body: list[dict[str, Any]] = [
        text_block(spec.title, size="Large", weight="Bolder"),
        text_block(f"{section.title} (page {page} of {pages})", weight="Bolder", spacing="Small"),
    ]
    if intro:
        body.append(text_block(intro, isSubtle=True))
    if view.errors:
        body.append(text_block("Please correct the answers marked below.", color="Attention", weight="Bolder"))
    for spec_field in section.fields:
        body.extend(_field_blocks(spec_field, view))
        if spec_field.id in view.hints:  # words from the answers so far ("about 7 minutes")
            body.append(text_block(view.hints[spec_field.id], isSubtle=True, size="Small", spacing="None"))
    if footer:
        body.append(text_block(footer, isSubtle=True, size="Small", spacing="Medium"))
    data = {FORM_KEY: spec.id, "_draft": view.draft_id, "_section": view.section_id}
    label = section.submit or (SUBMIT_LABELS.get(spec.id, "Save") if _is_last(spec, section, view) else "Next")
    actions = [{"type": "Action.Submit", "title": label, "style": "positive", "data": data}]
    if view.help:
        actions.append(help_action(view.help))
    return card(body, actions)


def help_action(questions: tuple[QuestionHelp, ...]) -> dict[str, Any]:
    """The page's help in the card itself (Action.ShowCard, no round trip): it opens under the card, sends nothing."""
    body = [text_block(HELP_INTRO, isSubtle=True, size="Small")]
    for question in questions:
        body.append(text_block(question.label, weight="Bolder", spacing="Medium"))
        body.extend(text_block(line, size="Small", spacing="Small") for line in question.lines)
    return {"type": "Action.ShowCard", "title": HELP_TITLE, "card": {"type": "AdaptiveCard", "body": body}}


def _is_last(spec: FormSpec, section: Section, view: FormView) -> bool:
    # The last page of its part (the core counts the pages that apply): "Send" there, not "Next".
    return spec.sections[-1].id == section.id or view.step[0] == view.step[1]


def _field_blocks(spec_field: Field, view: FormView) -> list[dict[str, Any]]:
    element = _input(spec_field, view.values.get(spec_field.id))
    # A field shown only for some answers can't be required on the card: Teams can't hide it,
    # so the server decides (and says so next to the field) once it sees the other answers.
    required = spec_field.required and spec_field.when is None
    label = spec_field.label if spec_field.when is None else f"{spec_field.label} (if it applies)"
    element["label"] = label
    element["isRequired"] = required
    if required:
        element["errorMessage"] = REQUIRED_MESSAGE
    blocks = [element]
    if spec_field.help:
        blocks.append(text_block(spec_field.help, isSubtle=True, size="Small", spacing="None"))
    error = view.errors.get(spec_field.id)
    if error:
        blocks.append(text_block(error, color="Attention", size="Small", spacing="None"))
    return blocks


def _input(spec_field: Field, value: Any) -> dict[str, Any]:
    kind = spec_field.kind
    if kind in (Kind.CHOICE, Kind.YES_NO, Kind.MULTI_CHOICE):
        return _choice_set(spec_field, value)
    element: dict[str, Any] = {"type": "Input.Text", "id": spec_field.id}
    if kind is Kind.DATE:
        element["type"] = "Input.Date"
    elif kind is Kind.LONG_TEXT:
        element.update(isMultiline=True, maxLength=MAX_LONG_TEXT)
    else:
        element["maxLength"] = MAX_TEXT
        style = {Kind.PHONE: "Tel", Kind.EMAIL: "Email"}.get(kind)
        if style:
            element["style"] = style
    if value not in (None, ""):
        element["value"] = str(value)
    return element


def _choice_set(spec_field: Field, value: Any) -> dict[str, Any]:
    choices = [{"title": c.label, "value": c.value} for c in spec_field.options]  # yes/no: Yes, No (Not known)
    if spec_field.kind is Kind.YES_NO and isinstance(value, bool):
        value = "yes" if value else "no"
    element: dict[str, Any] = {"type": "Input.ChoiceSet", "id": spec_field.id, "choices": choices}
    if spec_field.kind is Kind.MULTI_CHOICE:
        element.update(isMultiSelect=True, style="expanded")
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
    else:
        element["style"] = "expanded" if len(choices) <= 3 else "compact"
    if value not in (None, "", []):
        element["value"] = str(value)
    return element
