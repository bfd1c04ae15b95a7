"""The officer's daily digest and the reminder messages: references, urgency, step titles and due dates only.

Each message is an Outbox row whose payload carries a title and buttons, so every channel (and
`reply_of`) can show the same done and snooze buttons; the text alone reads fine without them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from handlers.casework.census import ReasonsDue
from handlers.casework.views import day, when_due, who
from handlers.children.link import episode_note
from handlers.messages import ActionId, Button, Reply, ReplyKind
from storage.child_queries import closed_episodes_by_case
from storage.models import Outbox

MAX_DIGEST_CASES = 20
MAX_STEPS_PER_CASE = 5
MAX_DIGEST_BUTTONS = 10  # done + snooze for the first five steps


@dataclass
class CaseDue:
    """One case's waiting steps that are due today or overdue."""

    reference: str
    urgent: bool
    steps: list[Any] = field(default_factory=list)  # rows of storage.queries.due_step_rows

    @property
    def first_due(self) -> dt.date:
        """The oldest due date among its steps."""
        return min(step.due_on for step in self.steps)


def group_by_case(rows: Iterable[Any]) -> list[CaseDue]:
    """Rows grouped by case: urgent first, then the most overdue, then by reference."""
    cases: dict[int, CaseDue] = {}
    for row in rows:
        cases.setdefault(row.case_id, CaseDue(row.reference, row.urgent)).steps.append(row)
    for item in cases.values():
        item.steps.sort(key=lambda s: (s.due_on, s.position))
    return sorted(cases.values(), key=lambda c: (not c.urgent, c.first_due, c.reference))


def episode_notes(session: Session, case_ids: Sequence[int]) -> dict[int, str]:
    """Repeat episodes among these cases: case id -> '2nd episode: previous REF closed OUTCOME' (no child detail)."""
    notes = {}
    for case_id, earlier in closed_episodes_by_case(session, case_ids).items():
        note = episode_note(earlier)
        if note:
            notes[case_id] = note
    return notes


def digest_message(
    rows: Sequence[Any],
    *,
    today: dt.date,
    episodes: dict[int, str] | None = None,
    reasons: ReasonsDue | None = None,
) -> tuple[str, dict[str, Any]]:
    """The digest's text and payload (title, buttons, machine-readable cases) for one officer's due steps, and
    before a DfE census day the cases that need a reason for the return."""
    cases = group_by_case(rows)
    lines = [f"Enquiries due today and overdue, {day(today)}: {len(rows)} step(s) on {len(cases)} case(s)."]
    if not rows:
        lines = [f"No enquiries are due today, {day(today)}."]
    buttons: list[Button] = []
    for item in cases[:MAX_DIGEST_CASES]:
        repeat = (episodes or {}).get(item.steps[0].case_id)
        lines.append(("URGENT " if item.urgent else "") + item.reference + (f" ({repeat})" if repeat else ""))
        for step in item.steps[:MAX_STEPS_PER_CASE]:
            lines.append(f"  • {_title(step)}: {when_due(step.due_on, today)}")
            if len(buttons) < MAX_DIGEST_BUTTONS and not _restricted(step):
                buttons.extend(_buttons(item.reference, step))
        if len(item.steps) > MAX_STEPS_PER_CASE:
            lines.append(f"  • and {len(item.steps) - MAX_STEPS_PER_CASE} more: /cme case {item.reference}")
    if len(cases) > MAX_DIGEST_CASES:
        lines.append(f"…and {len(cases) - MAX_DIGEST_CASES} more case(s): type /cme cases.")
    lines += reasons.lines() if reasons else []
    lines.append("Open a case with /cme case REFERENCE.")
    payload = {
        "title": f"Your enquiries for {day(today)}",
        "buttons": [_button_dict(b) for b in buttons],
        "cases": [
            {
                "reference": item.reference,
                "urgent": item.urgent,
                "episode": (episodes or {}).get(item.steps[0].case_id),
                "steps": [{"step": s.step_id, "due_on": s.due_on.isoformat()} for s in item.steps],
            }
            for item in cases[:MAX_DIGEST_CASES]
        ],
    }
    if reasons:
        payload["census"] = {"date": reasons.census.isoformat(), "need_reason": list(reasons.references)}
    return "\n".join(lines), payload


