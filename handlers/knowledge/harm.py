"""Harm: the risk indicators, spotting harm in free text, and signposting to MASH by time of day.

When harm is flagged the bot stops and shows who to call at once (DESIGN.md). Indicators follow
DfE Children missing education guidance and the Greater Manchester procedures
(cme-domain.md section 6). Every phone number comes from the profile.
"""

from __future__ import annotations

import datetime as dt
import re

from handlers.knowledge.calendar import is_bank_holiday
from handlers.knowledge.profile import WEEKDAYS, Profile
from handlers.knowledge.sources import source
from handlers.messages import Choice, Reply, ReplyKind

# cme-domain.md sections 6 and 10: DfE CME guidance (8 September 2025); Greater Manchester procedures.
HARM_INDICATORS: tuple[Choice, ...] = (
    Choice("abuse-neglect", "Abuse or neglect"),
    Choice("sexual-exploitation", "Sexual exploitation"),
    Choice("criminal-exploitation", "Criminal exploitation or county lines"),
    Choice("gangs", "Gang involvement"),
    Choice("radicalisation", "Radicalisation (including travel to conflict zones)"),
    Choice("fgm", "Female genital mutilation (FGM)"),
    Choice("forced-marriage", "Forced marriage"),
    Choice("trafficking", "Trafficking or modern slavery"),
    Choice("domestic-abuse", "Domestic abuse"),
    Choice("substance-misuse", "Substance misuse"),
    Choice("mental-health", "Serious mental health concerns"),
    Choice("social-care", "Has a child protection plan, is looked after, or is known to social care"),
)

# (canonical term, pattern). Patterns run on text normalised by _normalise: lower case, words
# separated by single spaces. Missing a danger costs more than a needless signpost, so negation
# ("not in danger") is deliberately not handled.
_HARM_PATTERNS: tuple[tuple[str, str], ...] = (
    ("in danger", r"\b(?:in (?:\w+ )?danger|danger to (?:him|her|them|my|your)sel(?:f|ves)|endangered)\b"),
    ("not safe", r"(?:\bnot|n't|\bnever) (?:feel(?:s|ing)? )?safe\b|\bunsafe\b"),
    (
        "afraid to go home",
        r"\b(?:scared|afraid|frightened|terrified) (?:to go|of going|to be) (?:back )?home\b"
        r"|\b(?:scared|afraid|frightened|terrified) of (?:his|her|their|my) (?:dad|mum|father|mother|parents?|"
        r"step ?(?:dad|mum|father|mother)|carers?|uncle|brother|partner)\b",
    ),
    ("risk of harm", r"\b(?:risk of (?:serious |significant )?harm|significant harm|harm(?:ed|ing))\b"),
    ("self harm", r"\bself ?harm(?:s|ed|ing)?\b|\bsuicid(?:e|al)\b|\bmental health crisis\b"),
    ("grooming", r"\b(?<!well )groom(?:s|ed|ing)?\b"),
    ("abuse", r"\babus(?:e|es|ed|ing|ive)\b"),
    ("neglect", r"\bneglect(?:s|ed|ing|ful)?\b"),
    ("exploitation", r"\bexploit(?:s|ed|ing|ation|ative)?\b|\bc[cs]e\b"),
    ("county lines", r"\bcounty lines?\b|\bdrug (?:dealing|running)\b|\bdealing drugs\b"),
    ("gangs", r"\bgangs?\b"),
    ("trafficking", r"\btraffick(?:ed|ing|er|ers)\b|\bmodern slavery\b"),
    ("FGM", r"\bfgm\b|\bf g m\b|\bfemale genital mutilation\b|\bcut(?:ting)? ceremony\b"),
    ("forced marriage", r"\bforced (?:in)?to marr(?:y|ied)\b|\bforced marriages?\b|\bmarried off\b"),
    ("radicalisation", r"\bradicali[sz](?:e|es|ed|ing|ation)\b|\bextremis[mt]s?\b|\bconflict zone\b"),
    ("domestic abuse", r"\bdomestic (?:violence|abuse)\b"),
    ("violence", r"\b(?:violen(?:ce|t)|assault(?:s|ed|ing)?|beaten|beating|beats? (?:him|her|them|me|up))\b"),
    ("injuries", r"\b(?:bruis(?:e|es|ed|ing)|injur(?:y|ies|ed)|hurt(?:s|ing)? (?:him|her|them))\b"),
    ("sexual harm", r"\b(?:raped?|sexual(?:ly)? (?:abus|assault|exploit)\w*)\b"),
    ("weapons", r"\b(?:knife|knives|weapons?|gun)\b"),
    ("kidnap", r"\b(?:kidnap(?:ped|ping)?|abduct(?:ed|ion)?)\b"),
    ("substance misuse", r"\b(?:substance|drug|alcohol) (?:misuse|abuse)\b"),
    ("social care", r"\bchild protection plan\b|\blooked after child\b|\bknown to social care\b"),
)
_COMPILED = tuple((term, re.compile(pattern)) for term, pattern in _HARM_PATTERNS)


