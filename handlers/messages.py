"""The neutral vocabulary between channel adapters and the core: Inbound in, Reply out.

Adapters (terminal, Slack, Teams) turn a platform payload into an `Inbound` and render each
`Reply`; nothing here knows about any platform.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

PERSONAL = "personal"  # Address.extra's conversation_type for a one-to-one chat (a DM, the terminal)


class Channel(StrEnum):
    """Where a message came from or goes to."""

    TERMINAL = "terminal"
    SLACK = "slack"
    TEAMS = "teams"


class Role(StrEnum):
    """What a person may do; resolved by handlers from the profile, never by adapters."""

    REPORTER = "reporter"
    OFFICER = "officer"
    MANAGER = "manager"


class ReplyKind(StrEnum):
    """What a reply is for; renderers style each kind."""

    INFO = "info"
    QUESTION = "question"
    ERROR = "error"
    SIGNPOST = "signpost"  # safeguarding contacts: rendered prominently, never collapsed
    CONFIRMATION = "confirmation"
    REVIEW = "review"
    HELP = "help"
    ANSWER = "answer"
    ALERT = "alert"
    FORM = "form"  # show Reply.form: a section of a form as a modal page or a card


class ActionId(StrEnum):
    """Ids of buttons and actions, shared by every channel (no strings scattered around)."""

    SAY = "say"  # a quick reply: the button's value is sent as if typed
    OPEN_CASE = "open_case"  # the value is "/cme case REF" (pressing it = typing it)
    OPEN_FORM = "open_form"  # the value is a /cme command that may show a form: a modal or card where the channel can
    # Officer case actions: each value is the /cme command the press stands for.
    STEP_DONE = "step_done"
    STEP_NOT_POSSIBLE = "step_not_possible"
    STEP_SNOOZE = "step_snooze"
    CASE_NOTE = "case_note"
    CASE_ASSIGN = "case_assign"
    CASE_CLOSE = "case_close"
    CASE_REOPEN = "case_reopen"
    SAME_CHILD = "same_child"  # a possible match is the same child: "/cme same REF OTHERREF"
    DIFFERENT_CHILD = "different_child"  # a possible match is a different child: "/cme different REF OTHERREF"
    # The reporter's side of a case: each value is the command the press stands for; without text it opens a form.
    REPORTER_ADD = "reporter_add"  # "Add to this concern" / "Answer": "/cme add REF"
    REPORTER_DETAILS = "reporter_details"  # "Add more detail": "/cme details REF" (the detail questions, as a form)
    ASK_REPORTER = "ask_reporter"  # an officer's "Ask the reporter": "/cme follow-up REF"
    SPLIT_CASE = "split_case"  # undo a wrong merge: "/cme split REF"
    CASES_MORE = "cases_more"  # the caseload's next page: "/cme cases [FILTERS] page N"


@dataclass(frozen=True)
class Identity:
    """Who is talking: the channel's own ids plus what the channel tells about them."""

    channel: Channel
    user_id: str
    tenant: str = "local"  # Slack team id, Teams tenant id, "local" for the terminal
    display_name: str | None = None
    email: str | None = None
    phone: str | None = None

    @property
    def key(self) -> str:
        """A stable key "channel:tenant:user" used for roles, drafts and ownership."""
        return f"{self.channel.value}:{self.tenant}:{self.user_id}"


