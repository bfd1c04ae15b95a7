"""Children stored with "Not known" as a name before issue 22: the bot takes the placeholder out at start."""

from __future__ import annotations

from sqlmodel import Session, select

from handlers.children.by_name import by_name
from storage.blind import blind_keys, name_prefix_index
from storage.child_keys import NAME
from storage.children import Child, ChildKey
from storage.db import unit_of_work
from storage.name_repair import forget_placeholder_names


def _stored_the_old_way(engine, **names) -> int:
    """A child whose placeholder name was stored and keyed as a name (as intake did before)."""
    with unit_of_work(engine) as session:
        child = Child(**names)
        session.add(child)
        session.flush()
        words = {word.lower() for value in names.values() for word in value.split()}
        for kind, key in blind_keys({(NAME, word) for word in words}):
            session.add(ChildKey(child_id=child.id, kind=kind, key=key))
        return child.id


def test_a_stored_not_known_surname_is_taken_out_and_no_longer_found(engine):
    amy = _stored_the_old_way(engine, forenames="Amy", surname="Not known")
    lily = _stored_the_old_way(engine, forenames="Lily", surname="Unknown", other_names="Lil")
    kept = _stored_the_old_way(engine, forenames="Known", surname="Knowles")  # a real name that looks like one
    assert _keyed_known(engine) == {amy, kept}
    assert forget_placeholder_names(engine) == 2
    assert forget_placeholder_names(engine) == 0, "once done, it finds nothing"
    with Session(engine) as session:
        names = {c.id: (c.forenames, c.surname, c.other_names) for c in session.exec(select(Child)).all()}
        assert names == {amy: ("Amy", None, None), lily: ("Lily", None, "Lil"), kept: ("Known", "Knowles", None)}
        assert not list(by_name(session, "not known")) and not list(by_name(session, "unknown"))
        assert [child.id for child, _, _ in by_name(session, "Amy")] == [amy]
        assert [child.id for child, _, _ in by_name(session, "Known Knowles")] == [kept]
    assert _keyed_known(engine) == {kept}, "the placeholder's search keys are gone, the real name's kept"


def _keyed_known(engine) -> set[int]:
    with Session(engine) as session:
        query = select(ChildKey.child_id).where(ChildKey.kind == NAME, ChildKey.key == name_prefix_index("known"))
        return set(session.exec(query).all())
