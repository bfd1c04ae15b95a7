"""A referral by Adaptive Card over real Bot Framework HTTP: pages, server-side errors, harm, double submit, alert."""

from __future__ import annotations

from tests.bot.teams.harness import (
    OFFICERS_CHANNEL,
    SAM,
    form_card,
    inputs_of,
    run,
    running,
    submission,
)
from tests.support import CHILD_MORE_PAGE, CHILD_PAGE

# What Sam types on each page (Teams sends a multi-select as comma-separated values).
PAGES = {
    "danger": {"immediate_danger": "no"},
    "child": CHILD_PAGE,
    "you": {"concern": "Not seen since half term.", "referrer_contact": "0161 496 0123"},
    "send": {"next_step": "more"},  # "Add more detail now": the rest of the form
    "harm": {"harm_indicators": "abuse-neglect,gangs"},
    "mash": {"mash_contacted": "yes"},
    "child-more": CHILD_MORE_PAGE,
    "parents": {},
    "school": {},
    "reason": {"reason": "contact-failed", "destination_known": "no"},
    "referrer": {"referrer_role": "School nurse", "referrer_agency": "NHS"},
}
CHILD_DETAILS = ("Zephyrine", "Quillfeather", "2014-05-02")
INSTALL = {
    "type": "conversationUpdate",
    "membersAdded": [{"id": "28:cme-bot"}],
    "conversation": {"conversationType": "channel", "id": OFFICERS_CHANNEL},
    "channelData": {"team": {"id": OFFICERS_CHANNEL}, "eventType": "teamMemberAdded"},
}


def section_of(card: dict) -> str:
    return card["actions"][0]["data"]["_section"]


async def install_in_officers_channel(h) -> None:
    """The council adds the app to the officers' team: the bot greets the channel and keeps its reference."""
    body = {**h.activity(), **INSTALL, "conversation": {**INSTALL["conversation"], "tenantId": "tenant-1"}}
    del body["id"]
    response = await h.post(body)
    assert response.status in (200, 201)
    assert "I help you raise a concern" in (await h.connector.wait_for(OFFICERS_CHANNEL))[0].text


