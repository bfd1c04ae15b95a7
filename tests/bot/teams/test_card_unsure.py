"""The referral card offers Not known where a practitioner may not know, and reads it as not known (issue 10)."""

from __future__ import annotations

from tests.bot.teams.harness import SAM, form_card, inputs_of, run, running, submission

SITUATION = ("on_roll", "home_educated")  # on the quick report's page about the child
DETAIL = ("missing_from_home", "awaiting_place", "other_provision")  # with more detail
UNSURE_CHILD = {"child_forenames": "Zephyrine", "child_surname": "Quillfeather", "child_year_group": "year-7"}
UNSURE_CHILD |= dict.fromkeys(SITUATION, "unknown")


def _choices(card: dict, field_id: str) -> list[str]:
    element = inputs_of(card)[field_id]
    assert element["type"] == "Input.ChoiceSet"
    return [c["value"] for c in element["choices"]]


async def unsure(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        card = form_card(await h.say("report"))
        assert "unknown" in _choices(card, "immediate_danger")  # harm first of all
        sent = await h.say(value=submission(card, {"immediate_danger": "unknown"}))
        mine = " ".join(s.text for s in sent if s.conversation_id == SAM.personal_chat)
        assert "You don't know whether the child is in immediate danger, so" in mine
        card = form_card(sent)
        assert "mash_contacted" in inputs_of(card)
        card = form_card(await h.say(value=submission(card, {"mash_contacted": "yes"})))
        assert all("unknown" in _choices(card, field_id) for field_id in SITUATION)
        assert "year-7" in _choices(card, "child_year_group") and "not-known" in _choices(card, "child_year_group")
        card = form_card(await h.say(value=submission(card, UNSURE_CHILD)))
        card = form_card(
            await h.say(value=submission(card, {"concern": "Not seen.", "referrer_contact": "0161 496 0123"}))
        )
        card = form_card(await h.say(value=submission(card, {"next_step": "more"})))
        card = form_card(await h.say(value=submission(card, {"harm_indicators": "none"})))
        assert all("unknown" in _choices(card, field_id) for field_id in DETAIL)


def test_not_known_on_the_card_is_offered_and_treated_as_a_harm_flag(db_url, teams_profile):
    run(unsure(db_url, teams_profile))