def overdue_message(row: Any, *, today: dt.date) -> tuple[str, dict[str, Any]]:
    """The at-once alert for an urgent case's overdue step."""
    text = (
        f"URGENT case {row.reference}: the enquiry '{_title(row)}' is overdue (was due {day(row.due_on)}). "
        f"Open it: /cme case {row.reference}"
    )
    payload = {
        "title": f"Overdue: {row.reference}",
        "reference": row.reference,
        "urgent": True,
        "step": None if _restricted(row) else row.step_id,
        "buttons": [] if _restricted(row) else [_button_dict(b) for b in _buttons(row.reference, row)],
    }
    return text, payload


def escalation_message(rows: Sequence[Any], *, today: dt.date, limit: int) -> tuple[str, dict[str, Any]]:
    """The manager's message: steps now overdue by more than the escalation limit."""
    cases = group_by_case(rows)
    lines = [f"{len(rows)} enquiry step(s) are overdue by more than {limit} school days:"]
    for item in cases[:MAX_DIGEST_CASES]:
        for step in item.steps[:MAX_STEPS_PER_CASE]:
            urgent = "URGENT " if item.urgent else ""
            whose = "" if _restricted(step) else f", {who(step.assigned_to)}"
            lines.append(f"  • {urgent}{item.reference}: {_title(step)}, due {day(step.due_on)}{whose}")
    if len(cases) > MAX_DIGEST_CASES:
        lines.append(f"…and {len(cases) - MAX_DIGEST_CASES} more case(s): type /cme cases.")
    buttons = [
        Button(f"Open {item.reference}", f"/cme case {item.reference}", ActionId.OPEN_CASE) for item in cases[:5]
    ]
    payload = {
        "title": "Escalation: overdue enquiries",
        "buttons": [_button_dict(b) for b in buttons],
        "count": len(rows),
        "steps": [
            {"reference": r.reference, "step": None if _restricted(r) else r.step_id, "due_on": r.due_on.isoformat()}
            for r in rows[:100]
        ],
    }
    return "\n".join(lines), payload


def outbox_row(kind: str, key: str, recipient: dict[str, Any], text: str, payload: dict, **extra: Any) -> Outbox:
    """An Outbox row for `recipient` (created and due at `now`)."""
    now = extra.pop("now")
    return Outbox(
        kind=kind,
        dedupe_key=key[:255],
        recipient=recipient,
        text=text,
        payload=payload,
        created_at=now,
        not_before=now,
        **extra,
    )


def reply_of(row: Outbox) -> Reply:
    """An outbox row as a Reply with its title and buttons (channels render it like any other reply)."""
    payload = dict(row.payload or {})
    buttons = tuple(
        Button(b["label"], b["value"], ActionId(b.get("action", ActionId.SAY.value)), b.get("style"))
        for b in payload.pop("buttons", [])
    )
    title = payload.pop("title", None) or ("Urgent alert" if row.urgent else "Notification")
    kind = ReplyKind.ALERT if row.urgent else ReplyKind.INFO
    return Reply(row.text, kind=kind, title=title, buttons=buttons, data={"outbox_id": row.id, **payload})


RESTRICTED_STEP = "an enquiry step (restricted case: its named officers see which, with /cme case)"


def _restricted(row: Any) -> bool:
    # Digests and alerts go to shared inboxes and managers: a restricted case shows only that it exists.
    return bool(row.restricted)


def _title(row: Any) -> str:
    return RESTRICTED_STEP if _restricted(row) else row.title


def _buttons(reference: str, step: Any) -> list[Button]:
    base = f"{reference} {step.step_id}"
    return [
        Button(f"Done: {step.step_id}", f"/cme done {base}", ActionId.STEP_DONE, "primary"),
        Button(f"Snooze: {step.step_id}", f"/cme snooze {base}", ActionId.STEP_SNOOZE),
    ]


def _button_dict(button: Button) -> dict[str, Any]:
    return {"label": button.label, "value": button.value, "action": button.action_id.value, "style": button.style}
