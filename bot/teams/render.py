"""Render the core's Replies as Teams activities: plain text, or an Adaptive Card when there is more.

Safeguarding signposts are always a card with an attention-coloured heading so they stand out;
a form page is a card with inputs (bot/teams/cards.py). Buttons come back as card submits that
carry the action id and value (see bot/teams/inbound.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.teams.cards import card, form_card, text_block
from handlers.forms.fields import Kind
from handlers.forms.spec import FormSpec
from handlers.messages import Button, Reply, ReplyKind

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
ACTION_KEY = "cme_action"
VALUE_KEY = "cme_value"
SpecLookup = Callable[[str], FormSpec | None]
_STRONG = (ReplyKind.SIGNPOST, ReplyKind.ALERT, ReplyKind.ERROR)


def to_activities(replies: list[Reply], specs: SpecLookup) -> list[Activity]:
    """One activity per reply, in order."""
    return [to_activity(reply, specs) for reply in replies]


def to_activity(reply: Reply, specs: SpecLookup) -> Activity:
    """A text message, or a card when the reply has a form, facts, buttons or must stand out."""
    spec = specs(reply.form.form_id) if reply.form is not None else None
    if spec is not None:
        kept = reply.data.get("kept")  # what leaving the card means: the answers are kept, for how long
        return card_activity(form_card(spec, reply.form, footer=kept), summary=reply.title or spec.title)
    buttons = _buttons(reply)
    if not (reply.facts or buttons or reply.title or reply.kind in _STRONG):
        return Activity(type=ActivityTypes.message, text=reply.text, text_format="markdown")
    return card_activity(reply_card(reply, buttons), summary=reply.title or reply.text[:80])


def card_activity(content: dict[str, Any], summary: str | None = None) -> Activity:
    """A message activity carrying one Adaptive Card."""
    attachment = Attachment(content_type=CARD_TYPE, content=content)
    return Activity(type=ActivityTypes.message, attachments=[attachment], summary=summary)


MAX_CARD_ACTIONS = 5  # Teams' host config shows at most a handful of actions on one card
ROW = 3


def reply_card(reply: Reply, buttons: tuple[Button, ...] = ()) -> dict[str, Any]:
    """A card for a reply: heading, text, facts and buttons; signposts and alerts in attention colours."""
    strong = reply.kind in _STRONG
    heading = reply.title or ("Contact MASH now" if reply.kind is ReplyKind.SIGNPOST else None)
    body: list[dict[str, Any]] = []
    if heading:
        body.append(text_block(heading, size="Large", weight="Bolder", color="Attention" if strong else "Default"))
    body.extend(block for part in reply.text.split("\n\n") if part.strip() for block in _paragraph(part))
    if reply.facts:
        facts = [{"title": label, "value": value} for label, value in reply.facts]
        body.append({"type": "FactSet", "facts": facts})
    if reply.kind is ReplyKind.SIGNPOST:
        body = [{"type": "Container", "style": "attention", "bleed": True, "items": body}]
    actions = [_submit(button) for button in buttons]
    if len(actions) <= MAX_CARD_ACTIONS:
        return card(body, actions)
    # Teams shows only a few card-level actions; a case plan has three per step, so each row of
    # three becomes its own ActionSet in the body and every button stays visible.
    rows = [actions[i : i + ROW] for i in range(0, len(actions), ROW)]
    return card([*body, *({"type": "ActionSet", "actions": row} for row in rows)])


def _paragraph(text: str) -> list[dict[str, Any]]:
    """A paragraph's lines as TextBlocks, one a line: Teams' markdown would run single line breaks together (a
    digest's cases and their steps would read as one long line)."""
    lines = [line for line in text.split("\n") if line.strip()]
    return [text_block(line, **({"spacing": "None"} if index else {})) for index, line in enumerate(lines)]


def _submit(button: Button) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": button.label[:80],
        "data": {ACTION_KEY: button.action_id.value, VALUE_KEY: button.value},
    }
    if button.style == "primary":
        action["style"] = "positive"
    elif button.style == "danger":
        action["style"] = "destructive"
    return action


def _buttons(reply: Reply) -> tuple[Button, ...]:
    if reply.buttons or reply.question is None:
        return reply.buttons
    question = reply.question
    if question.kind == Kind.YES_NO.value:
        return (Button("Yes", "yes"), Button("No", "no"))
    if question.kind == Kind.CHOICE.value and 0 < len(question.choices) <= 6:
        return tuple(Button(c.label, c.label) for c in question.choices)
    return ()
