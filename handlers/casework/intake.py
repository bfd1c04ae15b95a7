"""Submitting a referral: one transaction creates the case, its report, its child link, its audit event and the alert.

The child is matched at intake (handlers/children/): a strong match to a child with an open case merges
the new case into it (the reporter still gets their own reference and is told nothing about the other
case; the officers get "New information on REF"); an earlier closed case makes this a repeat episode.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from handlers.casework import harm_drafts
from handlers.casework.alerts import new_case_text, new_information_text, notify_role
from handlers.casework.enquiries import create_plan
from handlers.casework.reporter_notes import thread_data
from handlers.children.household import link_household
from handlers.children.link import Linked, episode_note, link_case
from handlers.children.merge import merge_case, record_merge, stored_changes
from handlers.children.possible import possible_matches_of
from handlers.core import FormContext
from handlers.knowledge.profile import Profile
from handlers.knowledge.registers import statistics_from_answers
from handlers.messages import ActionId, Address, Button, Identity, Reply, ReplyKind
from handlers.referral.form import REFERRAL, harm_flagged, missing_details
from handlers.referral.triage_hooks import triage_answers
from storage.merges import MergeKind
from storage.models import Case, Report
from storage.queries import allocate_reference, case_by_submission, record_audit


def submit_referral(
    session: Session,
    *,
    answers: dict[str, Any],
    meta: dict[str, Any],
    identity: Identity,
    address: Address,
    submission_key: str,
    ctx: FormContext,
) -> tuple[Case, bool]:
    """Create the case (or find the one this submission already made); returns (case, created)."""
    existing = case_by_submission(session, submission_key)
    if existing is not None:
        return existing, False
    answers = REFERRAL.clean(answers)
    case = _new_case(session, answers, meta, identity, address, submission_key, ctx)
    session.add(_report(case, answers, meta, identity, ctx.now))
    session.flush()  # the report exists before a merge moves it to the case that stands
    linked = link_case(session, case, answers, ctx.profile.matching, ctx.now)
    standing = linked.open_case or case  # the case that stands records the links
    link_household(session, child=linked.child, actor=identity.key, case_id=standing.id, at=ctx.now)
    record_audit(
        session,
        case_id=case.id,
        actor=identity.key,
        action="case.created",
        at=ctx.now,
        reason="referral submitted",
        detail={"urgent": case.urgent, "triage": case.triage_outcome, "form": REFERRAL.id, "child": linked.how,
                "possible_matches": linked.possible, "episode": len(linked.episodes) + 1},
    )  # fmt: skip
    # Harm flagged while it was written: the officers had an alert then; this one says it is that referral.
    alerted = harm_drafts.sent(session, submission_key=submission_key, reference=case.reference, now=ctx.now)
    flagged = f"{alerted.astimezone(ctx.profile.tz):%H:%M}" if alerted else None
    if linked.open_case is not None:
        _add_to_open_case(session, case, linked, identity, ctx, flagged)
    else:
        _start_case(session, case, linked, identity, ctx, flagged, missing=missing_details(answers))
    return case, True


def _start_case(
    session: Session,
    case: Case,
    linked: Linked,
    identity: Identity,
    ctx: FormContext,
    flagged: str | None,
    *,
    missing: list[str],
) -> None:
    """A case of its own: its enquiry plan (asking for what a quick report left out first), the alert, a join kept."""
    steps = create_plan(session, case, ctx.profile, ctx.now, repeat=bool(linked.episodes), missing=missing)
    matches = possible_matches_of(session, [case.id])[case.id] if linked.possible else []
    episode = episode_note(linked.episodes)
    text = new_case_text(case.reference, urgent=case.urgent, episode=episode, matches=matches, flagged=flagged)
    _alert(session, case, ctx, "case.new", f"case-new:{case.reference}", text, matches=matches)
    if linked.joined is not None:  # a known child whose cases are closed: a split undoes the join
        repeat = {step.id for step in ctx.profile.enquiry_plan if step.repeat_only}
        session.flush()
        undo = {"repeat_steps": [step.id for step in steps if step.step_id in repeat]}
        into = linked.episodes[-1] if linked.episodes else None
        _record_join(session, case, linked, identity, ctx, into=into, undo=undo)


def _add_to_open_case(
    session: Session, case: Case, linked: Linked, identity: Identity, ctx: FormContext, flagged: str | None
) -> None:
    """A strong match to a child with an open case: the new case merges into it and the officer is told."""
    survivor = linked.open_case
    undo = merge_case(session, case, survivor, actor=identity.key, now=ctx.now, reason="strong match at intake")
    _record_join(session, case, linked, identity, ctx, into=survivor, undo=undo)
    text = new_information_text(survivor.reference, urgent=case.urgent, joined=case.reference, flagged=flagged)
    _alert(session, survivor, ctx, "case.new_information", f"case-info:{case.reference}", text, urgent=case.urgent)


def _record_join(
    session: Session, case: Case, linked: Linked, identity: Identity, ctx: FormContext, *, into: Case | None, undo: dict
) -> None:
    """Keep what joining a known child changed, with the score and plain reasons, for the case view and a split."""
    record_merge(session, case=case, into=into, kind=MergeKind.INTAKE, actor=identity.key, now=ctx.now,
                 case_merged=into is not None and into is linked.open_case, into_child_id=linked.child.id,
                 score=linked.joined.score, reasons=list(linked.joined.reasons),
                 undo={**undo, "child": stored_changes(linked.changes)})  # fmt: skip


def _alert(session: Session, case: Case, ctx: FormContext, kind: str, key: str, text: str, **extra: Any) -> None:
    urgent = extra.get("urgent", case.urgent)
    matches = {"possible_matches": extra["matches"]} if extra.get("matches") else {}
    notify_role(
        session,
        profile=ctx.profile,
        role="officers",
        kind=kind,
        key=key,
        text=text,
        urgent=urgent,
        now=ctx.now,
        case_id=case.id,
        payload={"reference": case.reference, "urgent": urgent, **matches},
    )


def _new_case(
    session: Session,
    answers: dict[str, Any],
    meta: dict[str, Any],
    identity: Identity,
    address: Address,
    submission_key: str,
    ctx: FormContext,
) -> Case:
    year = ctx.now.astimezone(ctx.profile.tz).year
    seq, reference = allocate_reference(session, year=year, prefix=ctx.profile.references.prefix)
    case = Case(
        reference=reference,
        year=year,
        seq=seq,
        # Harm described in the reporter's own words counts too: the quick report asks no harm screen before sending.
        urgent=harm_flagged(answers) or bool(meta.get("harm_flagged") or meta.get("harm_mentioned")),
        triage_outcome=triage_answers(answers, ctx).outcome.value,
        reporter_key=identity.key,
        reporter_address=address.to_dict(),
        submission_key=submission_key,
        created_at=ctx.now,
        updated_at=ctx.now,
        **statistics_from_answers(answers),  # the DfE return's fields, as far as the answers say
    )
    session.add(case)
    session.flush()  # the case id, for the report, the plan and the audit event
    return case


def _report(case: Case, answers: dict[str, Any], meta: dict[str, Any], identity: Identity, now: dt.datetime) -> Report:
    shown = meta.get("signpost_shown_at")
    return Report(
        case_id=case.id,
        form_id=REFERRAL.id,
        answers=answers,
        submitted_by=identity.key,
        submitted_at=now,
        harm_flagged=case.urgent,
        signpost_shown_at=dt.datetime.fromisoformat(shown) if shown else None,
        mash_contacted=answers.get("mash_contacted"),
    )


MORE_LATER = (
    "You sent the essentials. To answer the rest of the form later (the family, brothers and sisters, who else "
    "is involved, what has been tried), {how} /cme details {ref} (about {minutes} minutes). To add something in "
    "your own words:"
)
PRESS_OR_TYPE = "press 'Add more detail' or type"  # where the confirmation has the button (the terminal has none)
# How to add to a concern later, by the reporter's channel (a reply to this message adds to it where there is one).
ADD_LATER = {
    "slack": "Reply in this message's thread in your chat with the bot, or type /cme add {ref} and what to add.",
    "teams": "Reply to this message, press 'Add to this concern', or type /cme add {ref} and what to add.",
    "terminal": "Type /cme add {ref} followed by what you want to add.",
}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def confirmation(case: Case, profile: Profile, *, quick: bool = False, minutes: int | None = None) -> Reply:
    """What the reporter is told after submitting: the reference and what happens next.

    `quick`: sent with the essentials only ("Send now"), so how to add the rest later comes first; `minutes`:
    about how long the detail questions still open take (none open: no "Add more detail").
    """
    officer = profile.contact("cme_officer")
    channel = case.reporter_key.split(":", 1)[0]
    ref = case.reference
    add_later = ADD_LATER.get(channel, ADD_LATER["terminal"]).format(ref=ref)
    more = quick and minutes is not None
    how = "type" if channel not in ("slack", "teams") else PRESS_OR_TYPE
    if more:
        later = f"{MORE_LATER.format(ref=ref, minutes=minutes, how=how)} {_lower_first(add_later)}"
    else:
        later = f"Anything to add later? {add_later}"
    lines = [
        f"Thank you. Your concern has been sent to the CME officer. Your reference is {ref}.",
        "What happens next: the CME officer checks the details and starts reasonable enquiries to find the "
        "child and get them back into education. They may contact you for more information.",
        f"You'll be told the outcome when the case closes. Check on it any time with /cme status {ref}.",
        f"{later} Or contact the CME officer: {officer.phone or ''} {officer.email or ''}".strip(),
    ]
    if case.urgent:
        lines.insert(1, "Because you flagged harm, the case is marked urgent and the officer has been alerted.")
    buttons = (Button("Add to this concern", f"/cme add {ref}", ActionId.REPORTER_ADD),)
    if more:
        detail = Button(f"Add more detail (about {minutes} minutes)", f"/cme details {ref}", ActionId.REPORTER_DETAILS)
        buttons = (detail, *buttons)
    return Reply(
        "\n\n".join(lines),
        kind=ReplyKind.CONFIRMATION,
        title=f"Concern raised: {ref}",
        buttons=buttons,
        data={"reference": ref, "urgent": case.urgent, **thread_data(ref)},
    )
