"""The officer's one message a school day, and the manager's escalation: references, urgency, step titles, dates.

Each message is an Outbox row whose payload carries a title and one button per case (open it), so every
channel (and `reply_of`) shows the same buttons; the text alone reads fine without them. No child's
details: a digest may go to a shared officers' channel, and restricted cases show only that they exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from handlers.casework.census import ReasonsDue
from handlers.casework.views import day, when_due, who
from handlers.casework.waiting_questions import WaitingQuestion
from handlers.children.link import episode_note
from handlers.messages import ActionId, Button, Reply, ReplyKind
from storage.child_queries import closed_episodes_by_case
from storage.models import Outbox

MAX_DIGEST_CASES = 20  # one button each: Slack rows and Teams action sets keep every one reachable
MAX_STEPS_PER_CASE = 3  # the oldest; the case view lists the rest with their buttons
DIGEST_TITLE = "Your day, {day}"
DECIDE = "/cme same or /cme different"


@dataclass(eq=False)  # compared by identity: the same case may be in two officers' digests
class CaseDue:
    """One case in a digest: its steps due today or overdue, questions waiting for the reporter, undecided matches."""

    reference: str
    case_id: int
    urgent: bool = False
    restricted: bool = False
    harm: bool = False
    episode: str | None = None
    steps: list[Any] = field(default_factory=list)  # rows of storage.queries.due_step_rows
    questions: list[WaitingQuestion] = field(default_factory=list)
    matches: list[str] = field(default_factory=list)  # the other cases' references

    @property
    def first_due(self) -> dt.date:
        """The oldest due date among its steps (far in the future when it has none)."""
        return min((step.due_on for step in self.steps), default=dt.date.max)

    def order(self) -> tuple:
        """Harm first, then urgent, then the most overdue, then by reference."""
        return (not self.harm, not self.urgent, self.first_due, self.reference)


@dataclass
class Digest:
    """One recipient's digest: their cases, the team's unassigned ones, and the census reasons lines."""

    mine: list[CaseDue] = field(default_factory=list)
    team: list[CaseDue] = field(default_factory=list)  # unassigned cases, in every officer's digest
    reasons: list[ReasonsDue] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.mine or self.team or self.reasons)

    def cases(self) -> list[CaseDue]:
        """Every case listed, in the order shown: harm and urgent first, whoever has them."""
        return sorted([*self.mine, *self.team], key=CaseDue.order)


def group_by_case(rows: Iterable[Any]) -> list[CaseDue]:
    """Step rows grouped by case, each case's steps oldest first, the cases in digest order."""
    cases: dict[int, CaseDue] = {}
    for row in rows:
        item = cases.setdefault(row.case_id, CaseDue(row.reference, row.case_id, row.urgent, bool(row.restricted)))
        item.steps.append(row)
    for item in cases.values():
        item.steps.sort(key=lambda s: (s.due_on, s.position))
    return sorted(cases.values(), key=CaseDue.order)


def episode_notes(session: Session, case_ids: Sequence[int]) -> dict[int, str]:
    """Repeat episodes among these cases: case id -> '2nd episode: previous REF closed OUTCOME' (no child detail)."""
    notes = {}
    for case_id, earlier in closed_episodes_by_case(session, case_ids).items():
        note = episode_note(earlier)
        if note:
            notes[case_id] = note
    return notes


