"""`/cme details REF`: the reporter of a concern sent as a quick report answers the detail questions later.

The ways in: the command, and the "Add more detail" button on the confirmation of a quick report (a Slack
modal or a Teams card; one question at a time in a chat). Only the person who raised the concern, only while
the case that stands is open (the same checks and words as /cme add: reporter_notes.own_case, open_case).

Storage: the answers go in a second Report row (form DETAILS_ID) on the case that stands, pointing at the
referral it completes (REPORT_KEY). The referral's own row stays as the reporter first sent it (the record of
what was reported, and what the harm screen said then); the case view shows each referral's answers with the
details added later merged in, marked with the day they came. A merge or a split moves the row with its
referral (merge moves every report; split follows REPORT_KEY). Subject access and retention read every
Report row, so the details are found and erased with the rest.

The DfE return's fields the answers give (reason, sex, year group) fill the case's where they are not
recorded and no officer has set them (/cme set is audited as case.field_set). Harm told later makes the case
urgent and the officers get an urgent alert, as at intake.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from handlers.casework.actions import audit
from handlers.casework.alerts import notify_role
from handlers.casework.enquiries import missing_step_title
from handlers.casework.reminders import officer_recipients
from handlers.casework.reporter_notes import REFERENCE, Refused, open_case, own_case, thread_data
from handlers.core import TurnContext
from handlers.forms import conversation, flows, whole_form
from handlers.forms.dates import PRECISION_KEY
from handlers.forms.flows import Flow
from handlers.knowledge.registers import statistics_from_answers
from handlers.messages import CommandSpec, Reply, ReplyKind
from handlers.referral.details import (
    CASE_KEY,
    DETAILS,
    DETAILS_ID,
    REPORT_KEY,
    addable,
    draft_answers,
    intro,
    new_answers,
    new_harm,
    still_to_ask,
)
from handlers.referral.sections import FORM_ID, missing_details, sent_quick
from handlers.router import Router
from storage.child_queries import reports_of
from storage.models import ACTIVE_STEP_STATES, Case, Outbox, Report
from storage.queries import audit_trail, drop_conversation, enqueue, steps_of

USAGE = "Type /cme details REFERENCE, for example /cme details CME-2026-0042. /cme status lists your concerns."
HELP = "answer the questions a concern you sent quickly left out: /cme details REF"
STATISTICS = ("cme_reason", "sex", "year_group")  # the return's fields a later answer can give


def details_command(turn: TurnContext, args: str, registry: Mapping[str, Flow]) -> list[Reply]:
    """`/cme details REF`: open the detail questions the concern doesn't answer yet, or say none are left."""
    found = REFERENCE.search(args)
    if found is None:
        return [Reply(f"Which concern? {USAGE}", kind=ReplyKind.ERROR)]
    try:
        case = own_case(turn, found.group(0).upper())
        standing = open_case(turn.session, case)
    except Refused as exc:
        return [Reply(str(exc), kind=ReplyKind.ERROR)]
    answers = answers_so_far(turn.session, case, standing)
    if not open_questions(answers):
        return [Reply(nothing_missing(case.reference))]
    return _open(turn, registry, case.reference, answers)


def open_questions(answers: dict[str, Any]) -> int:
    """How many detail questions a quick report's answers leave open (a whole form, a notice, a transfer: none)."""
    return len(still_to_ask(answers)) if sent_quick(answers) else 0


def nothing_missing(reference: str) -> str:
    """What the reporter reads when every detail question is answered (or skipped) already."""
    return (
        f"Nothing is missing from {reference}: every question of the form has an answer. To tell the CME officer "
        f"anything else, type /cme add {reference} and what you want to add."
    )


def _open(turn: TurnContext, registry: Mapping[str, Flow], reference: str, answers: dict[str, Any]) -> list[Reply]:
    """The form as the channel shows forms; a details draft for this concern already open carries on."""
    flow, title = registry[DETAILS_ID], f"{DETAILS.title}: {reference}"
    draft = flows.peek(turn, dict(registry))
    if draft is not None and draft[0] is flow and draft[1]["answers"].get(CASE_KEY) == reference:
        return [Reply("You have already started adding detail to this concern; here it is.", title=title),
                *_show(turn, flow, draft[1])]  # fmt: skip
    if draft is not None:  # never replace another form (or another concern's details) without asking
        return [flows.conflict(turn, *draft, f"/cme details {reference}")]
    prefill = draft_answers(reference, answers)
    if turn.inbound.wants_form:
        return [Reply(intro(answers), title=title), *whole_form.open_form(turn, flow, prefill)]
    first, *rest = flows.begin(turn, flow, prefill)
    return [dataclasses.replace(first, title=title, text=first.text.replace(DETAILS.intro, intro(answers))), *rest]


