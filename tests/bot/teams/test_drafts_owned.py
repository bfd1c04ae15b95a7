"""Drafts belong to their person (issue 20, finding 8): a card submission naming another user's draft id is refused,
nothing is submitted or shown, and the attempt is audited as a refusal; the owner's own submission still goes."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import AuditEvent
from tests.bot.teams.harness import Person, form_card, run, running, submission
from tests.bot.teams.test_referral_card import PAGES, section_of

MALLORY = Person("29:mallory", "aad-mallory", "Mallory Else")


def _refusals(engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == "permission.refused")).all())


async def _to_last_page(h) -> dict:
    card = form_card(await h.say("report"))
    while section_of(card) != "referrer":
        card = form_card(await h.say(value=submission(card, PAGES[section_of(card)])))
    return card


async def scenario(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        last = submission(await _to_last_page(h), PAGES["referrer"])  # Sam's last page, Sam's draft id
        taken = await h.say(value=last, who=MALLORY)
        said = " ".join(s.text for s in taken)
        assert "not from the" in said and "nothing was sent" in said
        assert h.cases() == [] and "Zephyrine" not in said and "_draft" not in str([s.cards for s in taken])
        [refused] = _refusals(h.engine)
        assert refused.actor.endswith(MALLORY.aad) and refused.detail["why"] == "the draft is not the sender's"
        assert "Concern raised" in " ".join(s.text for s in await h.say(value=last))  # Sam's own still goes
        [case] = h.cases()
        again = await h.say(value=last, who=MALLORY)  # a replay of Sam's sent page shows Mallory nothing of it
        assert case.reference not in " ".join(s.text for s in again) and len(h.cases()) == 1
        assert len(_refusals(h.engine)) == 2


def test_a_card_naming_another_users_draft_is_refused_and_audited(db_url, teams_profile):
    run(scenario(db_url, teams_profile))
