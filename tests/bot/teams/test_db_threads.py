"""Teams database work runs on the server's database threads, and a known conversation is not stored again."""

from __future__ import annotations

import threading

from sqlmodel import Session, select

from bot.threads import POSTGRES_THREADS, SQLITE_THREADS, thread_count
from storage.db import make_engine
from storage.teams_refs import TeamsConversationRef
from tests.bot.teams.harness import SAM, run, running


def test_one_thread_on_sqlite_more_on_postgres(tmp_path):
    sqlite = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    postgres = make_engine("postgresql://cme@localhost/none")  # not connected: only its dialect is read
    assert thread_count(sqlite) == SQLITE_THREADS == 1
    assert thread_count(postgres) == POSTGRES_THREADS > 1


def test_turns_and_references_use_the_database_threads(sqlite_url, teams_profile):
    async def scenario():
        async with running(sqlite_url, teams_profile) as h:
            parts, seen = h.context.extras["teams"], []
            handle, save = h.context.router.handle, parts.refs._save

            def handle_here(inbound):
                seen.append(("turn", threading.current_thread().name))
                return handle(inbound)

            def save_here(row):
                seen.append(("save", threading.current_thread().name))
                return save(row)

            h.context.router.handle, parts.refs._save = handle_here, save_here
            first = await h.say("help")
            second = await h.say("contacts")
            return seen, first, second, h.engine

    seen, first, second, engine = run(scenario())
    assert first and second
    assert [kind for kind, _ in seen] == ["save", "turn", "turn"]  # the second message's chat is known
    assert all(name.startswith("cme-db") for _, name in seen)
    with Session(engine) as session:
        refs = session.exec(select(TeamsConversationRef)).all()
    assert [r.conversation_id for r in refs] == [SAM.personal_chat]


def test_a_changed_service_url_is_stored_again(sqlite_url, teams_profile):
    async def scenario():
        async with running(sqlite_url, teams_profile) as h:
            await h.say("help")
            moved = {**h.activity(text="help"), "serviceUrl": h.connector.url + "moved/"}
            await h.post(moved)
            with Session(h.engine) as session:
                return session.exec(select(TeamsConversationRef)).one().service_url, h.connector.url

    stored, url = run(scenario())
    assert stored == url + "moved/"