def _show(turn: TurnContext, flow: Flow, state: dict[str, Any]) -> list[Reply]:
    if turn.inbound.wants_form:
        return whole_form.reopen(turn, flow, state)
    if whole_form.is_whole(state):
        return [whole_form.still_open(turn, flow, state)]
    return conversation.pending(flow.spec, state, "Carrying on where you left off.")


def own_report(session: Session, case: Case, standing: Case) -> Report | None:
    """The referral the reporter sent with `case` (now on the case that stands, when it was merged)."""
    referrals = [r for r in reports_of(session, standing.id) if r.form_id == FORM_ID]
    theirs = [r for r in referrals if r.submitted_by == case.reporter_key]
    made = [r for r in theirs if r.submitted_at == case.created_at]
    return (made or theirs or (referrals if standing.id == case.id else []) or [None])[0]


def added_to(session: Session, report: Report) -> list[Report]:
    """The details added later to one referral, oldest first."""
    return [r for r in reports_of(session, report.case_id) if supplements(r) == report.id]


def supplements(report: Report) -> int | None:
    """The id of the referral a details row completes; None for a referral."""
    return report.answers.get(REPORT_KEY) if report.form_id == DETAILS_ID else None


def answers_so_far(session: Session, case: Case, standing: Case) -> dict[str, Any]:
    """The reporter's referral with every detail added since, in order (empty when there is no referral)."""
    report = own_report(session, case, standing)
    if report is None:
        return {}
    merged = dict(report.answers)
    for later in added_to(session, report):
        merged.update({k: v for k, v in later.answers.items() if not k.startswith("_")})
    return merged


def submit_details(turn: TurnContext, state: dict[str, Any]) -> list[Reply]:
    """The details form sent: checked again (the case may have closed meanwhile), stored, told, audited."""
    if state.get("replay"):  # the page or card came again after it was sent
        return [Reply("Those details have been added already. To add more, type /cme details and your reference.")]
    answers = state["answers"]
    try:
        case = own_case(turn, str(answers.get(CASE_KEY, "")))
        standing = open_case(turn.session, case)
    except Refused as exc:
        drop_conversation(turn.session, turn.user_key)  # they can go nowhere: not kept to be sent again
        return [Reply(f"{exc} Your answers in this form were deleted.", kind=ReplyKind.ERROR)]
    return add_details(turn, case=case, standing=standing, given=new_answers(answers), meta=state.get("meta", {}))


def add_details(
    turn: TurnContext, *, case: Case, standing: Case, given: dict[str, Any], meta: dict[str, Any]
) -> list[Reply]:
    """Store what is still missing of `given` on the case that stands; its statistics, its step, the officer."""
    report = own_report(turn.session, case, standing)
    before = answers_so_far(turn.session, case, standing)
    fresh = addable(before, given)  # another form may have added some meanwhile: never twice
    told = [k for k, v in fresh.items() if not k.endswith(PRECISION_KEY) and v not in (None, "", [])]
    if report is None or not told:  # nothing left to add, or every question skipped: the draft is done with
        drop_conversation(turn.session, turn.user_key)
        skipped_all = f"You skipped every question, so nothing was added to {case.reference}."
        return [Reply(skipped_all if report is not None and fresh else nothing_missing(case.reference))]
    harm = bool(meta.get("harm_flagged") or meta.get("harm_mentioned")) or new_harm(fresh)
    row = _stored(turn, standing, report, fresh, harm=harm, signpost=meta.get("signpost_shown_at"))
    after = {**before, **fresh}
    filled = _fill_statistics(turn, standing, after)
    urgent = _make_urgent(standing) if harm else False
    step = _retitle_step(turn, standing, after) if case.id == standing.id else None
    skipped = sorted(k for k in fresh if k not in told and not k.endswith(PRECISION_KEY))
    audit(turn, standing, "reporter.details", via=case.reference, report_id=row.id, fields=sorted(told),
          skipped=skipped, statistics=filled, became_urgent=urgent, step=step)  # fmt: skip
    _tell_officers(turn, standing, row, len(told), harm_alert=harm and not meta.get("alerted"))
    return [_added(case, len(told), urgent=harm)]


def _stored(
    turn: TurnContext, standing: Case, report: Report, fresh: dict[str, Any], *, harm: bool, signpost: str | None
) -> Report:
    """The details as a Report row of their own on the case that stands, pointing at the referral they complete."""
    row = Report(
        case_id=standing.id,
        form_id=DETAILS_ID,
        answers={**fresh, REPORT_KEY: report.id},
        submitted_by=turn.user_key,
        submitted_at=turn.now,
        harm_flagged=harm,
        signpost_shown_at=dt.datetime.fromisoformat(signpost) if signpost else None,
        mash_contacted=fresh.get("mash_contacted"),
    )
    turn.session.add(row)
    turn.session.flush()
    return row


