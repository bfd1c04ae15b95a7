"""`/cme split REF [why]`: an officer undoes a wrong merge, and both cases stand as they were before it.

Officers and managers only (the router refuses anyone else). The reference goes through the one door
(resolve.py: merges followed, every case behind it checked), and so does every other case the split
changes: the case it was merged into and the cases a folded-in child record takes back. The undoing
itself is handlers/children/split.py; here the cases are locked, a case merged before its enquiry plan
was made gets one, and the officer is told what moved back. The Split button on the case view sends
this command, so pressing and typing are one path in every channel. Replies name references only.
"""

from __future__ import annotations

from handlers.casework.actions import Usage
from handlers.casework.cases import find_reference
from handlers.casework.enquiries import create_plan
from handlers.casework.resolve import require, resolve
from handlers.children.split import Split, SplitError, other_case, split, the_merge
from handlers.core import TurnContext
from handlers.messages import ActionId, Button, CommandSpec, Reply, ReplyKind
from handlers.router import Router
from storage.child_queries import merged_group
from storage.merges import lock_cases
from storage.models import Case

USAGE = "/cme split REF [why] (for example /cme split CME-2026-0043 twins, not the same child)"
HELP = f"officers: undo a wrong merge, both cases back as they were: {USAGE}"
REASON = "a wrong merge: not the same child"
DETAIL_WORDS = {"forenames": "first names", "surname": "surname", "other_names": "other names", "dob": "date of birth",
                "sex": "sex", "upn": "UPN", "parent_names": "parents' names", "address": "address",
                "postcode": "postcode", "school": "school"}  # fmt: skip


def split_command(turn: TurnContext, args: str) -> list[Reply]:
    """Undo the merge of the case named (its referrals, steps and child record back); audited on both cases."""
    found = find_reference(args or "")
    if found is None:
        ask = f"Which case should be split from the one it was merged with? Type {USAGE}"
        return [Reply(ask, kind=ReplyKind.ERROR)]
    reference, words = found
    try:
        missing = f"There is no case {{reference}}. Nothing was changed. {USAGE}"
        resolved = resolve(turn, reference, "split", missing=missing)
        done = _split(turn, resolved.typed, " ".join(words).strip() or REASON)
    except (SplitError, Usage) as error:
        return [Reply(str(error), kind=ReplyKind.ERROR)]
    if done.needs_plan:  # it joined an open case at intake, before it had one: its enquiries start today
        create_plan(turn.session, done.case, turn.profile, turn.now)
    return [_told(done)]


def _split(turn: TurnContext, typed: Case, reason: str) -> Split:
    merge = the_merge(turn.session, typed)
    other = other_case(turn.session, typed, merge)
    moved = [turn.session.get(Case, case_id) for case_id in (merge.undo.get("cases", []) if merge else [])]
    touched = [typed, *(merged_group(turn.session, other) if other is not None else []), *filter(None, moved)]
    require(turn, touched, "split", typed=typed)  # every case the split changes, not only the one typed
    changed = lock_cases(turn.session, touched)  # two officers at once: the second waits here, then is told
    if changed:
        raise SplitError(
            f"{', '.join(changed)} changed just now: another officer merged or split it. Nothing was changed. "
            f"Look again with /cme case {typed.reference}."
        )
    return split(turn.session, typed, merge, actor=turn.user_key, now=turn.now, reason=reason)


def _told(done: Split) -> Reply:
    case, other = done.case, done.other
    lines = [f"{case.reference} is its own case again ({case.state}), under its own reference."]
    if done.case_merged:
        steps = _count(done.steps, "enquiry step")
        lines.append(
            f"Its {_count(done.referrals, 'referral')} and its notes are back on it, and {steps} that the merge had "
            "stopped are waiting again."
        )
    if done.needs_plan:
        lines.append("It had no enquiry plan of its own (it was merged as it arrived): one starts today.")
    record = {"restored": "its own record again", "made": "a record of its own again, made from its referral"}
    lines.append(f"The child has {record.get(done.own_record, 'the record it had')}.")
    if other is not None:
        lines.append(f"{other.reference} is as it was before the merge. Both are recorded as different children.")
    if done.kept_details:
        kept = ", ".join(DETAIL_WORDS.get(column, column) for column in done.kept_details)
        where = other.reference if other else "the other record"
        lines.append(f"On {where}, details changed since the merge were kept as they are: {kept}.")
    if done.inferred:
        lines.append(
            "This merge was made before merges were recorded in full, so what moved back was worked out: the "
            "referral made with the case and its stopped steps. Check both cases."
        )
    shown = [c for c in (case, other) if c is not None]
    buttons = [Button(f"Open {c.reference}", f"/cme case {c.reference}", ActionId.OPEN_CASE) for c in shown]
    data = {"split": case.reference, "from": other.reference if other else None, "referrals": done.referrals,
            "steps": done.steps, "record": done.own_record}  # fmt: skip
    title = f"Merge undone: {case.reference}"
    return Reply(" ".join(lines), kind=ReplyKind.CONFIRMATION, title=title, buttons=tuple(buttons), data=data)


def _count(number: int, word: str) -> str:
    return f"{number or 'no'} {word}{'' if number == 1 else 's'}"


def register(router: Router) -> None:
    """Add /cme split (staff only)."""
    router.command(CommandSpec("split", split_command, HELP, staff_only=True))
