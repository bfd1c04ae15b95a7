"""`/cme cases` in `cme-bot chat` as an officer: the children's names, a page at a time, `more` for the next."""

from __future__ import annotations

from bench.bench_caseload import add_open_cases
from bot.terminal import Chat, render
from handlers.commands import build_router
from handlers.messages import Address, Channel, Identity
from storage.children import Child
from storage.db import unit_of_work


def test_an_officer_lists_the_cases_with_names_and_types_more_for_the_next_page(core, engine, profile, clock):
    with unit_of_work(engine) as session:
        made = add_open_cases(session, profile, 17, clock())
        first = session.get(Child, made[0].child_id).forenames
    officer = Identity(Channel.TERMINAL, "cme-officer", "local")
    chat = Chat(core, build_router(core), officer, Address(Channel.TERMINAL, "dm:cme-officer", "cme-officer"))
    [page] = chat.say("/cme cases")
    shown = render(page)
    assert len(page.facts) == 15 and "[More (page 2 of 2)]" in shown and "or more, in the terminal" in shown
    [rest] = chat.say("more")
    assert rest.title == "Open cases" and len(rest.facts) == 2 and rest.data["page"] == 2
    every = {label.split()[0]: label for label, _ in (*page.facts, *rest.facts)}
    assert every[made[0].reference].startswith(f"{made[0].reference} {first} ")
    assert chat.more is None  # the last page: `more` is an ordinary line again
