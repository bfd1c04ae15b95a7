"""The Teams cards pictured in the docs, built by the bot's own code from a made-up referral.

A practitioner (Sam Nurse) raises a concern in a Teams personal chat about a made-up child
(Zephyrine Quillfeather, the name the tests use); the officers' channel gets the alert; an officer
(Olu Officer) opens the case and their caseload, and the next morning's digest arrives. Every card is
what bot/teams/render.py would send: the activities are built as Teams sends them, read by
bot/teams/inbound.py, answered by the router and rendered by bot/teams/render.py. The clock is fixed,
so the same code gives the same cards; only the form's draft id (random, never shown) is replaced.

`cards()` is used by `make card-pictures` (tools/cards/pictures.py) and by
tests/docs/test_card_pictures.py, which fails when a card changes and its picture was not redrawn.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from bot.teams.inbound import to_inbound
from bot.teams.render import to_activities, to_activity
from handlers.casework import outbox
from handlers.casework.reminders import run_sweep
from handlers.commands import build_router
from handlers.core import Core
from handlers.forms.spec import FormSpec
from handlers.knowledge.profile import Notify, NotifyTarget, Profile, bundled_profile
from handlers.router import Router
from storage import crypto
from storage.crypto import INDEX_KEY_ID, Keyring, new_key_line
from storage.db import make_engine
from storage.migrate import upgrade

TENANT = "tenant-1"
OFFICERS_CHANNEL = "19:officers@thread.tacv2"
SAM = ("sam", "Sam Nurse", "sam@school.example.org")
OLU = ("olu", "Olu Officer", "olu@council.example.gov.uk")
RAISED = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)  # a Thursday in term, in office hours
NEXT_MORNING = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)  # the Friday: the officers' digest
TIME = {"digest": "09:00"}  # the time shown beside a picture, local (others: 10:00, when the concern is raised)
DRAFT = "(draft id)"  # the draft id is random and never shown: replaced so the card hashes the same

# What Sam types on the referral card's pages, by field: a made-up child, harm flagged (abuse or neglect).
ANSWERS: dict[str, str] = {
    "child_forenames": "Zephyrine",
    "child_surname": "Quillfeather",
    "child_dob": "2014-05-02",
    "missing_from_home": "no",
    "on_roll": "no",
    "home_educated": "no",
    "awaiting_place": "no",
    "other_provision": "no",
    "immediate_danger": "no",
    "harm_indicators": "abuse-neglect",
    "mash_contacted": "yes",
    "parent_names": "Orla Quillfeather",
    "parent_phone": "0161 496 0000",
    "reason": "contact-failed",
    "destination_known": "no",
    "referrer_role": "School nurse",
    "referrer_agency": "Elm Street Primary",
    "referrer_contact": "sam@school.example.org",
    "school_name": "Elm Street Primary",
    "next_step": "send",  # the quick report: send the essentials now
    "date_last_attended": "2026-10-02",
    "concern": "Not in school since 2 October. Her mother's phone is off and a neighbour says the family may "
    "have moved. Before she stopped coming she had bruises on her arms she would not explain.",
}
MOST_PAGES = 20  # more card pages than any referral has: the scene is out of step with the form


@dataclasses.dataclass
class Chat:
    """People talking to the bot's core in Teams personal chats, as bot/teams/bot.py hands their activities on."""

    router: Router
    clock: list[dt.datetime]
    _ids: Iterator[int] = dataclasses.field(default_factory=lambda: itertools.count(1))

    def spec(self, form_id: str) -> FormSpec | None:
        """The form a card belongs to (what bot/teams/channel.py gives the renderer)."""
        flow = self.router.flows.get(form_id)
        return flow.spec if flow is not None else None

    def send(self, who: tuple[str, str, str], *, text: str | None = None, value: dict | None = None) -> list[dict]:
        """One message or card submit from `who`; the cards (or plain texts) the bot answers with."""
        user, name, email = who
        activity = Activity(
            type="message",
            id=f"act-{next(self._ids)}",
            channel_id="msteams",
            service_url="https://smba.trafficmanager.net/uk/",
            from_property=ChannelAccount(id=f"29:{user}", name=name, aad_object_id=f"aad-{user}"),
            recipient=ChannelAccount(id="28:cme-bot", name="CME bot"),
            conversation=ConversationAccount(conversation_type="personal", id=f"a:{user}", tenant_id=TENANT),
            channel_data={"tenant": {"id": TENANT}},
            text=text,
            value=value,
        )
        inbound = to_inbound(activity)  # the email comes from the Teams roster (bot/teams/people.py)
        inbound = dataclasses.replace(inbound, identity=dataclasses.replace(inbound.identity, email=email))
        return [_content(a) for a in to_activities(self.router.handle(inbound), self.spec)]

    def sent_to_officers(self) -> list[dict]:
        """What the outbox delivers to Teams now (alerts, digests), as the Teams sender renders it; marked sent."""
        core = self.router.core
        pending = outbox.claim(core, channels={"teams"})
        for message in pending:
            outbox.sent(core, message.id)
        return [_content(to_activity(message.reply, self.spec)) for message in pending]


def _content(activity: Activity) -> dict:
    """The card an activity carries, or {"text": ...} for a plain message."""
    if activity.attachments:
        return activity.attachments[0].content
    return {"text": activity.text}


