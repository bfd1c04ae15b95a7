"""The subject access service: a pack of everything held about a child or a person, the register of requests.

`cme-bot sar` calls it (subject access has no chat command: the pack is a folder of files). Officers and
managers only; a child's pack covering a restricted case is refused unless the caller is named on every
such case (nothing recorded but the refusal). A pack is recorded as a request (due one calendar month
after receipt) and audited on every case it discloses, in the same transaction as the door's `deliver`
(the files written), so a pack that could not be written leaves no record that it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from handlers.casework.access import may_see
from handlers.core import Caller, refuse, refuse_unless_staff, transaction
from handlers.records.sar import child_pack, person_pack
from handlers.records.sar_requests import complete, describe, open_request, unanswered
from storage.models import Case
from storage.queries import record_audit

COMMAND = "sar"
FACTS = ("kind", "subject", "received_on", "due_on", "days_left")


@dataclasses.dataclass(frozen=True)
class Pack:
    """The pack's data and the request's facts (id, subject, received, due, by whom, when) for its manifest."""

    data: dict[str, Any]
    about: dict[str, Any]

    @property
    def empty(self) -> bool:
        """True for a person about whom nothing is held."""
        return self.data["subject"]["kind"] == "person" and not any(v for k, v in self.data.items() if k != "subject")


def pack_for(
    caller: Caller,
    *,
    child: str | None = None,
    person: str | None = None,
    received: dt.date | None = None,
    deliver: Callable[[Pack], object],
) -> Pack:
    """Build the pack for `child` (a reference or child id) or `person` (a user key), record it, `deliver` it."""
    with transaction(caller) as session:
        refuse_unless_staff(session, caller, command=COMMAND)
        if child is not None:
            data, kind = child_pack(session, subject=child), "child"
            subject = str(data["subject"]["surviving_child_id"])
            _refuse_restricted(session, caller, data["cases"])
        else:
            data, kind, subject = person_pack(session, user=person or ""), "person", person or ""
        request = open_request(
            session, kind=kind, subject=subject, by=caller.key, received_on=received or caller.today, now=caller.now
        )
        request.pack_written_at = caller.now
        session.add(request)
        why, detail = f"subject access request {request.id}", {"sar": request.id, "kind": kind, "via": caller.via}
        for case_id in [case["id"] for case in data.get("cases", [])] or [None]:  # on each case's own trail
            record_audit(
                session, actor=caller.key, action="sar.disclosed", case_id=case_id, at=caller.now, reason=why,
                detail=detail,
            )  # fmt: skip
        described = describe(request, caller.today)
        about = {"request_id": request.id, **{key: described[key] for key in FACTS}, "generated_by": caller.key}
        pack = Pack(data, {**about, "generated_at": _stamp(caller.now)})
        deliver(pack)  # inside the transaction: no record of a pack that could not be written
    return pack


def _refuse_restricted(session: Session, caller: Caller, cases: list[dict[str, Any]]) -> None:
    """Refused, naming the restricted cases (references only), unless the caller is named on each of them."""
    seen = {c["id"]: may_see(session, case=session.get(Case, c["id"]), user_key=caller.key) for c in cases}
    hidden = [c["reference"] for c in cases if not seen[c["id"]]]
    if hidden:
        message = (
            f"{', '.join(hidden)} is restricted and you are not named on it: an officer named on the case must "
            "write this pack (nothing was written)."
        )
        refuse(session, caller, command=COMMAND, message=message, restricted=hidden)


def due(caller: Caller) -> list[dict[str, Any]]:
    """The requests not yet answered, soonest due first (ids, subjects as references, dates: no child details)."""
    with transaction(caller) as session:
        refuse_unless_staff(session, caller, command=COMMAND)
        return [describe(request, caller.today) for request in unanswered(session)]


def answered(caller: Caller, *, request_id: int) -> int:
    """Record that request `request_id`'s pack was sent (audited); RequestError when it can't be."""
    with transaction(caller) as session:
        refuse_unless_staff(session, caller, command=COMMAND)
        return int(complete(session, request_id=request_id, by=caller.key, now=caller.now).id)


def _stamp(now: dt.datetime) -> str:
    """A time for the manifest, in UTC, to the second."""
    return now.astimezone(dt.UTC).replace(microsecond=0).isoformat()