def digest_message(digest: Digest, *, today: dt.date, personal: bool = True) -> tuple[str, dict[str, Any]]:
    """The digest's text and payload (title, a button per case, the cases in machine-readable form).

    `personal`: for one officer (their cases, then the unassigned ones under a heading); otherwise for the
    officers' shared target (unassigned cases only, no heading)."""
    cases = digest.cases()
    lines = [_headline(cases, today)]
    shown = cases[:MAX_DIGEST_CASES]
    for item in shown:
        lines += case_lines(item, today, unassigned=personal and item in digest.team)
    if len(cases) > MAX_DIGEST_CASES:
        lines.append(f"…and {len(cases) - MAX_DIGEST_CASES} more case(s): type /cme cases.")
    for reasons in digest.reasons:
        lines += reasons.lines()
    if shown:
        lines.append("Open a case with its button or /cme case REFERENCE.")
    buttons = [_open_button(item) for item in shown]
    payload: dict[str, Any] = {
        "title": DIGEST_TITLE.format(day=day(today)),
        "buttons": [_button_dict(b) for b in buttons],
        "cases": [_case_data(item, team=item in digest.team) for item in shown],
    }
    if digest.reasons:
        payload["census"] = {
            "date": digest.reasons[0].census.isoformat(),
            "need_reason": [ref for reasons in digest.reasons for ref in reasons.references],
        }
    return "\n".join(lines), payload


def _headline(cases: list[CaseDue], today: dt.date) -> str:
    if not cases:
        return f"No enquiries are due today, {day(today)}."
    parts = [f"{sum(len(c.steps) for c in cases)} enquiry step(s) due or overdue"]
    questions = sum(len(c.questions) for c in cases)
    matches = sum(len(c.matches) for c in cases)
    if questions:
        parts.append(f"{questions} question(s) waiting for a reporter")
    if matches:
        parts.append(f"{matches} possible match(es) to decide")
    return f"{len(cases)} case(s) need you today, {day(today)}: {', '.join(parts)}."


def case_lines(item: CaseDue, today: dt.date, *, unassigned: bool = False) -> list[str]:
    """One case's lines: its reference (harm, urgent, repeat episode, nobody's yet), oldest steps, questions,
    matches."""
    flag = "URGENT, harm flagged: " if item.harm else ("URGENT: " if item.urgent else "")
    notes = [note for note in (item.episode, "not assigned yet" if unassigned else None) if note]
    lines = [flag + item.reference + (f" ({'; '.join(notes)})" if notes else "")]
    if item.restricted and item.steps:
        oldest = when_due(item.first_due, today)
        lines.append(f"  • {len(item.steps)} enquiry step(s), the oldest {oldest} ({RESTRICTED})")
    elif item.steps:
        lines += [f"  • {step.title}: {when_due(step.due_on, today)}" for step in item.steps[:MAX_STEPS_PER_CASE]]
        if len(item.steps) > MAX_STEPS_PER_CASE:
            lines.append(f"  • and {len(item.steps) - MAX_STEPS_PER_CASE} more step(s): /cme case {item.reference}")
    for question in item.questions:
        via = f" (raised as {question.via})" if question.via != question.reference else ""
        lines.append(
            f"  • your question to the reporter{via} of {day(question.asked_on)} is unanswered "
            f"(reminded {day(question.reminded_on)}): ask again or contact them"
        )
    for other in item.matches:
        lines.append(f"  • possible match with {other}, not decided: the case view says why ({DECIDE})")
    return lines


def _case_data(item: CaseDue, *, team: bool) -> dict[str, Any]:
    return {
        "reference": item.reference,
        "urgent": item.urgent,
        "harm": item.harm,
        "team": team,
        "episode": item.episode,
        "steps": [{"step": None if item.restricted else s.step_id, "due_on": s.due_on.isoformat()} for s in item.steps],
        "questions": len(item.questions),
        "matches": list(item.matches),
    }


def _open_button(item: CaseDue) -> Button:
    style = "danger" if item.urgent else None
    return Button(f"Open {item.reference}", f"/cme case {item.reference}", ActionId.OPEN_CASE, style)


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


RESTRICTED = "restricted case: its named officers see which, with /cme case"
RESTRICTED_STEP = f"an enquiry step ({RESTRICTED})"


def _restricted(row: Any) -> bool:
    # Digests and alerts go to shared inboxes and managers: a restricted case shows only that it exists.
    return bool(row.restricted)


def _title(row: Any) -> str:
    return RESTRICTED_STEP if _restricted(row) else row.title


def _button_dict(button: Button) -> dict[str, Any]:
    return {"label": button.label, "value": button.value, "action": button.action_id.value, "style": button.style}
