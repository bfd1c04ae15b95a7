"""A turn whose text the database can't keep gets a plain answer, not "the case system can't be reached".

Commands check what is typed first (tests/handlers/casework/test_command_args.py); this is the net
under any path that doesn't: storage refuses the text by name and the router says what to do.
"""

from __future__ import annotations

from sqlmodel import Session, func, select

from handlers.messages import CommandSpec, Reply, ReplyKind
from storage.models import AuditEvent
from storage.queries import record_audit
from tests.support import Person


def _unchecked_note(turn, args: str) -> list[Reply]:
    """A capability that stores what it is given without checking it first."""
    record_audit(turn.session, actor=turn.user_key, action="test.note", reason=args, at=turn.now)
    return [Reply("Noted.", kind=ReplyKind.CONFIRMATION)]


def test_text_with_a_nul_gets_a_plain_answer_nothing_is_written_and_the_next_message_works(router, engine):
    router.command(CommandSpec("jot", _unchecked_note, "store a line"))
    alice = Person(router)
    (refused,) = alice.say("/cme jot rang\x00 the school")
    assert refused.kind is ReplyKind.ERROR
    assert "can't store" in refused.text and "type it again" in refused.text
    assert "can't be reached" not in refused.text
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(AuditEvent)).one() == 0
    assert alice.say("/cme jot rang the school")[0].kind is ReplyKind.CONFIRMATION
