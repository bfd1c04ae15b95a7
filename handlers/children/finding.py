"""The find-a-child service: `/cme find` and `cme-bot find` ask it, officers and managers only.

It refuses anyone else (the attempt recorded, never the words searched for), reads what was typed as a
name, date of birth, UPN or postcode, marks a child whose case is restricted to other officers as
restricted (references only), and records the search by its kind only: the query is child data.
"""

from __future__ import annotations

import dataclasses

from handlers.children.search import EXAMPLES, Hit, Query, SearchError, find_children, read_query
from handlers.core import Caller, refuse_unless_staff, transaction
from storage.queries import record_audit

KIND_WORDS = {"name": "name", "dob": "date of birth", "upn": "UPN", "postcode": "postcode"}


@dataclasses.dataclass(frozen=True)
class Found:
    """The children found (best first, at most search.LIMIT), how many matched in all, and what was asked."""

    query: Query
    hits: tuple[Hit, ...]
    total: int

    def to_json(self) -> list[dict]:
        """The JSON shape of `cme-bot find --json`: one object per child (a restricted one: references only)."""
        return [hit.to_json() for hit in self.hits]


def find_child(caller: Caller, *, text: str, kind: str | None = None) -> Found:
    """Search for `text` (as `kind` when the door says which); Refused, or SearchError saying what to type."""
    with transaction(caller) as session:
        refuse_unless_staff(session, caller, command="find")
        query = read_query(text, today=caller.today)
        if kind is not None and query.kind != kind:
            raise SearchError(f"That doesn't read as a {KIND_WORDS[kind]}. {EXAMPLES}")
        hits, total = find_children(session, query, viewer=caller.key)
        hidden = sum(hit.restricted for hit in hits)
        record_audit(
            session,
            actor=caller.key,
            action="children.searched",
            at=caller.now,
            reason=f"searched by {query.kind}",
            detail={"by": query.kind, "via": caller.via, "found": total, "restricted": hidden},
        )
    return Found(query, tuple(hits), total)