@dataclass(frozen=True)
class Address:
    """Where replies or notifications go: a conversation on a channel."""

    channel: Channel
    conversation_id: str
    user_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. a Teams conversation reference

    @property
    def shared(self) -> bool:
        """True in a channel or group chat others read (the channel says so as extra's conversation_type)."""
        return self.extra.get("conversation_type", PERSONAL) != PERSONAL

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form for storage."""
        return {
            "channel": self.channel.value,
            "conversation_id": self.conversation_id,
            "user_id": self.user_id,
            "extra": self.extra,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Address:
        """Inverse of to_dict."""
        return cls(
            channel=Channel(data["channel"]),
            conversation_id=data["conversation_id"],
            user_id=data.get("user_id"),
            extra=dict(data.get("extra") or {}),
        )


@dataclass(frozen=True)
class Action:
    """A button press: which action and the value it carries."""

    action_id: ActionId
    value: str = ""


@dataclass(frozen=True)
class Inbound:
    """One message, command, button press or whole-form submission from a person."""

    identity: Identity
    address: Address
    text: str | None = None
    action: Action | None = None
    form_id: str | None = None  # set with form_values when a whole form (modal, card) is submitted
    form_values: dict[str, Any] | None = None
    event_id: str | None = None  # the platform's id, for de-duplicating retries
    wants_form: bool = False  # the channel can show a whole form (Slack modal, Teams card) for /cme report
    received_at: dt.datetime | None = None
    # The bot's message this one replies to, on its channel (a Slack thread's ts, a Teams quoted message id):
    # a reply to a concern's confirmation or to the officer's question adds to that concern.
    thread_id: str | None = None


@dataclass(frozen=True)
class Button:
    """A choice the person can press; `value` is what pressing it sends."""

    label: str
    value: str
    action_id: ActionId = ActionId.SAY
    style: str | None = None  # "primary" | "danger" | None


@dataclass(frozen=True)
class Choice:
    """One option of a choice question."""

    value: str
    label: str


@dataclass(frozen=True)
class Question:
    """The field being asked, so a channel can offer native inputs (buttons, date pickers)."""

    form_id: str
    field_id: str
    kind: str
    label: str
    help: str | None = None
    required: bool = True
    choices: tuple[Choice, ...] = ()
    position: tuple[int, int] | None = None  # (number, of) within the form
    section: str | None = None


@dataclass(frozen=True)
class QuestionHelp:
    """Help with one question of a form page: its label and what its words mean (or that there is no more to say)."""

    field_id: str
    label: str
    lines: tuple[str, ...]  # each a term explained with its source, or "There is no more to say ..." with its hint


@dataclass(frozen=True)
class FormView:
    """One section of a form to show at once (a Slack modal page, a Teams card), with values and errors.

    `draft_id` goes back with the submission (private_metadata, card data) so that a double submit
    or a platform retry is recognised and creates one case.
    """

    form_id: str
    section_id: str
    draft_id: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    step: tuple[int, int] = (1, 1)  # (page, of pages so far)
    hints: dict[str, str] = field(default_factory=dict)  # words from the answers so far, by field ("about 7 minutes")
    help: tuple[QuestionHelp, ...] = ()  # each question of the page explained (the core's, shown by every channel)


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply (an export, a chart): each channel delivers it privately to the person."""

    filename: str
    content_type: str
    content: bytes = field(repr=False)
    alt_text: str = ""  # what the file shows, for screen readers and where a file can't be shown


@dataclass(frozen=True)
class Reply:
    """One message from the bot. `facts` are label/value pairs shown as a list."""

    text: str
    kind: ReplyKind = ReplyKind.INFO
    title: str | None = None
    facts: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()
    question: Question | None = None
    form: FormView | None = None
    private: bool = True  # only the person addressed sees it
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable extras (JSON output)
    attachment: Attachment | None = None  # a file for the person only (handlers/reports): never posted in a channel

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form (the terminal's --json output and tests)."""
        out: dict[str, Any] = {"kind": self.kind.value, "text": self.text}
        if self.title:
            out["title"] = self.title
        if self.facts:
            out["facts"] = [list(f) for f in self.facts]
        if self.buttons:
            out["buttons"] = [{"label": b.label, "value": b.value, "action": b.action_id.value} for b in self.buttons]
        if self.question:
            q = self.question
            out["question"] = {
                "form": q.form_id,
                "field": q.field_id,
                "kind": q.kind,
                "required": q.required,
                "choices": [c.value for c in q.choices],
            }
        if self.data:
            out["data"] = self.data
        if self.attachment:
            a = self.attachment
            out["attachment"] = {"filename": a.filename, "content_type": a.content_type, "bytes": len(a.content)}
        return out


# A command gets the turn (handlers.core.TurnContext, which sits above this vocabulary) and its arguments.
Command = Callable[[Any, str], list[Reply]]


@dataclass(frozen=True)
class CommandSpec:
    """A `/cme WORD` command: what it does and one line of help."""

    name: str
    run: Command
    help: str
    staff_only: bool = False
    while_in_form: bool = True  # may run while a form is in progress without ending it
