"""Every Slack callback, block and action id the app uses, in one place."""

from __future__ import annotations

import re
from enum import StrEnum

from handlers.messages import ActionId

COMMAND = "/cme"


class Callback(StrEnum):
    """callback_id of each kind of modal."""

    PAGE = "cme_form_page"  # one section of a form
    SIGNPOST = "cme_signpost_step"  # the safeguarding contacts, shown before the next page
    WORKING = "cme_working"  # shown while the core is busy; replaced by views.update
    CASE = "cme_case"  # an officer's view of a case
    DONE = "cme_done"  # confirmation or a message with only a close button


class Block(StrEnum):
    """block_id of fixed blocks (input blocks use the form's field ids)."""

    NOTES = "cme_notes"
    SIGNPOST = "cme_signpost"
    STEP = "cme_step"
    ACTIONS = "cme_actions"
    HOME_HEAD = "cme_home_head"


class Action(StrEnum):
    """action_id of Slack-only actions; buttons shared with other channels use handlers' ActionId."""

    FIELD = "cme_field"  # every input element of a form page
    START_REPORT = "cme_start_report"


# Slack wants action ids unique within a block, so buttons carry ":n" after the shared id.
OPEN_CASE_RE = re.compile(rf"^{ActionId.OPEN_CASE.value}(:\d+)?$")
# Every other shared button stands for what it would be to type its value (quick replies, officer actions).
TYPED_RE = re.compile(
    rf"^({'|'.join(re.escape(a.value) for a in ActionId if a is not ActionId.OPEN_CASE)})(:\d+)?$"
)


def button_id(action: ActionId, index: int) -> str:
    """A unique action_id for the index-th button of a block."""
    return f"{action.value}:{index}"