def _without_draft_id(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: DRAFT if k == "_draft" else _without_draft_id(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_draft_id(v) for v in node]
    return node


def _form_card(cards: list[dict]) -> dict | None:
    """The form page among `cards` (the card whose submit carries the draft), if any."""
    for card in reversed(cards):
        if any("_draft" in (a.get("data") or {}) for a in card.get("actions", [])):
            return card
    return None


def _card(cards: list[dict], words: str) -> dict:
    """The first card with a text (at any depth) that says `words` (in any case)."""
    for card in cards:
        if _says([card], words):
            return card
    raise LookupError(f"no card says {words!r}: the scene in tools/cards/scenes.py is out of step with the bot")


def _button(cards: list[dict], words: str) -> dict | None:
    """The last button (at any depth) whose title starts with `words`, if any."""
    found = None
    for node in _nodes(cards):
        if node.get("type") == "Action.Submit" and str(node.get("title", "")).startswith(words):
            found = node
    return found


def _nodes(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _says(cards: list[dict], words: str) -> bool:
    return any(words.lower() in text.lower() for text in _texts(cards))


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            yield str(node.get("text", ""))
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def _submission(card: dict, answers: dict[str, str]) -> dict:
    """What Teams sends when the card is submitted: every input, then the submit's data."""
    action = next(a for a in card["actions"] if a["type"] == "Action.Submit")
    values = {b["id"]: b.get("value", "") for b in card["body"] if str(b.get("type", "")).startswith("Input.")}
    return {**values, **{k: v for k, v in answers.items() if k in values}, **action["data"]}


def teams_profile(profile: Profile) -> Profile:
    """`profile` with Olu an officer in Teams and the officers' Teams channel as the alert target."""
    officers = [*profile.roles.officers, f"teams:{TENANT}:aad-{OLU[0]}"]
    target = NotifyTarget(channel="teams", conversation_id=OFFICERS_CHANNEL)
    return profile.model_copy(
        update={
            "roles": profile.roles.model_copy(update={"officers": officers}),
            "notify": Notify(officers=[target], managers=profile.notify.managers),
        }
    )


def referral(chat: Chat) -> dict[str, dict]:
    """Sam raises the concern page by page: the first page, the harm signpost, the confirmation."""
    answer = chat.send(SAM, text="report")
    pictures: dict[str, dict] = {"referral-first-page": _form_card(answer)}
    for _ in range(MOST_PAGES):
        if "harm-signpost" not in pictures and _says(answer, "Child at risk of harm"):
            pictures["harm-signpost"] = _card(answer, "Child at risk of harm")
        if _says(answer, "Concern raised"):
            pictures["concern-raised"] = _card(answer, "Concern raised")
            return pictures
        card, send = _form_card(answer), _button(answer, "Send")
        if card is None and send is None:
            raise LookupError(f"the referral stopped before it was sent: {list(_texts(answer))[:3]}")
        answer = chat.send(SAM, value=_submission(card, ANSWERS) if card is not None else send["data"])
    raise LookupError(f"the referral was not sent after {MOST_PAGES} pages: tools/cards/scenes.py ANSWERS")


def officer_day(chat: Chat, reference: str) -> dict[str, dict]:
    """The officers' channel gets the alert; Olu opens the case and the caseload; next morning, the digest."""
    pictures = {"new-case-alert": _card(chat.sent_to_officers(), "new CME concern")}
    case = chat.send(OLU, text=f"/cme case {reference}")
    pictures["case-summary"] = _card(case, f"Case {reference}")
    pictures["enquiry-plan"] = _card(case, "Enquiry plan")
    pictures["caseload"] = _card(chat.send(OLU, text="/cme cases"), "Open cases")
    chat.clock[0] = NEXT_MORNING
    run_sweep(chat.router.core)
    digests = chat.sent_to_officers()
    pictures["digest"] = _card(digests, "Your day") if _says(digests, "Your day") else _card(digests, "Your enquiries")
    return pictures


def cards(db_url: str | None = None) -> dict[str, dict]:
    """Every pictured card by name, built on `db_url` (a migrated, empty database) or a new SQLite file."""
    clock = [RAISED]
    with _database(db_url) as url, _throwaway_keys():
        engine = make_engine(url)
        try:
            core = Core(engine=engine, profile=teams_profile(bundled_profile()), clock=lambda: clock[0])
            chat = Chat(build_router(core), clock)
            pictures = referral(chat)
            reference = pictures["concern-raised"]["body"][0]["text"].rsplit(" ", 1)[-1]
            pictures.update(officer_day(chat, reference))
        finally:
            engine.dispose()
    return {name: _without_draft_id(card) for name, card in pictures.items()}


@contextmanager
def _database(db_url: str | None) -> Iterator[str]:
    if db_url is not None:
        yield db_url
        return
    with tempfile.TemporaryDirectory(prefix="cme-cards-") as folder:
        url = f"sqlite:///{Path(folder) / 'cards.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@contextmanager
def _throwaway_keys() -> Iterator[None]:
    """A data key for the made-up case only (the database is thrown away); the keys before are put back."""
    before = crypto.installed()
    crypto.install(Keyring.parse(f"{new_key_line('pictures')},{new_key_line(INDEX_KEY_ID)}"))
    try:
        yield
    finally:
        crypto.install(before)
