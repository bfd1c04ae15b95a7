"""Replies as Block Kit: every button reachable, within Slack's limits."""

from __future__ import annotations

from bot.slack.blocks import reply_blocks
from handlers.messages import Button, Reply


def _elements(blocks) -> list:
    return [e for b in blocks if b.type == "actions" for e in b.elements]


def test_a_long_plan_keeps_every_button_with_unique_ids():
    buttons = tuple(
        Button(f"{v} {n}", f"/cme {v.lower()} X {n}") for n in range(1, 10) for v in ("Done", "Snooze", "Skip")
    )
    blocks = reply_blocks(Reply("Plan", title="Enquiry plan", buttons=buttons))
    elements = _elements(blocks)
    assert [e.text.text for e in elements] == [b.label for b in buttons]
    assert len({e.action_id for e in elements}) == len(elements)
    assert all(len(b.elements) <= 25 for b in blocks if b.type == "actions")


def test_a_few_buttons_share_one_row():
    blocks = reply_blocks(Reply("Case", buttons=(Button("Done", "d"), Button("Snooze", "s"))))
    assert [len(b.elements) for b in blocks if b.type == "actions"] == [2]
