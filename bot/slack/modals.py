"""Block Kit modals rendered from a FormSpec section (a FormView), and the modal steps around it.

Fields whose `when` depends on answers on the same page appear and disappear as the person
answers: the answers they depend on dispatch a block action and the page is re-rendered.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    EmailInputElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.blocks import escape, reply_blocks, text_sections
from bot.slack.ids import Action, Callback
from bot.slack.ids import Block as BlockId
from handlers.forms.fields import MAX_LONG_TEXT, MAX_TEXT, Kind
from handlers.forms.spec import Field, FormSpec, Section
from handlers.messages import FormView, QuestionHelp, Reply, ReplyKind
from handlers.referral.form import FORM_ID as REFERRAL_ID

MAX_VIEW_BLOCKS = 100
METADATA_LIMIT = 3000
RADIO_LIMIT = 5  # more options than this read better as a menu
CHECKBOX_LIMIT = 10  # Slack's limit for checkboxes
REFERRAL_TITLE = "CME concern"  # the referral's own title is longer than a modal's 24 characters
HELP_BUTTON = "Help with these questions"
HELP_TITLE = "Help with questions"  # "Help with these questions" is 25 characters, one more than a title takes
HELP_CLOSE = "Back to the form"
HELP_INTRO = "What the words in these questions mean, and where that comes from. Your answers are kept: press "
HELP_INTRO += f"'{HELP_CLOSE}' to carry on."


def _title(text: str) -> str:
    return text if len(text) <= 24 else text[:23] + "…"


def form_title(spec: FormSpec) -> str:
    """A form's modal title: the referral's short one, else the form's own (the officer's short forms)."""
    return REFERRAL_TITLE if spec.id == REFERRAL_ID else _title(spec.title)


def page_view(spec: FormSpec, form: FormView, notes: list[Reply] | None = None) -> dict[str, Any]:
    """One section of the form as a modal page, with notes (triage, alerts) above the questions."""
    if not (notes or form.values or form.errors or form.hints):
        # Blank pages are the same for everyone but their ids, and rendering them is most of a /cme report's CPU.
        return {**_blank_page(spec, form.section_id, form.step), "private_metadata": encode_form(form)}
    return _render_page(spec, form, notes)


_BLANK_PAGES: dict[tuple[str, str, tuple[int, int]], dict[str, Any]] = {}


def _blank_page(spec: FormSpec, section_id: str, step: tuple[int, int]) -> dict[str, Any]:
    key = (spec.id, section_id, step)  # specs are module constants: their id names them
    if key not in _BLANK_PAGES:
        _BLANK_PAGES[key] = _render_page(spec, FormView(spec.id, section_id, "", step=step), None)
    return _BLANK_PAGES[key]


def _render_page(spec: FormSpec, form: FormView, notes: list[Reply] | None) -> dict[str, Any]:
    section = next(s for s in spec.sections if s.id == form.section_id)
    blocks: list[Block] = []
    for note in notes or []:
        blocks.extend(reply_blocks(note, buttons=False))
    page, pages = form.step
    blocks.append(HeaderBlock(block_id=BlockId.STEP, text=section.title[:150]))
    if pages > 1:
        blocks.append(_context(f"Page {page} of {pages}. Optional questions say so."))
    blocks.append(_help_button())
    dispatching = controllers(section)
    for field in visible_fields(section, form.values):
        blocks.append(_input(field, form.values.get(field.id), dispatch=field.id in dispatching))
        if field.id in form.hints:  # words from the answers so far ("about 7 minutes")
            blocks.append(_context(escape(form.hints[field.id])))
        if field.id in form.errors:
            blocks.append(_context(f":warning: {escape(form.errors[field.id])}"))
    last = page == pages
    view = View(
        type="modal",
        callback_id=Callback.PAGE,
        title=form_title(spec),
        submit=section.submit or (("Send" if spec.id == REFERRAL_ID else "Save") if last else "Next"),
        close="Cancel",
        blocks=blocks[:MAX_VIEW_BLOCKS],
        private_metadata=encode_form(form),
        notify_on_close=True,  # closing it keeps the draft: the DM then says how to carry on or discard it
    )
    return view.to_dict()


def _help_button() -> ActionsBlock:
    # Pressing it pushes the page's help over the page (pages.show_help): nothing is sent or changed.
    button = ButtonElement(text=HELP_BUTTON, action_id=Action.PAGE_HELP, value="help")
    return ActionsBlock(block_id=BlockId.PAGE_HELP, elements=[button])


def help_view(title: str, questions: tuple[QuestionHelp, ...]) -> dict[str, Any]:
    """A page's questions explained, read-only, for views.push over the page: closing it shows the page again."""
    blocks: list[Block] = [HeaderBlock(text=title[:150]), _context(escape(HELP_INTRO))]
    for question in questions:
        lines = [f"*{escape(question.label)}*", *(f"• {escape(line)}" for line in question.lines)]
        # A long explanation is cut between lines into sections of at most 3,000 characters (Slack's limit).
        blocks.extend(SectionBlock(text=MarkdownTextObject(text=part)) for part in text_sections("\n".join(lines)))
    if len(blocks) > MAX_VIEW_BLOCKS:
        more = "There is more: type `help` at a question in the chat with the bot to read it."
        blocks = [*blocks[: MAX_VIEW_BLOCKS - 1], _context(more)]
    # No notify_on_close: closing the help is not closing the form (that would tell the DM the form was left).
    view = View(type="modal", callback_id=Callback.HELP, title=HELP_TITLE, close=HELP_CLOSE, blocks=blocks)
    return view.to_dict()


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def visible_fields(section: Section, values: dict[str, Any]) -> list[Field]:
    """The fields to show given the answers on the page so far.

    Only conditions on this page's own answers hide a field here; conditions on earlier pages were
    applied by the core when it chose to show the page.
    """
    answers = {f.id: _as_answer(f, values.get(f.id)) for f in section.fields if f.id in values}
    own = {f.id for f in section.fields}
    return [f for f in section.fields if f.when is None or not (_reads(f) & own) or f.visible(answers)]


