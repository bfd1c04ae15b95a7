"""Moves between councils in Teams: candidate councils as card buttons, the move's card, the acknowledgement,
and a child notified by another council recorded through the referral's cards."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from storage.children import Transfer
from tests.bot.teams.harness import OFFICER, SAM, form_card, inputs_of, run, running, submission
from tests.bot.teams.test_officer_actions import buttons
from tests.handlers.casework.test_cases import make_case
from tests.support import CHILD_MORE_PAGE, CHILD_PAGE, Clock

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
CALM_PAGES = {
    "from_council": {},
    "danger": {"immediate_danger": "no"},
    "child": CHILD_PAGE,
    "you": {"concern": "Notified by another council.", "referrer_contact": "0161 253 5000"},
    "harm": {"harm_indicators": "none"},
    "child-more": CHILD_MORE_PAGE,
    "reason": {"reason": "contact-failed", "destination_known": "no"},
    "referrer": {"referrer_role": "CME officer", "referrer_agency": "Bury Council"},
}


def moves(engine) -> list[Transfer]:
    with Session(engine) as session:
        return list(session.exec(select(Transfer)).all())


async def transfer_by_card(db_url, profile) -> None:
    async with running(db_url, profile, clock=Clock(NOW)) as h:
        reference = make_case(h.engine, h.context.core.profile, 7, NOW)
        choose = await h.say(f"transfer {reference} Cumbria", who=OFFICER)
        assert "replaced on 1 April 2023" in choose[0].text
        offered = buttons(choose[0].cards[0])
        assert offered["Westmorland and Furness (943)"]["cme_value"] == f"/cme transfer {reference} 943"
        asked = await h.say(value=offered["Westmorland and Furness (943)"], who=OFFICER)
        card = form_card(asked)
        assert set(inputs_of(card)) == {"contact", "method"}
        answers = {"contact": "01539 000000", "method": "secure_email"}
        done = await h.say(value=submission(card, answers), who=OFFICER)
        assert "moving to Westmorland and Furness (943)" in done[0].text
        (move,) = moves(h.engine)
        assert (move.council_code, move.contact) == ("943", "01539 000000")
        assert move.created_by == "teams:tenant-1:aad-officer"
        refused = await h.say(f"close {reference} moved_other_la", who=OFFICER)
        assert "acknowledgement or evidence" in refused[0].text
        acked = await h.say(f"transfer {reference} ack their CME officer confirmed on the phone", who=OFFICER)
        closing = buttons(acked[0].cards[0])["Close: moved to another LA"]
        asked = await h.say(value=closing, who=OFFICER)  # ten steps not done: closing asks why first (issue 22)
        assert "10 enquiry step(s)" in " ".join(s.text for s in asked)
        sent = submission(form_card(asked), {"outcome": "moved_other_la", "early": "confirmed on roll there"})
        closed = await h.say(value=sent, who=OFFICER)
        assert any(f"{reference} is closed" in s.text for s in closed)
        sam = await h.say(f"transfer {reference} Leeds phone", who=SAM)
        assert "officer" in sam[0].text and len(moves(h.engine)) == 1


def test_transfer_by_card_then_acknowledge_and_close(sqlite_url, teams_profile):
    run(transfer_by_card(sqlite_url, teams_profile))


async def incoming_by_card(db_url, profile) -> None:
    async with running(db_url, profile, clock=Clock(NOW)) as h:
        choose = await h.say("incoming Kingston RBK-0042", who=OFFICER)
        press = buttons(choose[0].cards[0])["Kingston upon Thames (314)"]
        sent, seen = await h.say(value=press, who=OFFICER), []
        card = form_card(sent)
        assert inputs_of(card)["from_council"]["value"] == "314"
        while any("_draft" in str(c) for s in sent for c in s.cards):
            card = form_card(sent)
            section = card["actions"][0]["data"]["_section"]
            seen.append(section)
            sent = await h.say(value=submission(card, CALM_PAGES.get(section, {})), who=OFFICER)
        assert seen[:3] == ["from_council", "danger", "child"] and seen[-1] == "referrer"
        assert "send" not in seen  # an officer's record of a child notified by a council: the whole form
        assert any("notified by Kingston upon Thames (314)" in s.text for s in sent)
        (move,) = moves(h.engine)
        assert (move.direction, move.council_code, move.their_reference) == ("in", "314", "RBK-0042")


def test_an_incoming_child_is_recorded_through_the_referral_cards(db_url, teams_profile):
    run(incoming_by_card(db_url, teams_profile))