def _added(case: Case, count: int, *, urgent: bool) -> Reply:
    ref = case.reference
    lines = [f"Added {count} detail{'' if count == 1 else 's'} to {ref}. The CME officer has been told. Thank you."]
    if urgent:
        lines.append("Because you flagged harm, the case is marked urgent and the officer has been alerted.")
    lines.append(f"Anything else to add? Type /cme add {ref} and what you want to add.")
    data = {"reference": ref, "urgent": urgent, **thread_data(ref)}
    return Reply("\n\n".join(lines), kind=ReplyKind.CONFIRMATION, title=f"Added to {ref}", data=data)


def _fill_statistics(turn: TurnContext, standing: Case, answers: dict[str, Any]) -> list[str]:
    """The return's fields the answers now give, where none is recorded and no officer has set one."""
    stats = statistics_from_answers(answers)
    events = audit_trail(turn.session, standing.id)
    officer_set = {event.detail.get("field") for event in events if event.action == "case.field_set"}
    filled = [
        column
        for column in STATISTICS
        if stats[column] is not None and getattr(standing, column) is None and column not in officer_set
    ]
    for column in filled:
        setattr(standing, column, stats[column])
    turn.session.add(standing)
    return filled


def _make_urgent(standing: Case) -> bool:
    """Mark the case urgent; True when it was not before."""
    if standing.urgent:
        return False
    standing.urgent = True
    return True


def _retitle_step(turn: TurnContext, standing: Case, answers: dict[str, Any]) -> str | None:
    """The plan's "ask for the details still missing" step names what is still missing (left for the officer)."""
    ask = turn.profile.missing_details_step
    step = next((s for s in steps_of(turn.session, standing.id) if s.step_id == ask.id), None)
    if step is None or step.state not in ACTIVE_STEP_STATES:
        return None
    step.title = missing_step_title(turn.profile, missing_details(answers))
    turn.session.add(step)
    return step.step_id


def _tell_officers(turn: TurnContext, standing: Case, row: Report, count: int, *, harm_alert: bool) -> None:
    """Reference and urgency only: the assigned officer (or the officers); harm goes to every officer at once."""
    ref = standing.reference
    text = f"The reporter added {count} detail{'' if count == 1 else 's'} to {ref}. Open it: /cme case {ref}"
    payload = {"title": f"From the reporter: {ref}", "reference": ref, "urgent": standing.urgent}
    for recipient in officer_recipients(turn.profile, standing.assigned_to):
        where = f"{recipient.get('channel')}:{recipient.get('conversation_id')}"
        enqueue(turn.session, Outbox(kind="reporter.details", dedupe_key=f"reporter-details:{row.id}:{where}"[:255],
                                     recipient=recipient, text=text + (" (URGENT case)" if standing.urgent else ""),
                                     payload=payload, urgent=standing.urgent, case_id=standing.id,
                                     created_at=turn.now, not_before=turn.now))  # fmt: skip
    if harm_alert:
        harm_now(turn, standing, key=f"details-harm:{row.id}")


def harm_now(turn: TurnContext, standing: Case, *, key: str) -> None:
    """The officers' urgent alert: the reporter told of harm while adding details (reference only)."""
    ref = standing.reference
    text = (
        f"URGENT: the reporter of {ref} flagged harm while adding details. The case is marked urgent and they were "
        f"shown the MASH contacts. Open it now: /cme case {ref}"
    )
    notify_role(turn.session, profile=turn.profile, role="officers", kind="reporter.harm", key=key, text=text,
                urgent=True, now=turn.now, case_id=standing.id, payload={"reference": ref, "urgent": True})  # fmt: skip


def alert_if_harm(turn: TurnContext, state: dict[str, Any]) -> None:
    """A yes on the harm screen, mid-form: the case is urgent and the officers are alerted now, not at the end."""
    meta = state["meta"]
    if not meta.pop("alert_now", False):
        return
    try:
        case = own_case(turn, str(state["answers"].get(CASE_KEY, "")))
        standing = open_case(turn.session, case)
    except Refused:
        return  # the submit says why nothing can be added
    became = _make_urgent(standing)
    audit(turn, standing, "reporter.harm_flagged", via=case.reference, became_urgent=became)
    harm_now(turn, standing, key=f"details-harm:{state.get('draft_id')}")
    meta["alerted"] = True


def register(router: Router) -> None:
    """Add `/cme details` and its form."""
    router.flow(Flow(DETAILS, submit_details, after_step=alert_if_harm))
    run = lambda turn, args: details_command(turn, args, router.flows)  # noqa: E731
    router.command(CommandSpec("details", run, HELP))