def controllers(section: Section) -> set[str]:
    """Fields on the page whose answers show or hide others on it (they re-render the page when changed)."""
    own = {f.id for f in section.fields}
    return {key for f in section.fields if f.when is not None for key in _reads(f)} & own


class _Spy(dict):
    # Records which answers a `when` condition reads, to tell page-local conditions from earlier pages'.
    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return default

    def __getitem__(self, key):
        self.read.add(key)
        raise KeyError(key)


def _reads(field: Field) -> set[str]:
    spy = _Spy()
    with contextlib.suppress(Exception):  # a condition failing on empty answers has still told us what it reads
        field.when(spy)
    return spy.read


def _as_answer(field: Field, raw: Any) -> Any:
    # Enough parsing for `when` conditions: they look at yes/no and choice values only.
    if field.kind is Kind.YES_NO and isinstance(raw, str):
        return {"yes": True, "no": False}.get(raw.lower(), raw)  # "unknown" stays as the stored value
    return raw


def _input(field: Field, value: Any, *, dispatch: bool) -> InputBlock:
    element = _element(field, value)
    return InputBlock(
        block_id=field.id,
        label=field.label[:2000],
        element=element,
        hint=field.help[:2000] if field.help else None,
        # Fields that come and go are checked by the core, which knows when they apply.
        optional=not field.required or field.when is not None,
        dispatch_action=dispatch,
    )


def _options(field: Field) -> list[Option]:
    return [Option(value=c.value, label=c.label[:75]) for c in field.options]  # yes/no: Yes, No (Not known)


def _element(field: Field, value: Any):
    kind = field.kind
    if kind is Kind.DATE:
        return DatePickerElement(action_id=Action.FIELD, initial_date=_iso_date(value))
    if kind is Kind.EMAIL:
        return EmailInputElement(action_id=Action.FIELD, initial_value=value if isinstance(value, str) else None)
    if kind in (Kind.CHOICE, Kind.YES_NO):
        return _single(field, value)
    if kind is Kind.MULTI_CHOICE:
        options = _options(field)
        chosen = [o for o in options if isinstance(value, list) and o.value in value] or None
        if len(options) <= CHECKBOX_LIMIT:
            return CheckboxesElement(action_id=Action.FIELD, options=options, initial_options=chosen)
        return StaticMultiSelectElement(
            action_id=Action.FIELD, options=options, initial_options=chosen, placeholder="Choose all that apply"
        )
    text = value if isinstance(value, str) else None
    long = kind is Kind.LONG_TEXT
    return PlainTextInputElement(
        action_id=Action.FIELD, multiline=long, max_length=MAX_LONG_TEXT if long else MAX_TEXT, initial_value=text
    )


