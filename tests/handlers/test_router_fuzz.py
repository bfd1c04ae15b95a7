"""Property: whatever arrives at whatever question of the referral (chat or a whole form open), the router answers.

Any text (unicode, lone surrogates, NUL, digit strings past Python's int() limit, commands) gets at
least one reply and never an exception; with a whole form open, the answer always ends with a way back to the form.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from handlers.messages import ActionId, Address, Channel, Identity, Inbound, ReplyKind
from handlers.referral.form import REFERRAL
from storage.queries import conversation_of, save_conversation
from tests.support import ANSWERED_BY_DEFAULT, CALM_REFERRAL, Person

FUZZ = Identity(Channel.TERMINAL, "fuzz", "local", display_name="Alice Teacher")
WORDS = ("submit", "yes", "no", "not sure", "back", "skip", "help", "?", "change 3", "/cme contacts", "contacts")
TEXT = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=20),  # surrogates and control characters
    st.integers(4000, 6000).map(lambda n: "9" * n),
    st.integers(4000, 6000).map(lambda n: "change " + "9" * n),
    st.sampled_from(WORDS),
    st.text(max_size=30).map(lambda t: f"/cme {t}"),
    st.text(max_size=30).map(lambda t: f"{t}\x00{t}"),
)


def _snapshots(router, engine) -> dict[str, dict]:
    """The referral's draft at each question it asks (and at the review), walked once with calm answers."""
    walker = Person(router, user="walker")
    walker.say("/cme report")
    states: dict[str, dict] = {}
    for _ in range(80):
        with Session(engine) as session:
            row = conversation_of(session, "terminal:local:walker")
            if row is None or row.state.get("stage") == "review":
                states["review"] = row.state if row is not None else states.get("review")
                break
            states[row.state.get("field") or row.state["stage"]] = row.state
        last = walker.heard[-1]
        field_id = last.question.field_id if last.question is not None else None
        walker.say({**ANSWERED_BY_DEFAULT, **CALM_REFERRAL}.get(field_id, "skip") if field_id else "1")
    return {k: v for k, v in states.items() if v is not None}


def _restore(engine, key: str, flow: str, state: dict, now) -> None:
    with Session(engine) as session:
        save_conversation(session, user_key=key, flow=flow, state=state, now=now)
        session.commit()


def test_any_text_at_any_question_of_a_chat_referral_gets_a_reply(router, engine, clock):
    snapshots = _snapshots(router, engine)
    assert {"immediate_danger", "child_forenames", "child_dob", "on_roll", "next_step", "review"} <= set(snapshots)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(at=st.sampled_from(sorted(snapshots)), text=TEXT)
    def answers(at: str, text: str) -> None:
        _restore(engine, FUZZ.key, REFERRAL.id, snapshots[at], clock())
        replies = router.handle(Inbound(FUZZ, Address(Channel.TERMINAL, "dm:fuzz", "fuzz"), text=text))
        assert replies and all(r.text for r in replies)

    answers()


def test_any_text_with_a_whole_form_open_gets_an_answer_and_a_way_back_to_the_form(router, engine, clock):
    sam = Identity(Channel.SLACK, "U1", "T1", display_name="Sam Nurse")
    where = Address(Channel.SLACK, "D1", "U1")
    router.handle(Inbound(sam, where, text="/cme report", wants_form=True))
    with Session(engine) as session:
        state = conversation_of(session, sam.key).state

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=TEXT)
    def answers(text: str) -> None:
        _restore(engine, sam.key, REFERRAL.id, state, clock())
        replies = router.handle(Inbound(sam, where, text=text))
        assert replies
        words = text.lower().split()
        if words[:1] in (["cancel"], ["discard"], ["keep"]) or words[1:2] in (["cancel"], ["discard"], ["keep"]):
            return  # the person asked to end or set aside the form: nothing to offer back
        if any("can't store" in r.text for r in replies):
            return  # refused before anything was done (storage's guard): the form is untouched
        last = replies[-1]
        offered = any(b.action_id is ActionId.OPEN_FORM for b in last.buttons)
        assert offered or last.kind in (ReplyKind.QUESTION, ReplyKind.FORM), (text, last.text)

    answers()


def test_any_text_with_no_form_open_gets_a_reply(router):
    who = Identity(Channel.TERMINAL, "nobody", "local")
    where = Address(Channel.TERMINAL, "dm:nobody", "nobody")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=st.one_of(TEXT, st.sampled_from(("/cme keep", "/cme discard", "/cme resume", "/cme cancel"))))
    def answers(text: str) -> None:
        router.handle(Inbound(who, where, text="/cme cancel"))  # whatever the last example started, nothing open
        replies = router.handle(Inbound(who, where, text=text))
        assert replies and all(r.text for r in replies)

    answers()
