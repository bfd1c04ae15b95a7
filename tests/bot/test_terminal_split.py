"""`cme-bot chat` as an officer in the terminal: a wrong merge seen on the case and undone with /cme split."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Case
from tests.bot.chat_process import run_piped
from tests.bot.slack.test_matches import merged_twins


def test_an_officer_splits_a_wrong_merge_in_the_terminal(db_url, engine, profile):
    first, second = merged_twins(engine, profile)
    lines = [f"/cme case {first}", f"/cme split {second} twins, not the same child", f"/cme split {second}"]
    replies, stderr = run_piped(lines, db_url, "--as", "cme-officer", "--role", "officer")
    joined = next(r for r in replies if r["title"] == "Joined cases")
    assert joined["facts"][0][0] == f"{second} with {first}"
    done = next(r for r in replies if r["kind"] == "confirmation")
    assert done["text"].startswith(f"{second} is its own case again (open)") and done["data"]["split"] == second
    assert f"{second} was already split from {first}" in replies[-1]["text"] and replies[-1]["kind"] == "error"
    assert "Jon" not in stderr and "Joan" not in stderr
    with Session(engine) as session:
        cases = {c.reference: c for c in session.exec(select(Case)).all()}
    assert cases[second].merged_into is None and cases[second].child_id != cases[first].child_id