async def referral(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        await install_in_officers_channel(h)
        sent, seen = await h.say("report"), []
        card = form_card(sent)
        assert inputs_of(card)["immediate_danger"]["isRequired"] is True  # harm first of all
        footer = card["body"][-1]["text"]  # a card left idle: what happens to its answers
        assert footer.startswith("If you leave this form, nothing is sent. Your answers are kept for 72 hours")
        while True:
            if section_of(card) == "child":
                assert inputs_of(card)["child_forenames"]["isRequired"] is True
                assert inputs_of(card)["child_dob"]["type"] == "Input.Date"
            section = section_of(card)
            seen.append(section)
            last = submission(card, PAGES[section])
            sent = await h.say(value=last)
            mine = [s for s in sent if s.conversation_id == SAM.personal_chat]
            if section == "harm":  # the signpost comes first, prominent, before the next page
                first = mine[0].cards[0]["body"][0]
                assert first["type"] == "Container" and first["style"] == "attention"
                assert "contact" in mine[0].text.lower() and "999" in mine[0].text
            if not any("_draft" in str(c) for s in sent for c in s.cards):
                break
            card = form_card(sent)
            if section_of(card) == "you":  # the name from the activity, the email from the roster: to confirm
                assert inputs_of(card)["referrer_name"]["value"] == "Sam Nurse"
                assert inputs_of(card)["referrer_contact"]["value"] == "sam@council.example.gov.uk"
            if section_of(card) == "referrer":
                assert inputs_of(card)["referrer_email"]["value"] == "sam@council.example.gov.uk"
        assert seen == ["danger", "child", "you", "send", "harm", "mash", "child-more", "parents", "school", "reason",
                        "referrer"]  # fmt: skip
        assert h.connector.roster_reads == [SAM.id]  # once for the whole referral, not once per page
        confirmation = next(s for s in sent if "Concern raised" in s.text)
        reference = h.cases()[0].reference
        assert reference in confirmation.text and "urgent" in confirmation.text
        assert {s.conversation_id for s in sent} <= {SAM.personal_chat, OFFICERS_CHANNEL}  # alerts go out at once

        again = await h.say(value=last)  # a double click on the last page
        assert [reference in s.text for s in again if "Concern raised" in s.text] == [True]
        assert len(h.cases()) == 1

        alerts = await h.connector.wait_for(OFFICERS_CHANNEL, 3)  # the greeting, harm flagged, the new case
        assert any(reference in a.text and "URGENT" in a.text for a in alerts)
        assert not any(detail in a.text for a in alerts for detail in CHILD_DETAILS)


def test_referral_by_card_end_to_end(db_url, teams_profile, caplog):
    run(referral(db_url, teams_profile))
    assert not any(detail in caplog.text for detail in CHILD_DETAILS)


async def no_roster(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        h.connector.roster_fails = True  # a tenant that won't share the roster: the email is theirs to type
        card = form_card(await h.say("report"))
        for section in ("danger", "child"):
            card = form_card(await h.say(value=submission(card, PAGES[section])))
        assert section_of(card) == "you"
        assert inputs_of(card)["referrer_name"]["value"] == "Sam Nurse"
        assert not inputs_of(card)["referrer_contact"].get("value")  # theirs to type
        for section in ("you", "send", "harm", "mash", "child-more", "parents", "school", "reason"):
            card = form_card(await h.say(value=submission(card, PAGES[section])))
        assert section_of(card) == "referrer"
        assert not inputs_of(card)["referrer_email"].get("value")
        assert h.connector.roster_reads == [SAM.id]  # not asked again on every page after a refusal
        sent = await h.say(value=submission(card, PAGES["referrer"] | {"referrer_email": "sam@school.example.org"}))
        assert any("Concern raised" in s.text for s in sent) and len(h.cases()) == 1


def test_without_the_roster_the_referral_still_goes_through(sqlite_url, teams_profile):
    run(no_roster(sqlite_url, teams_profile))


async def errors(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        card = form_card(await h.say("/cme report"))
        card = form_card(await h.say(value=submission(card, PAGES["danger"])))
        bad = dict(PAGES["child"], child_dob="2031-01-01", date_last_attended="NOT A DATE", on_roll="")
        sent = await h.say(value=submission(card, bad))
        again = form_card(sent)
        assert section_of(again) == "child"
        body = again["body"]
        for field_id in ("child_dob", "date_last_attended"):
            at = next(i for i, b in enumerate(body) if b.get("id") == field_id)
            after = [b for b in body[at + 1 : at + 3] if b.get("color") == "Attention"]
            assert after, f"no error shown under {field_id}"
        assert any("future" in b.get("text", "") for b in body if b.get("color") == "Attention")
        assert inputs_of(again)["child_forenames"]["value"] == "Zephyrine"  # what was typed is kept
        mismatch = dict(PAGES["child"], child_dob="2019-12-12", child_year_group="year-6")
        body = form_card(await h.say(value=submission(again, mismatch)))["body"]
        assert any("doesn't fit the date of birth" in b.get("text", "") for b in body if b.get("color") == "Attention")
        assert h.cases() == []


def test_server_side_errors_come_back_next_to_the_fields(sqlite_url, teams_profile):
    run(errors(sqlite_url, teams_profile))


QUICK_TURNS = 5  # README: "/cme report" and four cards (danger, the child, your concern, send now)


async def quick_report(db_url: str, profile) -> None:
    async with running(db_url, profile) as h:
        sent, turns = await h.say("report"), 1
        card = form_card(sent)
        quick = {**PAGES, "you": {"concern": "Not seen since half term."}, "send": {"next_step": "send"}}
        while any("_draft" in str(c) for s in sent for c in s.cards) and turns <= 12:
            card = form_card(sent)
            if section_of(card) == "send":
                hint = " ".join(b.get("text", "") for b in card["body"])
                assert "minutes" in hint and card["actions"][0]["title"] == "Continue"
            sent, turns = await h.say(value=submission(card, quick[section_of(card)])), turns + 1
        confirmation = next(s for s in sent if "Concern raised" in s.text)
        assert turns <= 12 and turns == QUICK_TURNS, turns
        reference = h.cases()[0].reference
        assert reference in confirmation.text and f"/cme details {reference}" in confirmation.text
        buttons = [a["title"] for card in confirmation.cards for a in card.get("actions", [])]
        assert buttons[0].startswith("Add more detail (about ") and buttons[1] == "Add to this concern"


def test_the_quick_report_by_card_gives_a_reference_in_at_most_12_turns(sqlite_url, teams_profile):
    run(quick_report(sqlite_url, teams_profile))
