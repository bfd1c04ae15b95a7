"""Names, roles and UPNs are checked for what they mean, not only their shape (issue 10 item 3)."""

from __future__ import annotations

import pytest

from handlers.forms.fields import Confirm, Invalid
from handlers.forms.identifiers import NOT_KNOWN_NAME, meaningful_text, parse_name, parse_upn


@pytest.mark.parametrize(
    "name",
    [
        "Zoë",
        "O'Brien-Smith",
        "Zeph (Zephyrine)",
        "Can Yilmaz",
        "Do Thi Mai",
        "Will",
        "Mary Anne",
        "J. R. Hartley",
        "李小龙",
        "Ørsted",
        "Nguyễn",
    ],
)
def test_names_in_any_script_with_hyphens_apostrophes_and_initials(name):
    assert parse_name(name) == name


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("submit", "word the bot uses"),
        ("Cancel", "word the bot uses"),
        ("12345", "no digits"),
        ("Zeph1", "no digits"),
        ("\U0001f600", "emoji"),
        ("Amy \U0001f600", "emoji"),
        ("what counts as CME?", "looks like a question"),
        ("is home education CME", "looks like a question"),
        ("whats cme", "looks like a question"),
        ("can I refer a child", "looks like a question"),
    ],
)
def test_nonsense_is_never_stored_as_a_name_and_the_message_says_what_to_type(typed, why):
    with pytest.raises(Invalid, match=why) as refused:
        parse_name(typed)
    assert not isinstance(refused.value, Confirm)
    assert "type the name in letters" in str(refused.value)


def test_a_name_that_reads_like_a_sentence_is_confirmed_first():
    with pytest.raises(Confirm, match="reads like a sentence") as asked:
        parse_name("she lives with her nan in the flat")
    assert asked.value.value == "she lives with her nan in the flat"
    assert "just the name" in asked.value.fix
    assert parse_name("Mary Anne Smith and John Paul Smith") == "Mary Anne Smith and John Paul Smith"


def test_a_name_nobody_knows_is_recorded_as_not_known():
    assert parse_name("don't know") == NOT_KNOWN_NAME


@pytest.mark.parametrize("typed", ["submit", "12345", "\U0001f44d", "/cme report"])
def test_roles_and_organisations_need_words(typed):
    assert meaningful_text(typed)


def test_a_real_role_passes():
    assert meaningful_text("Year 6 class teacher") is None


# B801200005001: python-stdnum's documented example; M80120000500A computed by hand:
# 8x2 + 1x4 + 2x5 + 5x10 + A(0)x13 = 80; 80 mod 23 = 11 = M.
@pytest.mark.parametrize(
    ("typed", "stored"), [("B801200005001", "B801200005001"), ("m801 2000 0500a", "M80120000500A")]
)
def test_upns_with_the_right_check_letter_are_stored_in_capitals(typed, stored):
    assert parse_upn(typed) == stored


@pytest.mark.parametrize(
    ("typed", "part"),
    [
        ("1", "1 characters long"),
        ("A801200005001", r"check letter \(the first character\) doesn.t match"),
        ("I801200005001", "first character should be the check letter"),
        ("B80120000A001", "Characters 2 to 12 should all be digits"),
        ("B80120000500O", "last character"),
    ],
)
def test_a_wrong_upn_is_refused_naming_the_part_that_is_wrong(typed, part):
    with pytest.raises(Invalid, match=part):
        parse_upn(typed)
