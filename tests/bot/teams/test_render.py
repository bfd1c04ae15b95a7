"""Replies as Teams cards: every button reachable even when a case plan has many."""

from __future__ import annotations

from bot.teams.render import MAX_CARD_ACTIONS, reply_card
from handlers.messages import Button, Reply


def _titles(card: dict) -> list[str]:
    titles = [a["title"] for a in card.get("actions", [])]
    for element in card["body"]:
        if element.get("type") == "ActionSet":
            assert len(element["actions"]) <= MAX_CARD_ACTIONS
            titles += [a["title"] for a in element["actions"]]
    return titles


def test_few_buttons_are_card_actions():
    card = reply_card(
        Reply("Case", title="Case"), (Button("Done", "/cme done X 1"), Button("Snooze", "/cme snooze X 1"))
    )
    assert [a["title"] for a in card["actions"]] == ["Done", "Snooze"]


def test_a_long_plan_keeps_every_button_in_rows():
    buttons = tuple(
        Button(f"{verb} {n}", f"/cme {verb.lower()} X {n}") for n in range(1, 10) for verb in ("Done", "Snooze", "Skip")
    )
    card = reply_card(Reply("Plan", title="Enquiry plan"), buttons)
    assert "actions" not in card
    assert _titles(card) == [b.label for b in buttons]
