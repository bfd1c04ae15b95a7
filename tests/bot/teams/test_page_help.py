"""Help inside a Teams card page: an Action.ShowCard "Help with these questions" carries the page's questions
explained in the card itself (no round trip); opening it sends nothing, and the card still submits after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.teams.cards import HELP_TITLE
from tests.bot.teams.harness import SAM, form_card, inputs_of, run, running, submission
from tests.bot.teams.test_officer_actions import buttons
from tests.bot.teams.test_referral_card import PAGES, section_of
from tests.support import Clock

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
NOTHING_MORE = "There is no more to say about this question."


def help_card(card: dict[str, Any]) -> dict[str, Any]:
    """The card the page's "Help with these questions" shows, and that it is the page's one ShowCard."""
    (action,) = [a for a in card["actions"] if a["type"] == "Action.ShowCard"]
    assert action["title"] == HELP_TITLE
    shown = action["card"]
    assert shown["type"] == "AdaptiveCard"
    # Nothing in it sends or asks: no submit, no input, so opening it can't submit the page.
    assert "actions" not in shown and not any(str(b.get("type", "")).startswith("Input.") for b in shown["body"])
    return shown


def text_of(shown: dict[str, Any]) -> str:
    return "\n".join(block["text"] for block in shown["body"])


async def to_the_school_page(db_url: str, profile) -> dict[str, dict[str, Any]]:
    """Sam's referral by card up to the detail's "School" page; every card page seen, by section."""
    seen: dict[str, dict[str, Any]] = {}
    async with running(db_url, profile) as h:
        card = form_card(await h.say("report"))
        while section_of(card) != "reason":
            seen[section_of(card)] = card
            card = form_card(await h.say(value=submission(card, PAGES[section_of(card)])))
        seen["reason"] = card
        assert h.cases() == []
    return seen


def test_each_referral_card_carries_its_questions_explained_ctf_on_the_school_page(db_url, teams_profile):
    seen = run(to_the_school_page(db_url, teams_profile))
    assert list(seen) == ["danger", "child", "you", "send", "harm", "mash", "child-more", "parents", "school", "reason"]
    for card in seen.values():
        help_card(card)  # every page has it
        assert card["actions"][0]["type"] == "Action.Submit"  # the page's own button comes first, unchanged
    school = text_of(help_card(seen["school"]))
    assert "Has the child been put on School2School (S2S) or sent a CTF?" in school
    assert "CTF (common transfer file): The file of a pupil's details" in school and "Source:" in school
    assert "S2S (School to School)" in school and "Lost Pupil Database" in school
    assert f"{NOTHING_MORE} Optional: you may leave it empty." in school  # "when last seen" needs no explaining
    # Every question on the page is there, in order, each with its explanation under it.
    labels = [b["label"].removesuffix(" (if it applies)") for b in inputs_of(seen["school"]).values()]
    bold = [b["text"] for b in help_card(seen["school"])["body"] if b.get("weight") == "Bolder"]
    assert bold == labels


def test_a_page_whose_questions_need_no_explaining_says_so_with_their_hints(db_url, teams_profile):
    parents = text_of(help_card(run(to_the_school_page(db_url, teams_profile))["parents"]))
    assert parents.count(NOTHING_MORE) == 6
    assert f"{NOTHING_MORE} A phone number with its area code. Optional: you may leave it empty." in parents
    assert "I don't know" not in parents


async def deletion_card(db_url: str, profile) -> dict[str, Any]:
    async with running(db_url, profile, clock=Clock(NOW)) as h:
        offered = await h.say("deletion", who=SAM)
        return form_card(await h.say(value=buttons(offered[0].cards[0])["Open the form"], who=SAM))


def test_a_schools_deletion_notice_card_has_the_help_too(db_url, teams_profile):
    shown = text_of(help_card(run(deletion_card(db_url, teams_profile))))  # its first page: the school
    assert "Your school's name?" in shown and NOTHING_MORE in shown
    assert "URN (unique reference number): A school's 6-digit number" in shown and "Source:" in shown
