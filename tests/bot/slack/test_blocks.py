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


def test_a_digest_of_twenty_cases_is_shown_whole_in_sections_with_a_button_each():
    import datetime as dt
    from types import SimpleNamespace

    from bot.slack.blocks import alert_blocks
    from handlers.casework.digest import Digest, digest_message, group_by_case, outbox_row, reply_of

    today = dt.date(2026, 12, 10)
    rows = [
        SimpleNamespace(
            id=case * 10 + step,
            case_id=case,
            reference=f"CME-2026-{case:04d}",
            urgent=case % 3 == 0,
            restricted=False,
            step_id=f"step-{step}",
            position=step,
            due_on=today - dt.timedelta(days=step),
            title="Check with agencies (social care, health, housing, police, youth justice)",
        )
        for case in range(1, 21)
        for step in range(5)
    ]
    text, payload = digest_message(Digest(mine=group_by_case(rows)), today=today)
    assert len(text) > 3000  # more than one section holds
    row = outbox_row("reminder.digest", "k", {"channel": "slack"}, text, payload, now=dt.datetime.now(dt.UTC))
    blocks = alert_blocks(reply_of(row))
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(part) <= 3000 for part in sections) and len(blocks) <= 50
    shown = "\n".join(sections)
    assert all(f"CME-2026-{case:04d}" in shown for case in range(1, 21)) and "…" not in shown
    opened = [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert opened == [f"/cme case {item['reference']}" for item in payload["cases"]] and len(opened) == 20
