"""The terminal chat fed random lines in a form and outside one: always replies, never raises.

In-process, so hypothesis can try hundreds of lines; tests/bot/test_terminal_chat.py drives the real
process (bytes on stdin, the database going away, restarts).
"""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.terminal import Chat
from handlers.commands import build_router
from handlers.messages import Address, Channel, Identity

# Any code point (what a pipe or a paste may bring), weighted to what broke something before.
CHARACTERS = st.one_of(st.characters(exclude_categories=()), st.sampled_from("\x00\ufffd\udc80²ß\r\t?"))
LINES = st.lists(
    st.one_of(
        st.text(CHARACTERS, max_size=40),
        st.sampled_from(["back", "skip", "cancel", "submit", "change 1", "/cme help", "/cme status", "?"]),
    ),
    min_size=1,
    max_size=6,
)


def _chat(core) -> Chat:
    user = f"fuzz-{uuid.uuid4().hex[:8]}"
    return Chat(
        core, build_router(core), Identity(Channel.TERMINAL, user), Address(Channel.TERMINAL, f"dm:{user}", user)
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=LINES, in_form=st.booleans())
def test_random_lines_always_get_replies_each_one_json_line(core, lines, in_form):
    chat = _chat(core)
    chat.start(interactive=False)
    if in_form:
        chat.say("/cme report")
    for line in lines:
        replies = chat.say(line)
        assert replies, f"no reply to {line!r}"
        for reply in replies:
            assert "\n" not in json.dumps(reply.to_dict(), ensure_ascii=False)  # --json: one object per line
    assert not chat.down


def test_exit_with_a_form_open_says_the_answers_are_kept_for_how_long_and_how_to_carry_on(core):
    chat = _chat(core)
    chat.start(interactive=False)
    assert chat.leave() == []  # nothing open: exit just leaves
    chat.say("/cme report")
    chat.say("no")  # the quick report asks first whether the child is in danger now
    chat.say("Zephyrine")
    (left,) = chat.leave()
    hours = core.profile.drafts.idle_limit_hours
    assert f"kept for {hours:g} hours" in left.text and "/cme resume" in left.text
    assert "nothing has been sent" in left.text
    again = chat.say("/cme resume")  # the next chat carries on at the same question
    assert again[-1].question.field_id == "child_surname"
