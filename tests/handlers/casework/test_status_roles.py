"""`/cme status`: reporters see only their own referrals, officers and managers see any case."""

from __future__ import annotations

from handlers.commands import build_router
from handlers.core import Core
from handlers.messages import ReplyKind, Role
from tests.support import CALM_REFERRAL, Person


def _raise(router, user: str) -> str:
    person = Person(router, user=user)
    person.say("/cme report")
    # Each reporter writes about a different child: two referrals about one child join one open case.
    person.fill({**CALM_REFERRAL, "child_forenames": f"{user.title()}child"})
    return person.say("submit")[-1].data["reference"]


def test_reporter_sees_own_list_and_not_anothers_case(router):
    mine, theirs = _raise(router, "alice"), _raise(router, "bob")
    alice = Person(router, user="alice")
    listing = alice.say("/cme status")[0]
    assert [ref for ref, _ in listing.facts] == [mine]
    assert "raised" in listing.facts[0][1]
    one = alice.say(f"/cme status {mine.lower()}")[0]
    assert one.data["reference"] == mine
    refused = alice.say(f"/cme status {theirs}")[0]
    assert refused.kind is ReplyKind.ERROR and "can't find" in refused.text
    missing = alice.say("/cme status CME-2026-9999")[0]
    assert missing.text.replace("9999", "X") == refused.text.replace(theirs[-4:], "X")  # existence not disclosed


def test_officer_and_manager_see_every_case_from_the_profile_roles(router, core):
    refs = {_raise(router, "alice"), _raise(router, "bob")}
    officer = Person(router, user="cme-officer")  # matches terminal:*:cme-officer in the Bury profile
    assert {ref for ref, _ in officer.say("/cme status")[0].facts} == refs
    manager = Person(
        build_router(Core(core.engine, core.profile, core.clock, {"terminal:local:boss": Role.MANAGER})), user="boss"
    )
    assert manager.say(f"/cme status {sorted(refs)[1]}")[0].data["reference"] == sorted(refs)[1]


def test_bad_reference_and_unknown_command_get_help(router):
    alice = Person(router)
    bad = alice.say("/cme status hello")[0]
    assert bad.kind is ReplyKind.ERROR and "CME-2026-0042" in bad.text
    unknown = alice.say("/cme frobnicate")
    assert unknown[0].kind is ReplyKind.ERROR and unknown[1].kind is ReplyKind.HELP
    assert alice.say("/cme status")[0].text.startswith("You haven't raised")


def test_a_reference_with_control_characters_is_refused_without_echoing_them(router):
    reply = Person(router).say("/cme status CME\x1b[2J-2026")[0]
    assert reply.kind is ReplyKind.ERROR and "CME-2026-0042" in reply.text
    assert "\x1b" not in reply.text
