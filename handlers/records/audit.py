"""The audit chain's services: verify it (optionally against an off-site copy) and export its links.

`cme-bot audit verify` and `cme-bot audit export` call these. Verifying shows ids, actions and hashes only
(never a reason or a detail: they can name a child), changes nothing and records nothing, so the council's
IT can run it (after a restore, from a schedule) without being a CME officer. Exporting is for officers
and managers: the links go to the door's `write` one by one, inside the transaction that records the export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from handlers.core import Caller, refuse_unless_staff, transaction
from storage import audit_chain
from storage.audit_chain import Verdict
from storage.queries import record_audit

__all__ = ["Verdict", "export_chain", "verify_chain"]


def verify_chain(
    caller: Caller, *, copy: Iterable[dict[str, Any]] | None = None, progress: Callable[[int], None] | None = None
) -> Verdict:
    """Walk the hash chain and name the first broken link; then, if sound, compare with the off-site `copy`."""
    with transaction(caller) as session:
        verdict = audit_chain.verify(session, audit_chain.events(session), progress=progress)
        if verdict.broken is None and copy is not None:
            verdict.broken = audit_chain.against_copy(session, copy)
            if verdict.broken is not None:  # the events sound are those before the row the copy disagrees on
                verdict.checked = audit_chain.sound_before(session, verdict.broken.row)
    return verdict


def export_chain(
    caller: Caller, *, start: dt.date | None, end: dt.date | None, write: Callable[[dict[str, Any]], object]
) -> int:
    """Hand each link from `start` to `end` (days where the council is) to `write`; record the export; how many."""
    written = 0
    with transaction(caller) as session:
        refuse_unless_staff(session, caller, command="audit")
        for row in audit_chain.events(session):
            day = row.at.astimezone(caller.profile.tz).date()
            if (start is None or day >= start) and (end is None or day <= end):
                write(audit_chain.exported(row))
                written += 1
        detail = {"via": caller.via, "rows": written, "from": _day(start), "to": _day(end)}
        record_audit(
            session, actor=caller.key, action="audit.exported", at=caller.now, reason="off-site copy", detail=detail
        )
    return written


def _day(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
