"""`cme-bot ask` through the real command: the JSON shape, the readable output, bad input, bad config."""

from __future__ import annotations

import json

import pytest

from bot.cli.main import main
from handlers.knowledge.profile import bundled_profile


@pytest.fixture(autouse=True)
def bundled_profile_env(monkeypatch):
    monkeypatch.delenv("CME_PROFILE", raising=False)


def ask(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["ask", *args])
    out, err = capsys.readouterr()
    return code, out, err


def flat(text: str) -> str:
    """Readable output with its line wrapping undone."""
    return " ".join(text.split())


def ask_json(capsys, question: str) -> dict:
    code, out, err = ask(capsys, question, "--json")
    assert code == 0 and not err
    assert out.count("\n") == 1, "one JSON object on one line"
    return json.loads(out)


def test_json_answer_shape(capsys):
    data = ask_json(capsys, "how do I make a CME referral")
    assert data["topic"] == "how-to-report"
    assert isinstance(data["answer"], str) and "/cme report" in data["answer"]
    assert data["sources"] and all(set(s) == {"title", "url"} for s in data["sources"])
    assert all(s["url"].startswith("https://") for s in data["sources"])
    assert isinstance(data["score"], float) and 0 < data["score"] <= 1
    assert isinstance(data["alternatives"], list)
    assert data["harm"] is False and "signpost" not in data


def test_json_for_an_off_topic_question_has_a_null_topic(capsys):
    data = ask_json(capsys, "where can I get a parking permit")
    assert data["topic"] is None and data["sources"] == [] and data["status"] == "unknown"
    assert bundled_profile().contact("cme_officer").phone in data["answer"]


def test_json_with_harm_carries_the_signpost(capsys):
    data = ask_json(capsys, "I'm worried a pupil is being criminally exploited")
    assert data["harm"] is True and data["signpost"]["kind"] == "signpost"
    assert data["topic"] is not None


def test_json_alternatives_are_topic_ids(capsys):
    data = ask_json(capsys, "legal duty")
    assert data["alternatives"] and all("-" in topic for topic in data["alternatives"])


def test_readable_output_has_the_answer_and_its_sources(capsys):
    code, out, err = ask(capsys, "what", "counts", "as", "children", "missing", "education?")
    assert code == 0 and not err
    assert "What counts as children missing education (CME)" in out
    assert "Source:" in out and "https://" in out


def test_readable_output_puts_the_signpost_first(capsys):
    code, out, _ = ask(capsys, "a child is being groomed, what do I do")
    assert code == 0
    signpost, answer = flat(out).split("A child at risk of significant harm", 1)
    assert signpost.startswith("!!!")
    profile = bundled_profile()
    # MASH or the out-of-hours team, by the wall clock the command runs at.
    assert profile.contact("mash").phone in signpost or profile.contact("out_of_hours").phone in signpost


@pytest.mark.parametrize("args", [(), ("",), ("   ",), ("¿¿¿!!!",), ("😀",), ("x" * 10_000,)])
def test_bad_input_is_answered_not_an_error(capsys, args):
    code, out, err = ask(capsys, *args)
    assert code == 0 and not err
    assert bundled_profile().contact("cme_officer").phone in flat(out)


def test_bad_input_in_json_is_still_one_object(capsys):
    data = ask_json(capsys, "")
    assert data["topic"] is None and data["status"] == "help"


def test_a_broken_profile_exits_2_with_a_message(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CME_PROFILE", str(tmp_path / "missing.yaml"))
    code, out, err = ask(capsys, "what is CME", "--json")
    assert code == 2 and not out
    assert "missing.yaml" in err
