"""The child behind a case, on the officer's case view: episodes, merged references, later referrals, possible matches.

Officers only (the case view is staff-only and its viewing is audited by the caller). Possible matches
show the other case's reference and the reasons in plain words, with Same child / Different child
buttons whose values are the commands (pressing = typing, so every channel behaves the same).
"""

from __future__ import annotations

from sqlmodel import Session

from handlers.casework.views import details_reply, outcome_words, who, with_added
from handlers.children.link import episode_note, ordinal
from handlers.children.possible import SCORE_MEANING, explain, plain_words
from handlers.messages import ActionId, Button, Reply
from storage.child_queries import (
    case_as_raised,
    cases_of_child,
    closed_episodes,
    matches_against,
    matches_of,
    merged_group,
    merged_into_case,
    reports_of,
    surviving_case,
    surviving_child,
)
from storage.children import Child, ChildMatch
from storage.merges import MergeKind, merges_into, merges_of
from storage.models import Case

MAX_MATCH_BUTTONS = 3  # matches with buttons (two each); the rest are listed with the commands to type


def child_replies(session: Session, case: Case, typed: str | None) -> list[Reply]:
    """Replies to show after the case summary: a merge notice, the child's episodes and cases, possible matches."""
    replies = []
    raised = case_as_raised(session, typed) if typed else None
    if raised is not None and raised.id != case.id:
        replies.append(
            Reply(
                f"{raised.reference} was merged into {case.reference}; this is the case that stands.",
                title=f"{raised.reference} was merged",
                data={"merged": raised.reference, "into": case.reference},
            )
        )
    episodes = _episodes(session, case)
    if episodes is not None:
        replies.append(episodes)
    matches = _matches(session, case)
    if matches:
        replies.append(matches)
    joined = _merges(session, case)
    if joined:
        replies.append(joined)
    return replies


def _merges(session: Session, case: Case) -> Reply | None:
    """How cases came to be one (automatic joins with their score and reasons), each with a Split button."""
    group = [c.id for c in merged_group(session, case)]
    facts, buttons = [], []
    for merge in [*merges_of(session, case.id), *merges_into(session, group)]:
        mine = session.get(Case, merge.case_id)
        other = session.get(Case, merge.into_case_id) if merge.into_case_id else None
        how = "its referral was added here" if merge.case_merged else "a case of its own; the child's records joined"
        if merge.kind == MergeKind.INTAKE:
            said = f"joined automatically as it arrived ({how}): {', '.join(merge.reasons)}"
            said += f". Match score {merge.score:.2f} ({SCORE_MEANING})." if merge.score is not None else "."
        else:
            said = f"recorded as the same child by {who(merge.merged_by)} on {merge.merged_at:%-d %b %Y} ({how})."
        facts.append((f"{mine.reference} with {other.reference}" if other else mine.reference, said))
        buttons.append(Button(f"Split {mine.reference}", f"/cme split {mine.reference}", ActionId.SPLIT_CASE))
    if not facts:
        return None
    text = "Cases joined as one child. If they are two children, split them: both go back as they were."
    data = {"merges": [{"case": ref.split(" ")[0], "how": said} for ref, said in facts]}
    return Reply(text, title="Joined cases", facts=tuple(facts), buttons=tuple(buttons[:MAX_MATCH_BUTTONS]), data=data)


def later_referrals(session: Session, case: Case) -> list[Reply]:
    """The details of referrals merged into this case after its own (shown after the first referral's)."""
    return [
        details_reply(
            report,
            f"Details from a later referral ({report.submitted_at:%-d %b %Y}, by {who(report.submitted_by)})",
            added,
        )
        for report, added in with_added(reports_of(session, case.id))[1:]
    ]


def _episodes(session: Session, case: Case) -> Reply | None:
    """The child's other cases and this one's episode number; None for a child with no other case."""
    child = surviving_child(session, case.child_id)
    if child is None:
        return None
    earlier = closed_episodes(session, child.id, before=case)
    note = episode_note(earlier)
    facts = [("Episode", note or f"{ordinal(1)} episode")]
    for other in cases_of_child(session, child.id):
        if other.id != case.id:
            state = outcome_words(other.outcome) if other.state == "closed" and other.outcome else other.state
            facts.append((other.reference, f"{state} · raised {other.created_at:%-d %b %Y}"))
    merged = [c.reference for c in merged_into_case(session, case.id)]
    if len(facts) == 1 and not merged:
        return None
    if merged:
        facts.append(("Merged into this case", ", ".join(merged)))
    title = "REPEAT EPISODE" if note else "The child"
    text = (
        "A repeat episode is a risk indicator: review how the earlier cases closed." if note else "The child's cases."
    )
    return Reply(text, title=title, facts=tuple(facts), data={"episode": len(earlier) + 1, "merged": merged})


def _other(session: Session, match: ChildMatch, case: Case) -> tuple[str, Child | None] | None:
    """The case to compare with and its child: the candidate child's latest case, or the case that found it."""
    if match.case_id != case.id:
        found = surviving_case(session, session.get(Case, match.case_id))
        if found is None or found.id == case.id:
            return None
        return found.reference, surviving_child(session, found.child_id)
    child = surviving_child(session, match.candidate_id)
    cases = cases_of_child(session, child.id) if child is not None else []
    return (cases[-1].reference, child) if cases else None


def _pending_for(session: Session, case: Case) -> list[ChildMatch]:
    found = matches_of(session, case.id)
    if case.child_id is not None:
        found.extend(matches_against(session, case.child_id))
    return found


def _matches(session: Session, case: Case) -> Reply | None:
    facts, buttons = [], []
    this = surviving_child(session, case.child_id)
    for match in _pending_for(session, case):
        found = _other(session, match, case)
        if found is None:
            continue
        other, child = found
        # The two records as they stand now, names and all (officers only); the stored words if one is gone.
        words = explain(this, child).words() if this and child else plain_words(match.reasons, match.score)
        facts.append((other, f"Possible match. {words}"))
        if len(buttons) < 2 * MAX_MATCH_BUTTONS:
            buttons.append(
                Button(f"Same child as {other}", f"/cme same {case.reference} {other}", ActionId.SAME_CHILD, "primary")
            )
            buttons.append(
                Button("Different child", f"/cme different {case.reference} {other}", ActionId.DIFFERENT_CHILD)
            )
    if not facts:
        return None
    text = (
        f"This child may already be known. Check what agrees and what differs, then say: /cme same {case.reference} "
        f"OTHERREF or /cme different {case.reference} OTHERREF."
    )
    data = {"possible_matches": [ref for ref, _ in facts]}
    return Reply(text, title="Possible matches", facts=tuple(facts), buttons=tuple(buttons), data=data)
