"""Helpers that talk to the bot as a person would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from handlers.messages import Address, Channel, Identity, Inbound, Reply, ReplyKind

# A complete referral without harm: field id -> what the person types.
CALM_REFERRAL = {
    "child_forenames": "Zephyrine",
    "child_surname": "Quillfeather",
    "child_dob": "02/05/2014",
    "missing_from_home": "no",
    "on_roll": "no",
    "home_educated": "no",
    "awaiting_place": "no",
    "other_provision": "no",
    "immediate_danger": "no",
    "concern": "Not seen since half term; the family's phone is dead.",
    "harm_indicators": "none",
    "parent_names": "Orla Quillfeather",
    "parent_phone": "0161 496 0000",
    "reason": "1",
    "destination_known": "no",
    "referrer_name": "Alice Teacher",
    "referrer_role": "Class teacher",
    "referrer_agency": "Elm Street Primary",
}


# The essentials only (the quick report), as a practitioner types them, then "Send now".
QUICK_REFERRAL = {
    "immediate_danger": "no",
    "child_forenames": "Zephyrine",
    "child_surname": "Quillfeather",
    "child_dob": "02/05/2014",
    "school_name": "Elm Street Primary",
    "on_roll": "no",
    "home_educated": "no",
    "date_last_attended": "02/11/2026",
    "concern": "Not seen since half term; the family's phone is dead.",
    "referrer_contact": "0161 496 0123",
    "next_step": "Send now",
}
# What fill() answers when the test's answers don't say: the full form ("Add more detail"), and a contact
# ("yes" instead when the channel filled one in, to confirm it).
ANSWERED_BY_DEFAULT = {
    "immediate_danger": "no",
    "next_step": "Add more detail now",
    "referrer_contact": "0161 496 0123",
    "concern": "Not seen since half term.",
}

# The first page about the child of the referral as a whole form (modal, card): who, their school, the situation.
CHILD_PAGE = {
    "child_forenames": "Zephyrine",
    "child_surname": "Quillfeather",
    "child_dob": "2014-05-02",
    "on_roll": "no",
    "home_educated": "no",
}
# The detail page about the child (after "Add more detail").
CHILD_MORE_PAGE = {"missing_from_home": "no", "awaiting_place": "no", "other_provision": "no"}


class Clock:
    """A clock the test moves by hand: forwards only, since the app's scheduler reads it from its own threads."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@dataclass
class Person:
    """Someone chatting with the bot through a router."""

    router: object
    user: str = "alice"
    name: str | None = "Alice Teacher"
    channel: Channel = Channel.TERMINAL
    email: str | None = None  # what the channel says about them, as Slack's and Teams' profiles do
    phone: str | None = None
    sent: list[str] = field(default_factory=list)
    heard: list[Reply] = field(default_factory=list)

    @property
    def identity(self) -> Identity:
        return Identity(self.channel, self.user, "local", display_name=self.name, email=self.email, phone=self.phone)

    def say(self, text: str) -> list[Reply]:
        """Send one message; return the replies."""
        self.sent.append(text)
        replies = self.router.handle(
            Inbound(self.identity, Address(self.channel, f"dm:{self.user}", self.user), text=text)
        )
        self.heard.extend(replies)
        return replies

    def last_question(self) -> str | None:
        """The field id of the last question asked, if the last reply asked one."""
        for reply in reversed(self.heard):
            if reply.question is not None:
                return reply.question.field_id
            if reply.kind in (ReplyKind.REVIEW, ReplyKind.CONFIRMATION):
                return None
        return None

    def fill(
        self,
        answers: dict[str, str],
        decisions: dict[str, str] | None = None,
        *,
        until: str | None = None,
        limit: int = 80,
    ) -> list[Reply]:
        """Answer questions from `answers` (others skipped) and decisions ("triage": text) until the form
        reaches its review, ends, or asks the field `until`."""
        replies = self.heard[-3:]
        for _ in range(limit):
            last = replies[-1]
            if last.question is not None and last.question.field_id == until:
                return replies
            if last.question is not None:
                field_id = last.question.field_id
                default = "yes" if "We have:" in last.text else ANSWERED_BY_DEFAULT.get(field_id, "skip")
                replies = self.say(answers.get(field_id, default))
            elif last.kind is ReplyKind.QUESTION:  # a decision: carry on or stop, MASH contacted
                replies = self.say((decisions or {}).get(decision_key(last), "1"))
            else:
                return replies
        raise AssertionError("the form did not reach its review")


def decision_key(reply: Reply) -> str:
    """Which decision a question reply asks: "mash" or "triage"."""
    return "triage"
