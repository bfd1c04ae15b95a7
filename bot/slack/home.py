"""App Home: a reporter's own concerns and their states; an officer's open cases, urgent first."""

from __future__ import annotations

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
from slack_sdk.models.views import View

from bot.slack.blocks import escape
from bot.slack.ids import Action, button_id
from bot.slack.ids import Block as BlockId
from handlers.casework.home import CaseLine, Home
from handlers.casework.views import case_line, case_list_reply
from handlers.messages import ActionId

MAX_HOME_BLOCKS = 100


def home_view(home: Home) -> dict[str, Any]:
    """The App Home tab for this person (a form in progress first: it is what they came back for)."""
    blocks = _officer(home) if home.staff else _reporter(home)
    if home.form_open:
        blocks = [*_form_open(), *blocks]
    return View(type="home", blocks=blocks[:MAX_HOME_BLOCKS]).to_dict()


def _form_open() -> list[Block]:
    text = "You have a form in progress: nothing has been sent yet. Carry on where you left off."
    button = ButtonElement(
        text="Carry on with it", action_id=button_id(ActionId.OPEN_FORM, 0), value="/cme resume", style="primary"
    )
    return [SectionBlock(block_id=BlockId.FORM_OPEN, text=MarkdownTextObject(text=text), accessory=button)]


def _start_button() -> ActionsBlock:
    button = ButtonElement(text="Raise a concern", action_id=Action.START_REPORT, value="report", style="primary")
    return ActionsBlock(block_id=BlockId.ACTIONS, elements=[button])


def _summary(case: CaseLine) -> str:
    urgent = " · :rotating_light: *urgent*" if case.urgent else ""
    return f"*{case.reference}*{urgent}\n{case.state_text} · raised {case.raised:%-d %b %Y}"


def _reporter(home: Home) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(block_id=BlockId.HOME_HEAD, text="Your CME concerns"),
        SectionBlock(
            text=MarkdownTextObject(
                text="Raise a concern about a child who may be missing education, or type `/cme report` anywhere. "
                "If a child is in immediate danger, call 999."
            )
        ),
        _start_button(),
        DividerBlock(),
    ]
    if not home.cases:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="You haven't raised any concerns yet.")))
    blocks.extend(SectionBlock(text=MarkdownTextObject(text=_summary(case))) for case in home.cases)
    return blocks


def _officer(home: Home) -> list[Block]:
    overdue = "not tracked yet" if home.overdue_enquiries is None else str(home.overdue_enquiries)
    counts = f"*{home.open_count}* open · *{home.urgent_count}* urgent · overdue enquiries: *{overdue}*"
    blocks: list[Block] = [
        HeaderBlock(block_id=BlockId.HOME_HEAD, text="Open CME cases, urgent first"),
        ContextBlock(elements=[MarkdownTextObject(text=counts)]),
        _start_button(),
        DividerBlock(),
    ]
    listing = home.caseload
    if listing is None or not listing.rows:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=case_list_reply(listing).text if listing else "")))
        return blocks
    for row in listing.rows:  # the same lines as /cme cases, each with its Open button
        label, rest = case_line(row, listing.today)
        text = f"*{escape(label)}*\n{escape(rest)}"
        button = ButtonElement(
            text="Open case",
            action_id=button_id(ActionId.OPEN_CASE, 0),
            value=row.reference,
            style="danger" if row.urgent else None,
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text), accessory=None if row.restricted else button))
    if listing.more is not None:
        shown = f"Page {listing.ask.page} of {listing.pages}, {listing.total} open. /cme cases lists them in a DM."
        more = ButtonElement(
            text=f"More (page {listing.ask.page + 1})",
            action_id=button_id(ActionId.CASES_MORE, 0),
            value=f"/cme cases {listing.more}",
        )
        blocks.append(SectionBlock(block_id=BlockId.HOME_MORE, text=MarkdownTextObject(text=shown), accessory=more))
    return blocks
