"""The two one-question forms between a reporter and the officer: "Add to this concern" and "Ask the reporter".

A press of the button (or the command typed without its text) opens the form: a Slack modal or a Teams
card where the channel shows forms, else the question in the chat. The case's reference rides in the
draft under a key no field has, so the form never asks for it; submitting calls the same function as the
typed command (handlers/casework/reporter_notes.py, handlers/casework/follow_ups.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from handlers.core import TurnContext
from handlers.forms import flows, whole_form
from handlers.forms.fields import MAX_LONG_TEXT, Kind
from handlers.forms.flows import Flow
from handlers.forms.spec import CASE_KEY, Field, FormSpec, Section
from handlers.messages import Reply

MAX_QUESTION = 1000  # a question to a reporter is a line or two; the reporter's own words may be longer

ADD_TEXT = Field(
    "text",
    Kind.LONG_TEXT,
    "What would you like to add?",
    help="Anything the CME officer should know: when the child was last seen, who you spoke to, what changed. "
    f"Up to {MAX_LONG_TEXT:,} characters.",
)
ADD = FormSpec(
    "reporter_add",
    "Add to your concern",
    "What you write is added to the case for the CME officer, who is told at once.",
    (Section("add", "Add to your concern", (ADD_TEXT,)),),
    review=False,
)
QUESTION = Field(
    "question",
    Kind.LONG_TEXT,
    "Your question to the reporter",
    help="Sent to them privately, as you write it. Ask what you need; don't add what they didn't tell you "
    f"(another agency's information, a new address). Up to {MAX_QUESTION:,} characters.",
    checks=(lambda value, ctx: None if len(value) <= MAX_QUESTION else f"Please keep it under {MAX_QUESTION:,}.",),
)
ASK = FormSpec(
    "reporter_ask",
    "Ask the reporter",
    "The reporter gets your question in their own chat with the bot; their answer is added to the case.",
    (Section("ask", "Ask the reporter", (QUESTION,)),),
    review=False,
)


def start_form(turn: TurnContext, registry: Mapping[str, Flow], spec: FormSpec, reference: str) -> list[Reply]:
    """Open `spec` about the case `reference`: whole where the channel shows forms, else its question in the chat."""
    draft = flows.peek(turn, dict(registry))
    if draft is not None and draft[0].spec.id != spec.id:  # never replace another form without asking
        return [flows.conflict(turn, *draft, f"/cme {'add' if spec is ADD else 'follow-up'} {reference}")]
    flow, prefill, title = registry[spec.id], {CASE_KEY: reference}, f"{spec.title}: {reference}"
    if turn.inbound.wants_form:
        return [Reply(spec.intro, title=title), *whole_form.open_form(turn, flow, prefill)]
    first, *rest = flows.begin(turn, flow, prefill)
    return [dataclasses.replace(first, title=title), *rest]
