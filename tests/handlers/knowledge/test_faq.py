"""The FAQ knowledge base: every topic present, cited and rendering from the profile; bad entries refused."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml

from handlers.knowledge.faq import FAQ_DIR, FaqError, fold, load_knowledge, reader_for, render_template, stem
from handlers.knowledge.profile import bundled_profile

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_EVAL = REPO_ROOT.parent / "shared" / "eval"
# The ids of ../shared/eval/faq-topics.yaml, kept here so the test runs without the shared folder.
REQUIRED_TOPICS = (
    "what-is-cme",
    "on-roll-not-attending",
    "missing-from-home",
    "elective-home-education",
    "compulsory-school-age",
    "how-long-missing",
    "la-legal-duty",
    "parent-duty",
    "why-it-matters",
    "harm-what-to-do",
    "how-to-report",
    "what-happens-next",
    "contacts",
    "reasonable-enquiries",
    "school-removal-duty",
    "moved-away",
    "awaiting-school-place",
    "information-sharing",
    "working-together",
    "scale-of-problem",
    "higher-risk-groups",
)


@pytest.fixture(scope="module")
def profile():
    return bundled_profile()


@pytest.fixture(scope="module")
def knowledge(profile):
    return load_knowledge(profile=profile)


@pytest.fixture
def faq_copy(tmp_path: Path) -> Path:
    target = tmp_path / "faq"
    shutil.copytree(FAQ_DIR, target)
    return target


def edit(directory: Path, entry_id: str, **changes) -> None:
    path = directory / f"{entry_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_every_required_topic_has_an_entry(knowledge):
    missing = set(REQUIRED_TOPICS) - set(knowledge.ids)
    assert not missing, f"no entry for {sorted(missing)}"


def test_required_topics_match_the_shared_topics_file():
    topics_file = SHARED_EVAL / "faq-topics.yaml"
    if not topics_file.exists():
        pytest.skip(f"shared topics not found at {topics_file}")
    shared = yaml.safe_load(topics_file.read_text(encoding="utf-8"))["topics"]
    assert set(shared) == set(REQUIRED_TOPICS)


def test_every_entry_cites_at_least_one_https_source(knowledge):
    for entry in knowledge.entries:
        cited = entry.cited()
        assert cited, entry.id
        for source in cited:
            assert source.title.strip(), entry.id
            assert source.url.startswith("https://"), (entry.id, source.url)


def test_every_answer_renders_from_the_bundled_profile(knowledge, profile):
    for entry in knowledge.entries:
        text = entry.render(profile)
        assert "{" not in text and "}" not in text, entry.id
        assert len(text) < 1600, f"{entry.id}: answers stay short"
        if "{cme_officer.phone}" in entry.answer:
            assert profile.contact("cme_officer").phone in text


def test_contact_details_come_from_the_profile(knowledge, profile):
    changed = profile.contacts | {"mash": profile.contact("mash").model_copy(update={"phone": "0100 000 0001"})}
    other = profile.model_copy(update={"contacts": changed})
    harm = knowledge.get("harm-what-to-do")
    assert "0100 000 0001" in harm.render(other)
    assert profile.contact("mash").phone not in harm.render(other)


def test_reviewed_dates_are_real_and_not_in_the_future(knowledge):
    for entry in knowledge.entries:
        assert dt.date(2026, 1, 1) <= entry.reviewed <= dt.date.today(), entry.id


def test_a_profile_without_a_used_contact_fails_at_load(profile):
    contacts = {key: value for key, value in profile.contacts.items() if key != "early_help"}
    with pytest.raises(FaqError, match=r"contacts.*early_help"):
        load_knowledge(profile=profile.model_copy(update={"contacts": contacts}))


def test_a_contact_without_the_field_used_fails_at_load(profile):
    officer = profile.contact("cme_officer").model_copy(update={"email": None})
    with pytest.raises(FaqError, match=r"cme_officer.*email"):
        load_knowledge(profile=profile.model_copy(update={"contacts": profile.contacts | {"cme_officer": officer}}))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("Call MASH on 0161 253 5678 straight away, do not wait.", "typed in"),
        ("Email cme@bury.gov.uk with the details you have.", "typed in"),
        ("In an emergency ring 999 and then tell the officer.", "typed in"),
        ("Ring the officer on {cme_officer.mobile} straight away please.", "field must be one of"),
        ("Ring the officer on {cme_officer} straight away please now.", "brace"),
    ],
)
def test_answers_must_use_placeholders(faq_copy, answer, message):
    edit(faq_copy, "contacts", answer=answer)
    with pytest.raises(FaqError, match=message):
        load_knowledge(faq_copy)


def test_an_unknown_source_key_is_refused(faq_copy):
    edit(faq_copy, "what-is-cme", sources=["no-such-source"])
    with pytest.raises(FaqError, match="no-such-source"):
        load_knowledge(faq_copy)


def test_an_entry_needs_a_source(faq_copy):
    edit(faq_copy, "what-is-cme", sources=[])
    with pytest.raises(FaqError, match="what-is-cme.yaml: sources"):
        load_knowledge(faq_copy)


def test_an_inline_source_is_cited(faq_copy):
    edit(
        faq_copy, "what-is-cme", sources=["ea1996-s436a", {"title": "A local leaflet", "url": "https://example.org/x"}]
    )
    cited = load_knowledge(faq_copy).get("what-is-cme").cited()
    assert [s.title for s in cited][1] == "A local leaflet"


def test_the_id_must_match_the_file_name(faq_copy):
    edit(faq_copy, "what-is-cme", id="something-else")
    with pytest.raises(FaqError, match="does not match the file name"):
        load_knowledge(faq_copy)


def test_render_template_fills_council_fields(profile):
    text = render_template("{la.short_name}: {la.substantial_period_weeks} weeks; {la.enquiry_steps}", profile)
    assert text.startswith(f"{profile.short_name}: {profile.substantial_period_weeks} weeks; ")
    assert profile.enquiry_plan[0].title.lower() in text.lower()


def test_retrieval_material_is_not_copied_from_the_dev_questions(knowledge):
    dev_file = SHARED_EVAL / "faq-dev.yaml"
    if not dev_file.exists():
        pytest.skip(f"dev questions not found at {dev_file}")

    def plain(text: str) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", text.lower()))

    dev = {plain(item["q"]) for item in yaml.safe_load(dev_file.read_text(encoding="utf-8"))}
    for entry in knowledge.entries:
        for phrasing in [entry.title, *entry.phrasings]:
            assert plain(phrasing) not in dev, f"{entry.id}: {phrasing!r} is a dev question"


def test_fold_opens_contractions_and_joins_section_references():
    assert fold("Isn't it Children’s CAFÉ?") == "is not it children cafe?"
    assert fold("Section 436A, s. 7 and s437") == "s436a, s7 and s437"


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (("remove", "removes", "removed", "removing"), True),
        (("report", "reports", "reporting", "reported"), True),
        (("legal", "legally"), True),
        (("police", "policy"), False),
    ],
)
def test_stem_joins_forms_of_a_word(words, same):
    assert (len({stem(w) for w in words}) == 1) is same


def test_the_reader_fixes_typos_but_not_other_real_words(knowledge):
    reader = reader_for(knowledge)
    assert reader.tokens("chidlren misisng eduaction") == ["cme"]
    assert "attendanc" in reader.tokens("attendence")
    assert reader.tokens("scared") != reader.tokens("shared")
    assert reader.tokens("hello, could you please tell me") == []


def test_the_cme_guidance_cited_is_the_september_2025_version(knowledge):
    titles = {source.title for entry_id in knowledge.ids for source in knowledge.get(entry_id).cited()}
    cme_guidance = [title for title in titles if "Children missing education" in title and "statutory" in title]
    assert cme_guidance == ["DfE statutory guidance: Children missing education (8 September 2025)"]


def test_the_not_in_school_registers_are_said_to_be_not_yet_in_force(knowledge, profile):
    answer = knowledge.get("children-not-in-school").render(profile)
    assert "not yet in force" in answer and "436B" in answer
