"""Children stored with "Not known" as a name (before issue 22): the placeholder taken out, their search keys remade.

A referral whose name question was answered "not known" stored the literal "Not known" on the child
record, so "/cme find not known" found every such child and the matcher took it for a surname. New
records hold no name there (handlers/children/record.py); this finds the old ones through the blind
name index (the keys of the placeholders' last words: one indexed look-up, no scan), decrypts only
those candidates' names, and empties a name that is a placeholder. The bot runs it at start
(bot/wiring.py); once done it finds nothing. Nothing here logs a name.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from storage.blind import blinded_child_keys, name_prefix_index
from storage.child_keys import NAME, is_placeholder_name
from storage.children import Child, ChildKey

NAME_COLUMNS = ("forenames", "surname", "other_names", "parent_names")
# The last word of each placeholder ("not known", "don't know", "N/K"...): its key is on every such child.
_LAST_WORDS = ("known", "unknown", "know", "nk", "given", "stated", "sure", "none", "tbc", "tba", "unnamed", "name")


def forget_placeholder_names(engine: Engine) -> int:
    """Empty every stored name that is only a placeholder and remake those children's search keys; returns how many."""
    keys = [name_prefix_index(word) for word in _LAST_WORDS]
    with Session(engine) as session:
        query = select(ChildKey.child_id).where(ChildKey.kind == NAME, col(ChildKey.key).in_(keys)).distinct()
        ids = list(session.exec(query).all())
        children = session.exec(select(Child).where(col(Child.id).in_(ids))).all() if ids else []
        mended = [child for child in children if _forget(child)]
        for child in mended:
            session.add(child)
            _rekey(session, child)
        session.commit()
        return len(mended)


def _forget(child: Child) -> bool:
    values = {column: getattr(child, column) for column in NAME_COLUMNS}
    placeholders = [column for column, value in values.items() if value and is_placeholder_name(value)]
    for column in placeholders:
        setattr(child, column, None)
    return bool(placeholders)


def _rekey(session: Session, child: Child) -> None:
    for row in session.exec(select(ChildKey).where(ChildKey.child_id == child.id)).all():
        session.delete(row)
    session.flush()
    wanted = blinded_child_keys(child.model_dump())
    session.add_all(ChildKey(child_id=child.id, kind=kind, key=key) for kind, key in wanted)
