"""The child's card in Teams with an age instead of a date of birth: a text box beside the date input."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Report
from tests.bot.teams.harness import form_card, inputs_of, run, running, submission
from tests.bot.teams.test_referral_card import PAGES, section_of

AGED_9 = {**{k: v for k, v in PAGES["child"].items() if k != "child_dob"}, "child_age": "9 years old"}


def errors_of(card: dict) -> list[str]:
    return [b.get("text", "") for b in card["body"] if b.get("color") == "Attention"]


async def aged(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        card = form_card(await h.say("/cme report"))
        card = form_card(await h.say(value=submission(card, PAGES["danger"])))
        boxes = inputs_of(card)
        assert boxes["child_age"]["type"] == "Input.Text" and boxes["child_age"]["isRequired"] is False
        assert "the child's age" in boxes["child_age"]["label"]
        ids = [b.get("id") for b in card["body"] if b.get("id")]
        assert ids.index("child_age") == ids.index("child_dob") + 1
        for bad, says in (("a teenager", "number for their age"), ("25", "25 is over school age")):
            again = form_card(await h.say(value=submission(card, {**AGED_9, "child_age": bad})))
            assert section_of(again) == "child" and any(says in e for e in errors_of(again))
        mismatch = {**AGED_9, "child_age": "6", "child_year_group": "year-9"}
        again = form_card(await h.say(value=submission(card, mismatch)))
        assert any("doesn't fit the age (6)" in e for e in errors_of(again))
        sent = await h.say(value=submission(card, AGED_9))
        card = form_card(sent)
        assert section_of(card) == "you"
        card = form_card(await h.say(value=submission(card, {"concern": "Not seen since half term."})))
        sent = await h.say(value=submission(card, {"next_step": "send"}))
        assert any("Concern raised" in s.text for s in sent)
        engine = make_engine(db_url)
        with Session(engine) as session:
            stored = session.exec(select(Report)).one().answers
        engine.dispose()
        assert stored["child_age"] == 9 and stored.get("child_dob") is None


def test_an_age_on_the_childs_card_is_taken_and_bad_ones_are_marked(sqlite_url, teams_profile):
    run(aged(sqlite_url, teams_profile))
