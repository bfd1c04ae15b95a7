"""Who to contact: the local authority profile's directory, with who to call right now.

MASH answers in office hours and the out-of-hours team outside them, so the reply says which one
to call at the moment it is read. Every number and address comes from the profile.
"""

from __future__ import annotations

import datetime as dt

from handlers.knowledge.harm import contact_phrase, is_office_hours, reach
from handlers.knowledge.profile import Contact, Profile
from handlers.knowledge.sources import source
from handlers.messages import Reply, ReplyKind

# Safeguarding first, then the CME service, then the police; any other contacts follow in the
# order the profile lists them.
LEAD_ORDER = ("mash", "out_of_hours", "police_emergency", "cme_officer", "police_non_emergency")


def _when(contact: Contact, in_hours: bool) -> str:
    if contact.hours == "office":
        return " (office hours: open now)" if in_hours else " (office hours: closed now)"
    if contact.hours == "out_of_hours":
        return " (out of hours: closed now)" if in_hours else " (out of hours: call now)"
    return ""


def _ordered_keys(profile: Profile) -> list[str]:
    lead = [key for key in LEAD_ORDER if key in profile.contacts]
    return lead + [key for key in profile.contacts if key not in lead]


def _call_now_text(profile: Profile, in_hours: bool) -> str:
    care = contact_phrase(profile, "mash" if in_hours else "out_of_hours")
    period = "it is office hours" if in_hours else "it is outside office hours"
    return (
        f"If a child is at risk of harm, call {care} now: {period}. "
        f"If a child is in immediate danger, call {reach(profile, 'police_emergency')}. "
        f"For anything else about children missing education, contact the {contact_phrase(profile, 'cme_officer')}."
    )


# The CME officer's details are the briefing's; MASH's and the out-of-hours team's the Partnership's page.
DIRECTORY_SOURCES = ("bury-briefing", "bury-safeguarding-partnership", "local-profile")


def contacts_reply(profile: Profile, now: dt.datetime) -> Reply:
    """The contact directory as facts, saying whether MASH or the out-of-hours team answers now."""
    in_hours = is_office_hours(now, profile)
    keys = _ordered_keys(profile)
    labels = [profile.contact(key).label + _when(profile.contact(key), in_hours) for key in keys]
    facts = tuple((label, reach(profile, key)) for label, key in zip(labels, keys, strict=True))
    call_now = "mash" if in_hours else "out_of_hours"
    data = {
        "call_now": call_now,
        "office_hours": in_hours,
        "contacts": {key: profile.contact(key).model_dump(exclude_none=True) for key in keys},
        "sources": [source(key).to_dict() for key in DIRECTORY_SOURCES],
    }
    return Reply(
        text=_call_now_text(profile, in_hours),
        kind=ReplyKind.INFO,
        title=f"Who to contact ({profile.short_name})",
        facts=facts,
        data=data,
    )
