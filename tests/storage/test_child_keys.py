"""The search keys agree however a name or an address was typed (case, accents, hyphens, St or Street)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from storage.child_keys import address_key, child_keys, fold, is_placeholder_name, name_words, parent_keys

NAMES = st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=12)


@given(NAMES, NAMES)
@example("X", "X")  # "X X" is how a form says "not known" (a placeholder): no name, so no keys
def test_a_name_is_found_by_each_part_and_joined_whatever_its_case_or_hyphen(first, second):
    for one, two in ((first, second), (first.upper(), second.lower())):
        for typed in (f"{one}-{two}", f"{one} {two}"):
            words = name_words(typed)
            if is_placeholder_name(typed):
                assert words == set()
                continue
            assert set(fold(one).split()) | set(fold(two).split()) <= words
            assert all(word == fold(word).replace(" ", "") for word in words)  # keys are already folded


def test_accents_apostrophes_and_hyphens_fold_to_the_same_keys():
    assert name_words("Zoë O'Neill") == name_words("zoe oneill") | {"o", "neill"}
    assert "testchild" in name_words("Test-Child") and "testchild" in name_words("TESTCHILD")


@given(st.sampled_from(["St", "St.", "Street", "STREET", "st"]), st.sampled_from(["BL9 0EJ", "bl90ej", " BL9  0EJ "]))
def test_an_address_typed_differently_is_one_household(street, postcode):
    assert address_key(postcode, f"12 Elm {street}, Bury\nLancashire") == "BL90EJ|12 elm street"


def test_no_household_or_sibling_key_without_an_address():
    assert address_key(None, "12 Elm Street") is None and address_key("BL9 0EJ", "") is None
    assert parent_keys("Orla Testchild", None) == set()
    keys = child_keys({"forenames": "Ava", "surname": None, "parent_names": "Orla and Sam", "postcode": None})
    assert keys == {("name", "ava")}
    both = parent_keys("Orla Testchild & Sam Byrne / Mum", "BL90EJ|12 elm street")
    assert both == {f"{name}|BL90EJ|12 elm street" for name in ("orla testchild", "sam byrne", "mum")}
