"""Block Kit for messages: any list of Replies as blocks, and the plain-text fallback Slack shows in alerts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.ids import button_id
from handlers.messages import ActionId, Button, Reply, ReplyKind

MAX_MESSAGE_BLOCKS = 50
SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
LOUD = {ReplyKind.SIGNPOST: ":rotating_light:", ReplyKind.ALERT: ":rotating_light:", ReplyKind.ERROR: ":warning:"}


def escape(text: str) -> str:
    """Text as Slack mrkdwn shows it literally (&, <, > are control characters there)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reply_blocks(reply: Reply, *, buttons: bool = True) -> list[Block]:
    """One Reply as blocks: signposts and alerts get a header so they are never missed."""
    blocks: list[Block] = []
    title = reply.title or ("Important" if reply.kind in (ReplyKind.SIGNPOST, ReplyKind.ALERT) else None)
    if title and reply.kind in LOUD:
        blocks.append(HeaderBlock(text=_clip(f"{LOUD[reply.kind]} {title}", HEADER_LIMIT)))
    elif title:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_clip(f"*{escape(title)}*", SECTION_TEXT_LIMIT))))
    text = escape(reply.text)
    if reply.kind is ReplyKind.ERROR and not title:
        text = f"{LOUD[ReplyKind.ERROR]} {text}"
    blocks.extend(SectionBlock(text=MarkdownTextObject(text=part)) for part in text_sections(text))
    if reply.facts:
        lines = "\n".join(f"• *{escape(label)}*: {escape(value)}" for label, value in reply.facts)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_clip(lines, SECTION_TEXT_LIMIT))))
    if buttons and reply.buttons:
        blocks.extend(_button_rows(reply.buttons))
    return blocks


def text_sections(text: str) -> list[str]:
    """Text in pieces of at most a section's 3,000 characters, cut between lines (a long digest stays whole)."""
    parts, current = [], ""
    for line in text.split("\n"):
        line = _clip(line, SECTION_TEXT_LIMIT)
        if current and len(current) + 1 + len(line) > SECTION_TEXT_LIMIT:
            parts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    return [*parts, current]


def _button_rows(buttons: tuple[Button, ...]) -> list[ActionsBlock]:
    # An actions block holds at most 25 elements; a case plan has three buttons a step, so a long
    # list goes in rows of three (one step a row) and every button stays reachable.
    elements = [_button(b, i) for i, b in enumerate(buttons)]
    size = len(elements) if len(elements) <= ROW_AT_MOST else 3
    return [ActionsBlock(elements=elements[i : i + size]) for i in range(0, len(elements), size)]


ROW_AT_MOST = 5  # up to this many buttons share one row


def _button(button: Button, index: int) -> ButtonElement:
    return ButtonElement(
        text=_clip(button.label, 75),
        action_id=button_id(button.action_id, index),
        value=button.value[:2000],
        style=button.style,
    )


def message_blocks(replies: list[Reply]) -> list[dict[str, Any]]:
    """A turn's replies as one message, signposts first, within Slack's 50 blocks."""
    ordered = sorted(replies, key=lambda r: r.kind is not ReplyKind.SIGNPOST)
    blocks: list[Block] = []
    for index, reply in enumerate(ordered):
        if index:
            blocks.append(DividerBlock())
        blocks.extend(reply_blocks(reply))
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        blocks = [*blocks[: MAX_MESSAGE_BLOCKS - 1], ContextBlock(elements=[MarkdownTextObject(text="(shortened)")])]
    return [b.to_dict() for b in blocks]


def fallback_text(replies: list[Reply]) -> str:
    """The plain text Slack shows in notifications and screen readers (titles first)."""
    first = next((r for r in replies if r.kind is ReplyKind.SIGNPOST), replies[0] if replies else None)
    if first is None:
        return ""
    return _clip(f"{first.title}: {first.text}" if first.title else first.text, 3000)


def alert_blocks(reply: Reply) -> list[dict[str, Any]]:
    """An officer notification or reminder: the text (references and urgency only), its buttons, and "Open case"."""
    buttons = list(reply.buttons)
    reference = reply.data.get("reference")
    if reference and not any(b.action_id is ActionId.OPEN_CASE for b in buttons):
        style = "danger" if reply.data.get("urgent") else None
        buttons.append(Button("Open case", str(reference), ActionId.OPEN_CASE, style))
    blocks = reply_blocks(replace(reply, buttons=tuple(buttons)))
    return [b.to_dict() for b in blocks]


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """A Reply as JSON for an outbox payload (rendered later by the sender): its buttons and data go too."""
    return {
        "kind": reply.kind.value,
        "text": reply.text,
        "title": reply.title,
        "facts": [list(f) for f in reply.facts],
        "buttons": [[b.label, b.value, b.action_id.value, b.style] for b in reply.buttons],
        "data": reply.data,
    }


def reply_from_json(data: dict[str, Any]) -> Reply:
    """Inverse of reply_to_json (rows queued before buttons were kept have none)."""
    facts = tuple((str(a), str(b)) for a, b in data.get("facts") or ())
    buttons = tuple(Button(text, value, ActionId(kind), style) for text, value, kind, style in data.get("buttons", ()))
    return Reply(
        data["text"],
        kind=ReplyKind(data["kind"]),
        title=data.get("title"),
        facts=facts,
        buttons=buttons,
        data=dict(data.get("data") or {}),
    )
