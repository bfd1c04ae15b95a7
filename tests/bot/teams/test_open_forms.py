"""A referral card left open in Teams: typed messages are answered, and the card comes back where it was."""

from __future__ import annotations

from tests.bot.teams.harness import form_card, inputs_of, run, running, submission
from tests.bot.teams.test_referral_card import PAGES, section_of


def _button(sent, title: str) -> dict:
    """The card action a person would press, by its title."""
    actions = [a for s in sent for c in s.cards for a in c.get("actions", [])]
    return next(a for a in actions if a.get("title") == title)


async def chat_with_card_open(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        card = form_card(await h.say("report"))
        card = form_card(await h.say(value=submission(card, PAGES["danger"])))
        assert section_of(card) == "child"
        sent = await h.say("is home education CME?")
        said = " ".join(s.text or "" for s in sent) + str([c for s in sent for c in s.cards])
        assert "something went wrong" not in said.lower()
        assert "home education" in said.lower() and "still open at page 2" in said
        again = await h.say(value=_button(sent, "Open the form")["data"])
        shown = form_card(again)
        assert section_of(shown) == "child" and set(inputs_of(shown)) == set(inputs_of(card))
        sent = await h.say("report")  # typing report again shows the same draft: no answers discarded
        assert section_of(form_card(sent)) == "child"


def test_a_message_typed_with_the_referral_card_open_is_answered_and_the_card_offered_again(sqlite_url, teams_profile):
    run(chat_with_card_open(sqlite_url, teams_profile))


async def question_mid_chat(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        await h.say("report chat")
        sent = await h.say("/cme contacts")
        said = " ".join(s.text or "" for s in sent) + str([c for s in sent for c in s.cards])
        assert "danger right now" in said and "still open" in said  # the pending question is asked again


def test_a_command_mid_chat_referral_asks_the_question_again(sqlite_url, teams_profile):
    run(question_mid_chat(sqlite_url, teams_profile))


async def card_then_chat(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        card = form_card(await h.say("report"))
        await h.say(value=submission(card, PAGES["danger"]))
        sent = await h.say("report chat")  # the card's answers carried on one question at a time
        said = " ".join(s.text or "" for s in sent) + str([c for s in sent for c in s.cards])
        assert "one question at a time" in said and "child's first name" in said.lower()
        sent = await h.say("Zephyrine")
        said = " ".join(s.text or "" for s in sent) + str([c for s in sent for c in s.cards])
        assert "surname" in said.lower()  # the next question of the same draft


def test_report_chat_with_a_card_open_carries_on_in_the_chat_with_the_answers_so_far(sqlite_url, teams_profile):
    run(card_then_chat(sqlite_url, teams_profile))