def _single(field: Field, value: Any):
    options = _options(field)
    if field.kind is Kind.YES_NO and isinstance(value, bool):
        value = "yes" if value else "no"
    chosen = next((o for o in options if o.value == value), None)
    if len(options) <= RADIO_LIMIT:
        return RadioButtonsElement(action_id=Action.FIELD, options=options, initial_option=chosen)
    return StaticSelectElement(action_id=Action.FIELD, options=options, initial_option=chosen, placeholder="Choose one")


def _iso_date(value: Any) -> str | None:
    try:
        return dt.date.fromisoformat(value).isoformat() if isinstance(value, str) else None
    except ValueError:
        return None


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """What the person entered on a page, as the core's raw form values (strings, lists for multi-choice)."""
    values: dict[str, Any] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        state = actions.get(Action.FIELD)
        if state is not None:
            values[block_id] = _state_value(state)
    return values


def _state_value(state: dict[str, Any]) -> Any:
    kind = state.get("type")
    if kind == "datepicker":
        return state.get("selected_date")
    if kind in ("radio_buttons", "static_select"):
        return (state.get("selected_option") or {}).get("value")
    if kind in ("checkboxes", "multi_static_select"):
        return [o["value"] for o in state.get("selected_options") or []]
    return state.get("value")


def encode_form(form: FormView) -> str:
    """private_metadata for a page: enough to submit it to the core (and to show it after a signpost)."""
    data = {"f": form.form_id, "s": form.section_id, "d": form.draft_id, "p": list(form.step), "v": form.values}
    text = json.dumps(data, separators=(",", ":"), default=str)
    if len(text) > METADATA_LIMIT:  # prefilled values are a nicety; the ids must fit
        text = json.dumps({**data, "v": {}}, separators=(",", ":"))
    return text


class PageMetadata(BaseModel):
    """A form page's private_metadata as encode_form writes it (f, s, d, p, v), checked before it is used."""

    model_config = ConfigDict(strict=True)

    f: str
    s: str
    d: str
    p: tuple[int, int]
    v: dict[str, Any] = {}


def decode_form(metadata: str) -> FormView | None:
    """Inverse of encode_form (None for metadata that isn't a form page)."""
    try:
        data = PageMetadata.model_validate_json(metadata or "{}")
    except ValidationError:
        return None
    return FormView(data.f, data.s, data.d, values=dict(data.v), step=data.p)


def signpost_view(signposts: list[Reply], notes: list[Reply], following: FormView) -> dict[str, Any]:
    """The safeguarding step: who to call now, before the next page (which the metadata carries)."""
    blocks: list[Block] = [b for reply in signposts for b in reply_blocks(reply, buttons=False)]
    for note in notes:
        blocks.extend(reply_blocks(note, buttons=False))
    carry_on = "When you have made the call, press Continue to finish the referral."
    blocks.append(SectionBlock(block_id=BlockId.SIGNPOST, text=MarkdownTextObject(text=carry_on)))
    view = View(
        type="modal",
        callback_id=Callback.SIGNPOST,
        title=_title("Act now: child at risk"),
        submit="Continue",
        close="Close",
        blocks=blocks[:MAX_VIEW_BLOCKS],
        private_metadata=encode_form(following),
        notify_on_close=True,
    )
    return view.to_dict()


def message_view(
    replies: list[Reply], *, title: str, callback: Callback = Callback.DONE, buttons: bool = False
) -> dict[str, Any]:
    """Replies in a modal with only a close button (confirmation, a case, an error), signposts first.

    `buttons`: show the replies' buttons (a case's officer actions); a form's answers never have any.
    """
    ordered = sorted(replies, key=lambda r: r.kind is not ReplyKind.SIGNPOST)
    blocks: list[Block] = [b for reply in ordered for b in reply_blocks(reply, buttons=buttons)]
    view = View(type="modal", callback_id=callback, title=_title(title), close="Close", blocks=blocks[:MAX_VIEW_BLOCKS])
    return view.to_dict()


@functools.lru_cache(maxsize=8)
def working_view(text: str = "Working on it: this takes a moment.") -> dict[str, Any]:
    """A placeholder shown at once (the trigger id expires in 3 s) and replaced when the core answers (cached)."""
    blocks = [SectionBlock(text=MarkdownTextObject(text=f":hourglass_flowing_sand: {escape(text)}"))]
    return View(type="modal", callback_id=Callback.WORKING, title="CME", close="Close", blocks=blocks).to_dict()