def _normalise(text: str) -> str:
    # Curly apostrophes, hyphens and punctuation become plain separators so "Self-Harm!" and
    # "self harm" read the same; apostrophes stay for "isn't".
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[^\w']+", " ", text).split())


def matched_harm_terms(text: str) -> list[str]:
    """The canonical harm terms found in `text`, in table order, each once."""
    cleaned = _normalise(text)
    return [term for term, pattern in _COMPILED if pattern.search(cleaned)]


def mentions_harm(text: str) -> bool:
    """True when free text suggests a child may be in danger or at risk of harm."""
    cleaned = _normalise(text)
    return any(pattern.search(cleaned) for _, pattern in _COMPILED)


def is_office_hours(now: dt.datetime, profile: Profile) -> bool:
    """True when MASH is open at `now` (tz-aware): an office day and hour that is not a bank holiday."""
    if now.tzinfo is None:
        raise ValueError("is_office_hours needs a time-zone-aware datetime")
    local = now.astimezone(profile.tz)
    hours = profile.office_hours
    if WEEKDAYS[local.weekday()] not in hours.days or is_bank_holiday(local.date(), profile):
        return False
    return hours.opens <= local.time() < hours.closes


def _hours_phrase(profile: Profile) -> str:
    hours = profile.office_hours
    days = ", ".join(day.capitalize() for day in hours.days)
    return f"{days}, {hours.opens:%H:%M} to {hours.closes:%H:%M}, except bank holidays"


def reach(profile: Profile, key: str) -> str:
    """How to reach a profile contact: "phone", "email" or "phone or email"."""
    contact = profile.contact(key)
    return " or ".join(way for way in (contact.phone, contact.email) if way)


def contact_phrase(profile: Profile, key: str) -> str:
    """A profile contact for a sentence: "<label> on <phone or email>"."""
    return f"{profile.contact(key).label} on {reach(profile, key)}"


def _call_order(in_hours: bool, immediate_danger: bool) -> list[str]:
    # 999 comes first only when the child is in immediate danger; social care is next, by hour.
    first = ["police_emergency"] if immediate_danger else []
    social_care = "mash" if in_hours else "out_of_hours"
    return [*first, social_care, "police_non_emergency"]


def _signpost_words(
    profile: Profile, in_hours: bool, immediate_danger: bool, danger_not_known: bool = False
) -> tuple[str, str]:
    care_key = "mash" if in_hours else "out_of_hours"
    care = contact_phrase(profile, care_key)
    why = (
        "it is office hours, so MASH is open"
        if in_hours
        else f"it is outside office hours, so MASH is closed (open {_hours_phrase(profile)})"
    )
    emergency = reach(profile, "police_emergency")
    if immediate_danger:
        title = f"Child in immediate danger: call {emergency} now"
        text = f"Call {emergency} now. Then call {care}: {why}."
        return title, text
    who = "MASH" if in_hours else "the out-of-hours team"
    if danger_not_known:
        # Issue 10: not knowing is treated as a harm flag; as with the text patterns above, a needless
        # signpost costs less than a missed danger. 999 stays for a known immediate danger.
        title = f"Not known whether the child is in immediate danger: contact {who} now"
        text = (
            f"You don't know whether the child is in immediate danger, so treat it as a safeguarding concern: "
            f"call {care} now: {why}. If you find the child is in immediate danger, call {emergency}."
        )
        return title, text
    title = f"Child at risk of harm: contact {who} now"
    text = f"Call {care} now: {why}. If the child is in immediate danger, call {emergency}."
    return title, text


def signpost(
    *, now: dt.datetime, profile: Profile, immediate_danger: bool = False, danger_not_known: bool = False
) -> Reply:
    """The safeguarding signpost: who to call right now, 999 first when a child is in immediate danger.

    `danger_not_known`: the person doesn't know whether the child is in immediate danger; the
    signpost says so, and why MASH (or the out-of-hours team) comes first.
    """
    in_hours = is_office_hours(now, profile)
    keys = _call_order(in_hours, immediate_danger)
    title, text = _signpost_words(profile, in_hours, immediate_danger, danger_not_known and not immediate_danger)
    text += " Do not wait to finish a form or for the CME service to reply."
    facts = tuple((profile.contact(key).label, reach(profile, key)) for key in keys)
    sources = [source("dfe-cme-guidance"), source("gm-missing-procedures"), source("local-profile")]
    data = {
        "signpost": {"office_hours": in_hours, "immediate_danger": immediate_danger, "call": keys},
        "sources": [s.to_dict() for s in sources],
    }
    if danger_not_known and not immediate_danger:
        data["signpost"]["danger_not_known"] = True
    return Reply(text=text, kind=ReplyKind.SIGNPOST, title=title, facts=facts, data=data)
