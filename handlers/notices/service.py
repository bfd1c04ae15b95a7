"""Recording a school's register notice: one transaction records it, opens a case or prompts a transfer, audits it.

A deletion on a ground that leaves the child possibly missing education (data: reg9_grounds.yaml) is
submitted as a referral (handlers/casework/intake.py: matched against known children, the profile's
enquiry plan, the officers' alert) and the case records where it came from, its DfE reason and the date
the child came off roll. The school gets a reference and the date the joint reasonable enquiries are due
(the end of the case's enquiry plan, counted in school days by the profile's term calendar). A deletion
naming a new school is recorded; when that school is in another council, the officers are prompted to tell
that council (no case: the child is not missing education). New pupil returns: handlers/notices/admissions.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from handlers.casework.alerts import notify_role
from handlers.casework.intake import submit_referral
from handlers.casework.transfer_forms import own_council
from handlers.core import FormContext
from handlers.knowledge.councils import Council, find
from handlers.knowledge.registers import ground, statistics_from_answers
from handlers.messages import Address, Identity
from handlers.notices.forms import DELETION_SPEC
from handlers.referral.sections import MORE
from storage.models import ACTIVE_STEP_STATES, Case
from storage.notices import NoticeKind, SchoolNotice
from storage.queries import allocate_reference, record_audit, steps_of

PREFIX = "SN"
# Notices count on their own row of the reference counter (keyed -year) so case numbers stay consecutive.
_COUNTER = -1
# What the notice keeps about the pupil (child data, in the encrypted `details` column): never in a column.
DETAILS = (
    "child_forenames", "child_surname", "child_dob", "child_gender", "child_year_group", "child_upn", "child_address",
    "child_postcode", "parent_names", "parent_address", "parent_phone", "new_address", "new_start_date",
    "date_last_attended", "previous_school", "referrer_name", "referrer_role", "referrer_phone", "referrer_email",
)  # fmt: skip


@dataclass(frozen=True)
class Recorded:
    """What a notice did: the notice, the case it opened (and the one that stands), the council to tell."""

    notice: SchoolNotice
    case: Case | None = None
    standing: Case | None = None
    other_council: Council | None = None
    created: bool = True


def notice_by_submission(session: Session, key: str) -> SchoolNotice | None:
    """The notice this submission already made, if any (double submits, retries)."""
    return session.exec(select(SchoolNotice).where(SchoolNotice.submission_key == key)).first()


def new_notice(
    session: Session, kind: NoticeKind, answers: dict[str, Any], identity: Identity, key: str, ctx: FormContext
) -> SchoolNotice:
    """A new notice with the next reference of the year; the pupil's details only in its encrypted `details`."""
    year = ctx.now.astimezone(ctx.profile.tz).year
    seq, _ = allocate_reference(session, year=_COUNTER * year, prefix=PREFIX)
    day = answers.get("deletion_date") or answers["admission_date"]
    notice = SchoolNotice(
        reference=f"{PREFIX}-{year}-{seq:04d}",
        kind=kind.value,
        school_name=answers["school_name"][:200],
        school_urn=answers.get("school_urn"),
        ground=answers.get("reg9_ground"),
        event_date=dt.date.fromisoformat(day),
        new_school_name=(answers.get("new_school") or "")[:200] or None,
        new_school_urn=answers.get("new_school_urn"),
        details={k: answers[k] for k in DETAILS if answers.get(k) is not None},
        submitted_by=identity.key,
        submission_key=key,
        created_at=ctx.now,
    )
    session.add(notice)
    session.flush()
    return notice


def _referral_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """The deletion return as the referral's answers: not on roll, deleted under the ground, the school."""
    going = bool(answers.get("new_school") or answers.get("new_address"))
    return {
        **answers,
        "on_roll": "no",
        "home_educated": "no",
        "reason": "deleted-reg9",
        "destination_known": going,
        "referrer_agency": answers["school_name"],
        "next_step": MORE,  # a whole record, not a quick report: nothing is listed as still missing
    }


