"""The officer's views of cases as channel-neutral Replies: facts plus buttons whose values are commands.

Pressing a button is the same as typing its value, so the terminal, Slack and Teams share one
behaviour; a value without the details (a snooze's date, a closing outcome) opens a short form.
Only `case_replies` shows a child's details; its caller records the viewing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from handlers.casework.access import RESTRICTED
from handlers.casework.caseload import FILTERS, FLAG_WORDS, CaseList, CaseRow
from handlers.forms.spec import Field, shown
from handlers.knowledge.profile import Profile
from handlers.messages import ActionId, Button, Reply
from handlers.referral.details import DETAILS_ID, REPORT_KEY
from handlers.referral.form import REFERRAL, missing_details
from storage.models import ACTIVE_STEP_STATES, AuditEvent, Case, EnquiryStep, Report

QUIET = {"next_step"}  # how the reporter chose to send it is not a detail of the child
REFERRAL_IDS = frozenset(f.id for f in REFERRAL.fields)

STEP_WORDS = {
    "open": "open",
    "snoozed": "snoozed",
    "done": "done",
    "not_possible": "not possible",
    "closed": "stopped (case closed)",
}
OUTCOME_WORDS = {
    "found_on_roll_here": "Found: on roll here",
    "found_on_roll_elsewhere": "Found: on roll elsewhere",
    "moved_other_la": "Moved to another LA",
    "moved_abroad": "Moved abroad",
    "ehe": "Elective home education",
    "other_provision": "Other provision",
    "over_school_age": "Over school age",
    "not_cme": "Not CME",
    "whereabouts_unknown": "Whereabouts unknown",
}
MAX_STEP_BUTTONS = 3  # steps with buttons on the case view (Slack allows 25 elements a block)
TIMELINE_LENGTH = 15
MAX_OPEN_BUTTONS = 10  # "Open" buttons on a page of cases (the rest: /cme case REF)


def day(value: dt.date) -> str:
    """A date as the council writes it: Fri 27 Nov 2026."""
    return f"{value:%a %-d %b %Y}"


def when_due(due_on: dt.date, today: dt.date) -> str:
    """'due today', 'due Fri 27 Nov 2026' or 'OVERDUE since ...'."""
    if due_on == today:
        return "due today"
    if due_on < today:
        return f"OVERDUE (was due {day(due_on)})"
    return f"due {day(due_on)}"


CHANNEL_NAMES = {"slack": "Slack", "teams": "Teams", "terminal": "terminal", "cli": "command line"}


def who(key: str | None) -> str:
    """An identity key shown as the person's id on their channel."""
    if not key:
        return "nobody"
    return key.rsplit(":", 1)[-1]


def case_list_reply(listing: CaseList) -> Reply:
    """A page of open cases, one or two lines each (who, why, how long, whose, what next, flags), and "More"."""
    ask = listing.ask
    kept = " ".join(FILTERS[word] for word in ask.filters)
    if not listing.rows:
        text = f"There are no open cases {kept}." if ask.filters else "There are no open cases."
        if ask.page > 1 and listing.total:
            text = f"There is no page {ask.page}: the {listing.total} case(s) fill {listing.pages} page(s)."
        return Reply(text, title="Open cases", data={"open": listing.total, "cases": []})
    facts = tuple(case_line(row, listing.today) for row in listing.rows)
    first = (ask.page - 1) * listing.page_size + 1
    span = f"{first}-{first + len(listing.rows) - 1} of {listing.total}"
    which = f"open case(s) {kept}" if kept else "open case(s)"
    text = f"{span} {which}, urgent first, then soonest due. Type /cme case REFERENCE to open one."
    buttons = [Button(f"Open {row.reference}", f"/cme case {row.reference}", ActionId.OPEN_CASE,
                      "danger" if row.urgent else None)
               for row in listing.rows if not row.restricted][:MAX_OPEN_BUTTONS]  # fmt: skip
    if listing.more is not None:
        command = f"/cme cases {listing.more}"
        text += f" More: type {command} (or more, in the terminal)."
        buttons.append(Button(f"More (page {ask.page + 1} of {listing.pages})", command, ActionId.CASES_MORE))
    cases = [row.to_json() for row in listing.rows]
    data = {"open": listing.total, "page": ask.page, "pages": listing.pages, "cases": cases}
    return Reply(text, title="Open cases", facts=facts, buttons=tuple(buttons), data=data)


