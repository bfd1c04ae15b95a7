"""Submitting a referral: one transaction creates the case, its report, its audit event and the alert."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from handlers.casework.alerts import new_case_text, notify_role
from handlers.casework.enquiries import create_plan
from handlers.core import FormContext
from handlers.knowledge.profile import Profile
from handlers.messages import Address, Identity, Reply, ReplyKind
from handlers.referral.form import REFERRAL, harm_flagged
from handlers.referral.triage_hooks import triage_answers
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
    create_plan(session, case, ctx.profile, ctx.now)
    record_audit(
        session,
        case_id=case.id,
        actor=identity.key,
        action="case.created",
        at=ctx.now,
        reason="referral submitted",
        detail={"urgent": case.urgent, "triage": case.triage_outcome, "form": REFERRAL.id},
    )
    notify_role(
        session,
        profile=ctx.profile,
        role="officers",
        kind="case.new",
        key=f"case-new:{case.reference}",
        text=new_case_text(case.reference, urgent=case.urgent),
        urgent=case.urgent,
        now=ctx.now,
        case_id=case.id,
        payload={"reference": case.reference, "urgent": case.urgent},
    )
    return case, True


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
        urgent=harm_flagged(answers) or bool(meta.get("harm_flagged")),
        triage_outcome=triage_answers(answers, ctx).outcome.value,
        reporter_key=identity.key,
        reporter_address=address.to_dict(),
        submission_key=submission_key,
        created_at=ctx.now,
        updated_at=ctx.now,
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


def confirmation(case: Case, profile: Profile) -> Reply:
    """What the reporter is told after submitting: the reference and what happens next."""
    officer = profile.contact("cme_officer")
    lines = [
        f"Thank you. Your concern has been sent to the CME officer. Your reference is {case.reference}.",
        "What happens next: the CME officer checks the details and starts reasonable enquiries to find the "
        "child and get them back into education. They may contact you for more information.",
        f"You'll be told the outcome when the case closes. Check on it any time with /cme status {case.reference}.",
        f"Anything to add? Contact the CME officer: {officer.phone or ''} {officer.email or ''}".strip(),
    ]
    if case.urgent:
        lines.insert(1, "Because you flagged harm, the case is marked urgent and the officer has been alerted.")
    return Reply(
        "\n\n".join(lines),
        kind=ReplyKind.CONFIRMATION,
        title=f"Concern raised: {case.reference}",
        data={"reference": case.reference, "urgent": case.urgent},
    )
