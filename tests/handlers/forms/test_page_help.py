"""Help on a whole-form page (a Slack modal, a Teams card): the core puts each question's help in the FormView.

Table-driven over the router's forms, so a new form or page is covered at once: every question of every page
gets its terms explained with their sources, or "there is no more to say" with its hint; never "I don't know".
"""

from __future__ import annotations

from handlers.commands import build_router
from handlers.core import Core
from handlers.forms.help import NOTHING_MORE, page_help
from handlers.forms.whole_form import help_for
from handlers.knowledge.glossary import terms_in
from handlers.knowledge.profile import bundled_profile
from handlers.messages import ActionId, Address, Channel, Identity, Inbound, ReplyKind
from handlers.referral.form import REFERRAL
from storage.db import make_engine
from tests.handlers.casework.test_cases import raise_case
from tests.handlers.casework.test_short_forms import card_press, submit

NEVER = ("I don't know", "rather not guess", "not sure what")
# Every kind of form shown a page at a time: the referral, the reporter's and officer's forms, the school's notices.
PAGED = {"cme-referral", "school-deletion", "school-new-pupil", "cme-check", "reporter_add", "reporter_ask"}


def _words(field) -> str:
    return " ".join([field.label, field.help or "", *(c.label for c in field.options)])


def test_every_question_of_every_page_of_every_form_has_help_never_i_dont_know():
    router = build_router(Core(engine=make_engine("sqlite://"), profile=bundled_profile()))  # no database used
    specs = {flow.spec.id: flow.spec for flow in router.flows.values()}
    assert set(specs) >= PAGED, sorted(specs)
    for spec in specs.values():
        for section in spec.sections:
            helped = help_for(spec, section.id)
            assert [h.field_id for h in helped] == [f.id for f in section.fields], (spec.id, section.id)
            explained: set[str] = set()
            for field, question in zip(section.fields, helped, strict=True):
                where = f"{spec.id}.{section.id}.{field.id}"
                text = "\n".join(question.lines)
                assert question.label == field.label and question.lines and all(question.lines), where
                assert not any(words in text for words in NEVER), where
                terms = terms_in(_words(field))
                if not terms:
                    assert text.startswith(NOTHING_MORE), where
                for term in terms:  # each term explained with its source, once a page
                    assert term.term in text, where
                    assert ("Source:" in text) or term.id in explained, where
                    explained.add(term.id)


def test_the_transfer_question_explains_s2s_and_the_ctf_with_their_sources():
    school = {h.field_id: h for h in help_for(REFERRAL, "school")}
    s2s = "\n".join(school["s2s_status"].lines)
    assert "common transfer file" in s2s.lower() and "School to School" in s2s
    assert "Lost Pupil Database" in s2s and s2s.count("(Source: ") == 2
    assert school["date_last_seen"].lines == (f"{NOTHING_MORE} Optional: you may leave it empty.",)


def test_a_question_without_terms_says_so_with_what_to_put():
    parents = {h.field_id: h for h in help_for(REFERRAL, "parents")}
    assert parents["parent_phone"].lines == (
        f"{NOTHING_MORE} A phone number with its area code. Optional: you may leave it empty.",
    )
    (alone,) = page_help([REFERRAL.field("child_upn")])
    assert alone.lines[0].startswith("UPN (unique pupil number): ") and "Source:" in alone.lines[0]


def test_a_term_two_questions_of_a_page_use_is_explained_once():
    you = help_for(REFERRAL, "you")
    explained = [line for h in you for line in h.lines if line.startswith("CME (children missing education)")]
    assert len(explained) == 2 and explained[1] == "CME (children missing education): explained above."


def test_pages_shown_by_the_core_carry_their_help_first_page_next_page_and_errors(router):
    who = Identity(Channel.SLACK, "U0HELP", "T0")
    where = Address(Channel.SLACK, "U0HELP", "U0HELP")
    first = router.handle(Inbound(who, where, text="/cme report", wants_form=True))[-1].form
    assert first is not None and first.help == help_for(REFERRAL, first.section_id)
    wrong = submit(router, first, {}, who=who)[-1].form  # the danger question left empty: the page again
    assert wrong.errors and wrong.help == first.help
    following = submit(router, first, {"immediate_danger": "no"}, who=who)[-1].form
    assert following.section_id == "child" and [h.field_id for h in following.help][:2] == [
        "child_forenames",
        "child_surname",
    ]


def test_an_officers_short_form_page_carries_its_help(router):
    reference = raise_case(router)
    opened = card_press(router, f"/cme snooze {reference} letter", ActionId.STEP_SNOOZE)
    page = opened[-1]
    assert page.kind is ReplyKind.FORM and [h.field_id for h in page.form.help] == ["until", "reason"]