def case_line(row: CaseRow, today: dt.date) -> tuple[str, str]:
    """A case as (reference and child, the rest): one or two lines in every channel."""
    if row.restricted:  # restricted, and this officer is not named on it: only that it exists
        return row.reference, RESTRICTED
    who_it_is = ", ".join(part for part in (row.name, _age(row)) if part)
    missing = f"missing education {row.missing_days} day(s)" if row.missing_days is not None else None
    nxt = f"next: {row.next_step}, {when_due(row.next_due, today)}" if row.next_step and row.next_due else None
    assigned = f"assigned to {who(row.assigned_to)}"
    parts = [row.reason or "reason not recorded", missing, assigned, nxt or "no step waiting"]
    flags = [_flag(row, flag) for flag in row.flags]
    line = " · ".join(part for part in parts if part)
    # " ·" before the break: where a channel joins the lines (a Teams fact), they still read apart
    return f"{row.reference} {who_it_is}", line + (f" ·\n    flags: {', '.join(flags)}" if flags else "")


def _age(row: CaseRow) -> str | None:
    year = row.year_group.replace("-", " ").capitalize() if row.year_group else None
    age = f"{row.age}" if row.age is not None else None
    if age is None and row.age_given is not None:
        age = f"aged {row.age_given} when reported"
    return " ".join(part for part in (age, f"({year})" if year and age else year) if part) or None


def _flag(row: CaseRow, flag: str) -> str:
    if flag == "match" and row.matches:
        return f"{FLAG_WORDS[flag]} ({', '.join(row.matches)})"
    if flag == "missing" and row.missing:
        return f"{FLAG_WORDS[flag]} ({', '.join(row.missing)})"
    return FLAG_WORDS[flag]


def case_replies(
    case: Case,
    report: Report | None,
    steps: Sequence[EnquiryStep],
    events: Sequence[AuditEvent],
    *,
    added: Sequence[Report] = (),
    notes: dict[int, str],
    profile: Profile,
    today: dt.date,
) -> list[Reply]:
    """The whole case for an officer: summary, the child's details, the enquiry plan, the timeline, actions."""
    return [
        _summary(case, profile, reporter=_reporter(case, report)),
        _details(report, added),
        plan_reply(case, steps, today),
        _timeline(events, notes, profile),
        _actions(case),
    ]


def _reporter(case: Case, report: Report | None) -> str:
    # A Teams id ("29:1f3a...") says nothing to an officer: the name the reporter gave, and where they raised it.
    name = (report.answers.get("referrer_name") if report is not None else None) or None
    channel = case.reporter_key.split(":", 1)[0] if ":" in case.reporter_key else None
    if name is None:
        return who(case.reporter_key)
    return f"{name} ({CHANNEL_NAMES.get(channel, channel)})" if channel else name


def _summary(case: Case, profile: Profile, *, reporter: str) -> Reply:
    raised = case.created_at.astimezone(profile.tz)
    facts = [
        ("Status", case.state + (" · URGENT" if case.urgent else "")),
        ("Raised", f"{raised:%a %-d %b %Y %H:%M} by {reporter}"),
        ("Assigned to", who(case.assigned_to)),
        ("Triage", (case.triage_outcome or "-").replace("_", " ")),
    ]
    if case.state == "closed":
        facts.append(("Outcome", outcome_words(case.outcome or "-")))
    title = f"Case {case.reference}" + (" (URGENT)" if case.urgent else "")
    data = {"reference": case.reference, "state": case.state, "urgent": case.urgent, "assigned_to": case.assigned_to}
    return Reply("Confidential: for the CME service only.", title=title, facts=tuple(facts), data=data)


def _details(report: Report | None, added: Sequence[Report] = ()) -> Reply:
    if report is None:
        return Reply("No referral details are stored for this case.", title="Details")
    return details_reply(report, "Details from the referral", added)


def details_reply(report: Report, title: str, added: Sequence[Report] = ()) -> Reply:
    """One referral's answers as the reporter gave them, with the details they added later (officers only)."""
    answers, later = dict(report.answers), {}
    for row in added:  # oldest first: each adds only what was still unanswered
        fresh = {k: v for k, v in row.answers.items() if not k.startswith("_")}
        answers.update(fresh)
        later.update(dict.fromkeys(fresh, row.submitted_at))
    facts = tuple(
        (_label(field) + (f" (added {later[field.id]:%-d %b})" if field.id in later else ""), shown(field, answers))
        for field in REFERRAL.fields  # what was stored was what applied when it was sent (intake cleans the rest)
        if answers.get(field.id) not in (None, "", []) and field.id not in QUIET
    )
    unknown = [_label(REFERRAL.field(k)) for k in later if answers.get(k) in (None, "", []) and k in REFERRAL_IDS]
    if unknown:  # asked later and skipped: the reporter doesn't know them (no use asking them again)
        facts = (*facts, ("Not known to the reporter", ", ".join(unknown)))
    missing = missing_details(answers)
    if missing:  # sent with the essentials only: what to ask the reporter for (the plan's first step says so too)
        facts = (*facts, ("Still missing (sent as a quick report)", "; ".join(missing)))
    return Reply("As the reporter gave them.", title=title, facts=facts)