def _statistics(case: Case, answers: dict[str, Any], *, own: bool) -> dict[str, Any]:
    """Set the case's return fields from the notice (its own case) or fill the gaps (an open case it joined)."""
    known = statistics_from_answers(_referral_answers(answers))
    known["missing_since"] = dt.date.fromisoformat(answers["deletion_date"])  # off roll: missing from that day
    known.pop("missing_since_precision", None)  # the deletion date is a day
    changed = {k: v for k, v in known.items() if v is not None and (own or getattr(case, k) is None)}
    for name, value in changed.items():
        setattr(case, name, value)
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in changed.items()}


def enquiries_due(session: Session, case: Case) -> dt.date | None:
    """When the case's reasonable enquiries (its plan's waiting steps) are due to be finished."""
    dates = [s.due_on for s in steps_of(session, case.id) if s.state in ACTIVE_STEP_STATES]
    return max(dates) if dates else None


def _open_case(
    session: Session,
    notice: SchoolNotice,
    answers: dict[str, Any],
    identity: Identity,
    address: Address,
    ctx: FormContext,
) -> tuple[Case, Case]:
    case, _ = submit_referral(
        session,
        answers=_referral_answers(answers),
        meta={},
        identity=identity,
        address=address,
        submission_key=f"notice:{notice.reference}",
        ctx=ctx,
    )
    standing = session.get(Case, case.merged_into) if case.merged_into else case
    case.source = "deletion"
    for each in {case.id: case, standing.id: standing}.values():
        changed = _statistics(each, answers, own=each is case)
        session.add(each)
        record_audit(
            session,
            case_id=each.id,
            actor=identity.key,
            action="case.fields_set",
            at=ctx.now,
            reason=f"school deletion notice {notice.reference}",
            detail=changed,
        )
    notice.case_id = standing.id
    session.flush()
    notice.enquiries_due = enquiries_due(session, standing)
    return case, standing


def _elsewhere(answers: dict[str, Any], ctx: FormContext) -> Council | None:
    """The new school's council when it is another council (None when it is this one or not given)."""
    council = find(str(answers.get("new_school_council") or "")).council
    own = own_council(ctx.profile)
    return None if council is None or (own is not None and own.code == council.code) else council


def _prompt_transfer(session: Session, notice: SchoolNotice, council: Council, ctx: FormContext) -> None:
    contact = ctx.profile.councils.get(council.code)
    how = f" Their CME contact: {contact.email or contact.phone}." if contact else ""
    text = (
        f"School notice {notice.reference}: a pupil taken off roll under ground ({notice.ground}) is going to a "
        f"school in {council.label}. Tell {council.name}'s CME officer so they can confirm the place.{how}"
    )
    notify_role(
        session,
        profile=ctx.profile,
        role="officers",
        kind="notice.transfer",
        key=f"notice:{notice.reference}",
        text=text,
        urgent=False,
        now=ctx.now,
        payload={"notice": notice.reference, "council": council.code},
    )


def record_deletion(
    session: Session,
    *,
    answers: dict[str, Any],
    identity: Identity,
    address: Address,
    submission_key: str,
    ctx: FormContext,
) -> Recorded:
    """Record a deletion return; open a case when the ground leaves the child possibly missing education."""
    existing = notice_by_submission(session, submission_key)
    if existing is not None:
        case = session.get(Case, existing.case_id) if existing.case_id else None
        return Recorded(existing, case, case, created=False)
    answers = DELETION_SPEC.clean(answers)
    notice = new_notice(session, NoticeKind.DELETION, answers, identity, submission_key, ctx)
    chosen = ground(notice.ground)
    council = _elsewhere(answers, ctx)
    notice.new_school_la_code = council.code if council else None
    case = standing = None
    if chosen is not None and chosen.makes_cme(new_school_named=bool(notice.new_school_name)):
        case, standing = _open_case(session, notice, answers, identity, address, ctx)
    elif council is not None:
        _prompt_transfer(session, notice, council, ctx)
    session.add(notice)
    detail = {
        "notice": notice.reference,
        "ground": notice.ground,
        "case": standing.reference if standing else None,
        "other_council": council.code if council else None,
    }
    record_audit(
        session,
        case_id=standing.id if standing else None,
        actor=identity.key,
        action="notice.deletion",
        at=ctx.now,
        reason="school deletion return",
        detail=detail,
    )
    return Recorded(notice, case, standing, council)
