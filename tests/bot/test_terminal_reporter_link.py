"""`cme-bot chat` processes: the officer's question reaches the reporter's terminal inbox, and their answer (and
anything else they add) appears on the officer's `/cme case`."""

from __future__ import annotations

from tests.bot.chat_process import run_piped
from tests.bot.test_terminal_chat import _script
from tests.support import CALM_REFERRAL

QUESTION = "Has the family been seen?"
SEEN = "Seen at the park on Saturday"


def test_a_question_and_its_answer_between_two_terminals(db_url, tmp_path):
    raised, _ = run_piped([*_script(tmp_path, CALM_REFERRAL), "submit"], db_url, "--as", "alice", "--name", "Alice")
    reference = next(r for r in raised if r["kind"] == "confirmation")["data"]["reference"]
    asked, _ = run_piped([f"/cme follow-up {reference} {QUESTION}"], db_url, "--as", "cme-officer")
    assert any(r["kind"] == "confirmation" and "Your question has been sent" in r["text"] for r in asked)
    answered, _ = run_piped([f"/cme add {reference} {SEEN}"], db_url, "--as", "alice")
    question = next(r for r in answered if QUESTION in r["text"])  # her inbox, shown when she opens the chat
    assert question["title"] == f"A question about your concern {reference}"
    assert f"Type /cme add {reference} followed by your answer." in question["text"]
    assert any(r["kind"] == "confirmation" and "Your answer has been added" in r["text"] for r in answered)
    case, _ = run_piped([f"/cme case {reference}"], db_url, "--as", "cme-officer")
    told = [r for r in case if "The reporter answered your question" in r["text"]]
    assert told and reference in told[0]["text"] and SEEN not in told[0]["text"]
    reporter = next(r for r in case if r.get("title") == "The reporter")
    assert [value for _, value in reporter["facts"]] == [QUESTION + " [answered]", SEEN]
