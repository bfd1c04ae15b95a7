"""The bundled list of English local authorities and finding the one an officer means (never a guess)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.knowledge.councils import Found, councils, find, normal
from handlers.knowledge.profile import DEFAULT_PROFILE, ProfileError, load_profile


def test_the_list_has_every_current_english_education_authority_once_with_the_2023_reorganisations():
    current = {c.code: c.name for c in councils() if c.ended is None}
    assert len(current) == 153  # 152 upper-tier councils with education duties since April 2023, plus Scilly
    assert all(len(code) == 3 and code.isdigit() for code in current)
    assert len({c.code for c in councils()}) == len(councils())
    assert current["942"] == "Cumberland" and current["943"] == "Westmorland and Furness"
    assert current["815"] == "North Yorkshire" and current["933"] == "Somerset"  # codes kept in 2023
    assert current["351"] == "Bury" and "909" not in current and "928" not in current


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("383", "383"),
        ("Leeds City Council", "383"),
        ("westmorland & furness", "943"),
        ("Hull", "810"),
        ("St Helens", "342"),
        ("BCP", "839"),
        ("Dorset", "838"),  # the current Dorset, not the county abolished in 2019
        ("North Yorkshire Council", "815"),
        ("Royal Borough of Kensington and Chelsea", "207"),
    ],
)
def test_a_council_is_found_by_its_code_name_or_alias(typed, code):
    assert find(typed).council.code == code


@pytest.mark.parametrize(
    ("typed", "candidates"),
    [
        ("Cumbria", ["942", "943"]),
        ("909", ["942", "943"]),
        ("Northamptonshire", ["940", "941"]),
        ("Kingston", ["314", "810"]),
        ("Leds", ["383"]),
    ],
)
def test_anything_else_gives_candidates_to_choose_from(typed, candidates):
    found = find(typed)
    assert found.council is None and [c.code for c in found.candidates] == candidates


def test_an_unknown_name_or_code_has_no_candidates():
    assert find("Narnia") == find("999") == find("  ") == Found(None)


@given(st.text(max_size=30))
def test_a_council_is_only_ever_taken_when_the_text_is_exactly_its_code_name_or_alias(text):
    found = find(text)
    if found.council is not None:
        council = found.council
        assert text.strip() == council.code or normal(text) in {normal(n) for n in (council.name, *council.aliases)}


def test_a_profile_directory_entry_must_be_a_listed_council_and_reachable(tmp_path):
    source = DEFAULT_PROFILE.read_text(encoding="utf-8")
    bad_code = tmp_path / "bad.yaml"
    bad_code.write_text(source.replace("councils: {}", 'councils: {"999": {email: cme@example.org}}'))
    with pytest.raises(ProfileError, match="councils: .*not a DfE LA code in the bundled list: 999"):
        load_profile(bad_code)
    no_way = tmp_path / "no_way.yaml"
    no_way.write_text(source.replace("councils: {}", 'councils: {"383": {label: Leeds}}'))
    with pytest.raises(ProfileError, match="councils.383: .*needs a phone or an email"):
        load_profile(no_way)
    good = tmp_path / "good.yaml"
    good.write_text(source.replace("councils: {}", 'councils: {"383": {email: cme@leeds.example}}'))
    assert load_profile(good).councils["383"].email == "cme@leeds.example"