def _label(field: Field) -> str:
    return field.record_label or field.review_label or field.label


def with_added(reports: Sequence[Report]) -> list[tuple[Report, list[Report]]]:
    """Each referral on a case, oldest first, with the details its reporter added later (/cme details)."""
    referrals = [r for r in reports if r.form_id != DETAILS_ID]
    return [
        (r, [d for d in reports if d.form_id == DETAILS_ID and d.answers.get(REPORT_KEY) == r.id]) for r in referrals
    ]


def plan_reply(case: Case, steps: Sequence[EnquiryStep], today: dt.date) -> Reply:
    """The enquiry plan with each step's state and due date, and buttons for the next waiting steps."""
    facts, buttons = [], []
    for number, step in enumerate(steps, 1):
        facts.append((f"{number}. {step.title} [{step.step_id}]", _step_state(step, today)))
        if step.state in ACTIVE_STEP_STATES and len(buttons) < 3 * MAX_STEP_BUTTONS:
            buttons.extend(step_buttons(case.reference, step, with_not_possible=True))
    text = (
        "Record a step: /cme done REF STEP [note] · /cme notpossible REF STEP REASON · "
        "/cme snooze REF STEP DATE REASON (STEP is its id or number)."
    )
    return Reply(text, title="Enquiry plan", facts=tuple(facts), buttons=tuple(buttons))


def _step_state(step: EnquiryStep, today: dt.date) -> str:
    if step.state in ACTIVE_STEP_STATES:
        words = when_due(step.due_on, today)
        return f"snoozed, {words}" if step.state == "snoozed" else words
    words = STEP_WORDS.get(step.state, step.state)
    if step.done_at is not None:
        words += f" {step.done_at.date():%-d %b} by {who(step.done_by)}"
    return words + (f" · {step.note}" if step.note else "")


def step_buttons(reference: str, step: EnquiryStep, *, with_not_possible: bool = False) -> list[Button]:
    """Done and snooze (and not possible) buttons for one waiting step."""
    short = step.title if len(step.title) <= 24 else step.title[:23] + "…"
    base = f"{reference} {step.step_id}"
    buttons = [
        Button(f"Done: {short}", f"/cme done {base}", ActionId.STEP_DONE, "primary"),
        Button("Snooze", f"/cme snooze {base}", ActionId.STEP_SNOOZE),
    ]
    if with_not_possible:
        buttons.append(Button("Not possible", f"/cme notpossible {base}", ActionId.STEP_NOT_POSSIBLE))
    return buttons


def _timeline(events: Sequence[AuditEvent], notes: dict[int, str], profile: Profile) -> Reply:
    shown = list(events)[-TIMELINE_LENGTH:]
    facts = tuple((f"{event.at.astimezone(profile.tz):%-d %b %H:%M}", _event_words(event, notes)) for event in shown)
    more = f"The last {len(shown)} of {len(events)} events." if len(events) > len(shown) else "Every event."
    return Reply(more, title="Timeline", facts=facts)


def _event_words(event: AuditEvent, notes: dict[int, str]) -> str:
    words = f"{event.action} by {who(event.actor)}"
    for key in ("step", "outcome"):
        if event.detail.get(key):
            words += f" · {event.detail[key]}"
    reason = notes.get(event.detail.get("note_id")) or event.reason
    return words + (f" · {reason}" if reason else "")


def _actions(case: Case) -> Reply:
    ref = case.reference
    if case.state == "closed":
        buttons: tuple[Button, ...] = (Button("Reopen", f"/cme reopen {ref}", ActionId.CASE_REOPEN),)
    else:
        buttons = (
            Button("Assign to me", f"/cme assign {ref} me", ActionId.CASE_ASSIGN),
            Button("Assign to…", f"/cme assign {ref}", ActionId.CASE_ASSIGN),
            Button("Add a note", f"/cme note {ref}", ActionId.CASE_NOTE),
            Button("Ask the reporter", f"/cme follow-up {ref}", ActionId.ASK_REPORTER),
            Button("Close", f"/cme close {ref}", ActionId.CASE_CLOSE, "danger"),
        )
    text = (
        f"/cme note {ref} TEXT · /cme assign {ref} WHO · /cme follow-up {ref} QUESTION · "
        f"/cme close {ref} OUTCOME [reason] · /cme reopen {ref}"
    )
    return Reply(text, title="Actions", buttons=buttons)


def outcome_words(key: str) -> str:
    """A closing outcome in words."""
    return OUTCOME_WORDS.get(key, key.replace("_", " "))
