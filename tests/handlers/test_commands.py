"""The answer engine behind /cme ask and free text: fitted once per council, shared by every router in the process."""

from __future__ import annotations

from handlers.commands import build_router, shared_engine
from handlers.core import Core
from tests.support import Person

QUESTION = "what is the CME officer's phone number?"


def test_routers_of_one_council_share_one_engine_and_another_council_gets_its_own_numbers(core, profile):
    warmed = build_router(core)
    warmed.warm_up()  # as the server does at start
    engine = shared_engine(profile)
    assert shared_engine(profile.model_copy()) is engine  # same council: nothing fitted again

    officer = profile.contact("cme_officer").model_copy(update={"phone": "0100 000 0777"})
    other = profile.model_copy(update={"contacts": profile.contacts | {"cme_officer": officer}})
    theirs = Person(build_router(Core(engine=core.engine, profile=other, clock=core.clock)), user="olu")
    ours = Person(build_router(core), user="alice")
    assert "0100 000 0777" in " ".join(r.text for r in theirs.say(QUESTION))
    assert "0100 000 0777" not in " ".join(r.text for r in ours.say(QUESTION))
    assert profile.contact("cme_officer").phone in " ".join(r.text for r in ours.say(QUESTION))
