"""The officer's case view of the reporter's side: questions asked of them and what they added, newest last."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from handlers.casework.views import who
from handlers.knowledge.profile import Profile
from handlers.messages import ActionId, Button, Reply
from storage.child_queries import merged_into_case
from storage.models import AuditEvent, Case, CaseNote
from storage.reporter_links import FollowUpState, follow_ups_of

FROM_REPORTER = ("reporter.note", "reporter.answered")
SHOWN = 12  # the newest items; the timeline and the audit trail keep the rest
STATE_WORDS = {
    FollowUpState.WAITING: "waiting for their answer",
    FollowUpState.ANSWERED: "answered",
    FollowUpState.UNREACHABLE: "could not reach them",
    FollowUpState.WITHDRAWN: "withdrawn",
}


def reporter_reply(session: Session, case: Case, events: Sequence[AuditEvent], profile: Profile) -> Reply | None:
    """What the reporters of this case (and of the cases merged into it) were asked and added; None if nothing.

    The words are read by note id, wherever the note is: a question asked through a reference that was
    merged and later split (/cme split) keeps its words, though notes stay with the case they were written on.
    """
    ids = [case.id, *(merged.id for merged in merged_into_case(session, case.id))]
    asked = follow_ups_of(session, ids)
    added = [event for event in events if event.action in FROM_REPORTER]
    notes = _texts(session, {f.question_note_id for f in asked} | {event.detail.get("note_id") for event in added})
    items: list[tuple[object, str, str]] = []
    for follow_up in asked:
        state = STATE_WORDS.get(follow_up.state, follow_up.state)
        if follow_up.state == FollowUpState.WAITING and follow_up.reminded_at is not None:
            state += f", reminded {follow_up.reminded_at.astimezone(profile.tz):%-d %b}"
        label = f"Asked {follow_up.asked_at.astimezone(profile.tz):%-d %b %H:%M} by {who(follow_up.asked_by)}"
        items.append((follow_up.asked_at, label, f"{notes.get(follow_up.question_note_id, '')} [{state}]"))
    for event in added:
        if event.detail.get("note_id") in notes:
            via = event.detail.get("via")
            kind = "Answer" if event.action == "reporter.answered" else "Added"
            label = f"{kind} {event.at.astimezone(profile.tz):%-d %b %H:%M} by the reporter" + (
                f" ({via})" if via and via != case.reference else ""
            )
            items.append((event.at, label, notes[event.detail["note_id"]]))
    if not items:
        return None
    items.sort(key=lambda item: item[0])
    shown = items[-SHOWN:]
    more = f" The last {len(shown)} of {len(items)}." if len(items) > len(shown) else ""
    text = f"Questions to the person who raised it, and what they added.{more} Ask: /cme follow-up {case.reference}"
    ask = Button("Ask the reporter", f"/cme follow-up {case.reference}", ActionId.ASK_REPORTER)
    return Reply(text, title="The reporter", facts=tuple((label, words) for _, label, words in shown), buttons=(ask,))


def _texts(session: Session, note_ids: set) -> dict[int, str]:
    ids = [note_id for note_id in note_ids if isinstance(note_id, int)]
    if not ids:
        return {}
    return {note.id: note.text for note in session.exec(select(CaseNote).where(col(CaseNote.id).in_(ids))).all()}
