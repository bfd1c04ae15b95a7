"""The Slack payloads this app takes, as pydantic models: a payload of another shape is refused before bolt reads it.

bolt and the listeners read fields without checking them (`body["actions"][0]["action_id"]`,
`body["view"]["callback_id"]`, `event["user"]`): a signed payload with a field missing or of another type
raised inside bolt's dispatch, and bolt answered 500. Each model lists what bolt's matchers and our
listeners read, with the types Slack sends (api.slack.com/reference/interaction-payloads,
/apis/events-api, /interactivity/slash-commands); anything else in a payload is allowed and ignored.
Event types the manifest does not subscribe to are acknowledged and dropped (Slack turns off an app's
events when too many get an error), and interaction types it never asks for are refused.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.edge import shape_problem

# Slack's ids (U0123, T0123, V0123, trigger ids "123.456.abc", timestamps "1548426417.840180") and ours
# (action ids "step_snooze:1"). Never empty, never a character the database can't store.
SlackId = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._:\-]+$")]
Url = Annotated[str, Field(max_length=2048, pattern=r"^https?://[^\s]+$")]
HANDLED_EVENTS = frozenset({"message", "app_home_opened"})  # the manifest's bot_events
NOTICES = frozenset({"app_rate_limited"})  # Slack's own notices: acknowledged, logged


class Shape(BaseModel):
    """Fields named here must have these types; other fields pass unread."""

    model_config = ConfigDict(extra="allow", strict=True)


class User(Shape):
    """The person who pressed or submitted."""

    id: SlackId
    team_id: SlackId | None = None


class Team(Shape):
    """The workspace."""

    id: SlackId


class Channel(Shape):
    """Where a button was pressed."""

    id: SlackId


class Option(Shape):
    """One chosen option of a select, radio buttons or checkboxes."""

    value: str


class Entry(Shape):
    """One input's state in a submitted view."""

    type: str
    value: str | None = None
    selected_date: str | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None


class Block(Shape):
    """A block of a view (only its id and type are read)."""

    type: str
    block_id: str | None = None


class State(Shape):
    """What the person entered: block id -> action id -> entry."""

    values: dict[str, dict[str, Entry]] = {}


class View(Shape):
    """A modal or App Home as Slack sends it back."""

    id: SlackId
    type: str
    callback_id: str = ""
    private_metadata: str = ""
    hash: str | None = None
    state: State | None = None
    blocks: list[Block] = []


class Action(Shape):
    """One pressed button or changed input."""

    action_id: SlackId
    block_id: str | None = None
    type: str | None = None
    value: str | None = None
    action_ts: str | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None
    selected_date: str | None = None


class Interaction(Shape):
    """What every interaction payload carries."""

    user: User
    team: Team | None = None


class BlockActions(Interaction):
    """A button pressed or an input changed, in a message, App Home or a modal."""

    type: Literal["block_actions"]
    actions: list[Action] = Field(min_length=1)
    trigger_id: SlackId
    channel: Channel | None = None
    container: dict[str, Any] | None = None
    view: View | None = None


class ViewSubmission(Interaction):
    """A modal's submit button."""

    type: Literal["view_submission"]
    view: View
    trigger_id: SlackId | None = None


class ViewClosed(Interaction):
    """A modal closed with X or Cancel."""

    type: Literal["view_closed"]
    view: View
    is_cleared: bool | None = None


class Command(Shape):
    """A slash command (form fields, so every value is text)."""

    command: str
    user_id: SlackId
    team_id: SlackId
    channel_id: SlackId
    trigger_id: SlackId
    response_url: Url
    text: str = ""


class Event(Shape):
    """Any event of an Events API callback."""

    type: str


class Message(Event):
    """A message event (the app's DM); a person's message names its sender."""

    type: Literal["message"]
    channel: SlackId
    user: SlackId | None = None
    text: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    channel_type: str | None = None
    thread_ts: str | None = None
    message: dict[str, Any] | None = None
    previous_message: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _sender(self) -> Message:
        if self.subtype is None and self.bot_id is None and self.user is None:
            raise ValueError("a person's message without a user")
        return self


class HomeOpened(Event):
    """Someone opened the app's Home tab."""

    type: Literal["app_home_opened"]
    user: SlackId
    channel: SlackId | None = None
    tab: str | None = None


class Callback(Shape):
    """An Events API delivery."""

    type: Literal["event_callback"]
    team_id: SlackId | None = None
    event_id: SlackId | None = None
    event: Event


class UrlVerification(Shape):
    """Slack checking the request URL when it is saved."""

    type: Literal["url_verification"]
    challenge: str


class SslCheck(Shape):
    """Slack checking the certificate of a slash command's URL."""

    ssl_check: str


class Notice(Shape):
    """A notice from Slack about the app itself (rate limited)."""

    type: str


EVENTS: dict[str, type[Event]] = {"message": Message, "app_home_opened": HomeOpened}
TYPES: dict[str, type[Shape]] = {
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "view_closed": ViewClosed,
    "event_callback": Callback,
    "url_verification": UrlVerification,
    **{notice: Notice for notice in NOTICES},
}


@dataclass(frozen=True)
class Verdict:
    """What to do with a payload: refuse it (`problem`), answer 200 without bolt (`drop`), or pass it to bolt."""

    problem: str | None = None
    drop: str | None = None


def verdict(body: dict[str, Any]) -> Verdict:
    """Check a parsed payload against what the app reads; the problem names fields and types, never values."""
    model = _model_for(body)
    if model is None:
        return Verdict(problem=f"a payload of type {_name(body.get('type'))} is not one this app uses")
    try:
        model.model_validate(body)
        if model is Callback:
            event = body["event"]
            if event["type"] not in HANDLED_EVENTS:
                return Verdict(drop=f"event {_name(event['type'])} is not one the app subscribes to")
            EVENTS[event["type"]].model_validate(event)
    except ValidationError as exc:
        return Verdict(problem=shape_problem(exc, _field_names(), what="the payload", platform="Slack"))
    if model is Notice:
        return Verdict(drop=f"Slack notice {_name(body['type'])}")
    return Verdict()


def _model_for(body: dict[str, Any]) -> type[Shape] | None:
    kind = body.get("type")
    if kind is None and "command" in body:
        return Command
    if kind is None and "ssl_check" in body:
        return SslCheck
    return TYPES.get(kind) if isinstance(kind, str) else None


def _name(value: Any) -> str:
    """A payload's type as Slack names them ('block_actions'), quoted; anything else is not repeated."""
    if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_.]{0,39}", value):
        return repr(value)
    return "(none)" if value is None else f"(a {type(value).__name__})"


@functools.cache
def _field_names() -> frozenset[str]:
    models = {*TYPES.values(), *EVENTS.values(), Command, SslCheck, Event, Action, View, Entry, Block, State, Option}
    names = {name for model in models for name in model.model_fields}
    return frozenset(names | {"function-after[_sender()]", "literal['block_actions']", "union"})
