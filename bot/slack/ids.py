"""Every Slack callback, block and action id the app uses, in one place."""

from __future__ import annotations

import re
from enum import StrEnum

from handlers.casework.short_forms import FORM_ACTIONS
from handlers.messages import ActionId

COMMAND = "/cme"


class Callback(StrEnum):
    """callback_id of each kind of modal."""

    PAGE = "cme_form_page"  # one section of a form
    SIGNPOST = "cme_signpost_step"  # the safeguarding contacts, shown before the next page
    WORKING = "cme_working"  # shown while the core is busy; replaced by views.update
    CASE = "cme_case"  # an officer's view of a case
    DONE = "cme_done"  # confirmation or a message with only a close button
    HELP = "cme_page_help"  # a form page's questions explained, pushed over the page (closing it goes back)


class Block(StrEnum):
    """block_id of fixed blocks (input blocks use the form's field ids)."""

    NOTES = "cme_notes"
    SIGNPOST = "cme_signpost"
    STEP = "cme_step"
    ACTIONS = "cme_actions"
    HOME_HEAD = "cme_home_head"
    FORM_OPEN = "cme_form_open"  # App Home: the form in progress, with a button to carry on
    HOME_MORE = "cme_home_more"  # App Home: the caseload's next page
    PAGE_HELP = "cme_page_help"  # a form page's "Help with these questions" button


class Action(StrEnum):
    """action_id of Slack-only actions; buttons shared with other channels use handlers' ActionId."""

    FIELD = "cme_field"  # every input element of a form page
    START_REPORT = "cme_start_report"
    PAGE_HELP = "cme_page_help"  # a form page's "Help with these questions": pushes the help, changes nothing


def _action_re(actions) -> re.Pattern[str]:
    # Slack wants action ids unique within a block, so buttons carry ":n" after the shared id.
    return re.compile(rf"^({'|'.join(sorted(re.escape(a.value) for a in actions))})(:\d+)?$")


OPEN_CASE_RE = _action_re({ActionId.OPEN_CASE})
# Buttons whose command may show a form (open it again, keep or discard a draft): a modal when it does.
OPEN_FORM_RE = _action_re({ActionId.OPEN_FORM})
# Officer buttons that may need details (snooze, not possible, note, assign, close, reopen): a modal asks.
FORM_RE = _action_re(FORM_ACTIONS)
# The caseload's next page: App Home shows it in place; in a message it is typing its value.
CASES_MORE_RE = _action_re({ActionId.CASES_MORE})
# Every other shared button stands for what it would be to type its value (quick replies, done).
TYPED_RE = _action_re(set(ActionId) - FORM_ACTIONS - {ActionId.OPEN_CASE, ActionId.OPEN_FORM, ActionId.CASES_MORE})


def pressed_action(action_id: str) -> ActionId:
    """The shared ActionId of a Slack action_id ("step_snooze:1" -> STEP_SNOOZE)."""
    return ActionId(action_id.split(":", 1)[0])


def button_id(action: ActionId, index: int) -> str:
    """A unique action_id for the index-th button of a block."""
    return f"{action.value}:{index}"
