"""Whole-form mode (modal pages, cards): same validation, signpost between pages, one case per submission."""

from __future__ import annotations

from sqlmodel import Session, select

from handlers.messages import Address, Channel, Identity, Inbound, ReplyKind
from storage.models import Case
from tests.support import CHILD_MORE_PAGE, CHILD_PAGE

WHO = Identity(Channel.SLACK, "U1", "T1", display_name="Sam Nurse", email="sam@nhs.example.uk")
WHERE = Address(Channel.SLACK, "D1", "U1")
PAGES = {
    "danger": {"immediate_danger": "no"},
    "child": CHILD_PAGE,
    "you": {
        "concern": "Not seen since half term.",
        "referrer_name": "Sam Nurse",
        "referrer_contact": "sam@nhs.example.uk",
    },
    "send": {"next_step": "more"},
    "harm": {"harm_indicators": ["abuse-neglect"]},
    "child-more": CHILD_MORE_PAGE,
    "mash": {"mash_contacted": "yes"},
    "parents": {},
    "school": {},
    "reason": {"reason": "contact-failed", "destination_known": "no"},
    "referrer": {"referrer_role": "School nurse", "referrer_agency": "NHS"},
}


def _send(router, **kwargs):
    return router.handle(Inbound(WHO, WHERE, **kwargs))


def _page(router, view, values):
    return _send(
        router, form_id=view.form_id, form_values={"_draft": view.draft_id, "_section": view.section_id, **values}
    )


def test_pages_in_order_with_signpost_and_one_case_on_double_submit(router, engine):
    replies = _send(router, text="/cme report", wants_form=True)
    view = replies[-1].form
    assert (replies[-1].kind, view.section_id) == (ReplyKind.FORM, "danger")
    seen = []
    while True:
        last_values = PAGES[view.section_id]
        replies = _page(router, view, last_values)
        seen.append(view.section_id)
        if replies[-1].form is None:
            break
        if view.section_id == "harm":
            assert replies[0].kind is ReplyKind.SIGNPOST
        view = replies[-1].form
        if view.section_id == "you":  # the channel's identity fills these in, to be confirmed
            assert view.values == {"referrer_name": "Sam Nurse", "referrer_contact": "sam@nhs.example.uk"}
        if view.section_id == "referrer":
            assert view.values == {"referrer_email": "sam@nhs.example.uk"}
    assert seen == ["danger", "child", "you", "send", "harm", "mash", "child-more", "parents", "school", "reason",
                    "referrer"]  # fmt: skip
    confirmation = next(r for r in replies if r.kind is ReplyKind.CONFIRMATION)
    assert any(r.kind is ReplyKind.SIGNPOST for r in replies)  # the signpost again with the confirmation
    assert confirmation.kind is ReplyKind.CONFIRMATION and confirmation.data["urgent"]
    again = _page(router, view, last_values)
    assert [r.data["reference"] for r in again if r.kind is ReplyKind.CONFIRMATION] == [confirmation.data["reference"]]
    with Session(engine) as session:
        assert len(session.exec(select(Case)).all()) == 1


def test_errors_come_back_on_the_right_field_and_keep_the_page(router):
    view = _send(router, text="/cme report", wants_form=True)[-1].form
    view = _page(router, view, PAGES["danger"])[-1].form
    bad = dict(PAGES["child"], child_dob="2031-01-01", date_last_attended="NOT A DATE")
    replies = _page(router, view, bad)
    errors = replies[-1].form.errors
    assert set(errors) == {"child_dob", "date_last_attended"}
    assert "future" in errors["child_dob"]
    assert replies[-1].form.section_id == "child" and replies[-1].form.values["child_forenames"] == "Zephyrine"


def test_an_age_answered_in_the_chat_is_in_its_box_when_the_draft_becomes_a_page(router):
    for text in ("/cme report", "no", "Zephyrine", "Quillfeather", "9 years old"):
        _send(router, text=text)
    page = _send(router, text="/cme resume", wants_form=True)[-1].form
    assert page.section_id == "child" and page.values["child_age"] == "9"  # as text, for the page's text box
    shown = _page(router, page, {**page.values, "school_name": "Elm Street Primary", "on_roll": "yes"})
    assert shown[-1].form.section_id == "you"
