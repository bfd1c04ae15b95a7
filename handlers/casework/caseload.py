"""The caseload service: the open cases an officer or manager may list, whichever door asks.

`/cme cases` (terminal, Slack, Teams), the officer's App Home and `cme-bot cases` all call list_cases: it
refuses anyone but an officer or a manager (the attempt recorded), lists one page of the open cases (filtered,
urgent then soonest due first), records the showing of that page once (the references whose child it named),
and shows a restricted case that does not name the caller by its reference only. Each row says who the child
is, why they are missing education and for how long, who has the case, what is next and what to look out for.
The result is plain data each door renders its own way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session

from handlers.casework.access import hidden_from
from handlers.casework.waiting_questions import cases_waiting_for_reporter
from handlers.children.possible import possible_matches_of
from handlers.core import Caller, refuse_unless_staff, transaction
from handlers.knowledge.calendar import age_on
from handlers.knowledge.dfe_categories import reason_label
from storage.caseload import (
    Filters,
    ages_given,
    children_of,
    harm_flagged,
    next_steps,
    open_cases_page,
    repeat_episodes,
)
from storage.children import Child
from storage.models import Case
from storage.queries import record_audit

PAGE_SIZE = 15  # lines a page: a screen in Slack, a card in Teams, a terminal without scrolling
# The filters an officer can type after /cme cases (or give `cme-bot cases` as options), and what each keeps.
FILTERS = {
    "mine": "assigned to you",
    "overdue": "with an enquiry step overdue",
    "unassigned": "assigned to nobody",
    "urgent": "urgent",
    "matches": "with a possible match to check",
}
# A row's flags, in the order they are shown, and their words.
FLAG_WORDS = {
    "harm": "HARM flagged",
    "urgent": "URGENT",
    "repeat": "repeat episode",
    "match": "possible match",
    "restricted": "restricted",
    "missing": "details missing",
    "question": "question waiting for the reporter",
}
VALID = f"Filters: {', '.join(FILTERS)} (combine them, for example /cme cases mine overdue)."


class BadFilter(ValueError):
    """A word after /cme cases that is not a filter or a page; the message lists the valid ones."""


@dataclasses.dataclass(frozen=True)
class Ask:
    """What was asked: the filters (in the order of FILTERS) and the page (1 is the first)."""

    filters: tuple[str, ...] = ()
    page: int = 1

    def words(self, page: int | None = None) -> str:
        """The command's words after /cme cases for this ask (another page when given)."""
        page = self.page if page is None else page
        return " ".join([*self.filters, *([f"page {page}"] if page > 1 else [])])


def parse_ask(words: Iterable[str]) -> Ask:
    """The filters and page in the words typed after /cme cases; BadFilter naming the valid ones otherwise."""
    found, page, words = set(), 1, [word.lower().strip(",") for word in words if word.strip(",")]
    for index, word in enumerate(words):
        if word in FILTERS:
            found.add(word)
        elif word == "page" and index + 1 < len(words) and words[index + 1].isdecimal():
            continue
        elif word.isdecimal() and index and words[index - 1] == "page":
            page = max(1, min(int(word), 10_000))
        else:
            shown = f"'{word[:20]}'" if word.isprintable() else "That word"  # never echo control characters
            raise BadFilter(f"{shown} isn't a filter of /cme cases. {VALID}")
    if {"mine", "unassigned"} <= found:
        raise BadFilter("A case can't be both yours and assigned to nobody: choose mine or unassigned.")
    return Ask(tuple(word for word in FILTERS if word in found), page)


FIRST_PAGE = Ask()


@dataclasses.dataclass(frozen=True)
class CaseRow:
    """One open case as a caseload lists it; a `restricted` row (caller not named on it) has its reference only."""

    reference: str
    restricted: bool = False  # restricted, and the caller is not named on it: nothing else is filled in
    urgent: bool = False
    assigned_to: str | None = None
    raised: dt.datetime | None = None
    next_due: dt.date | None = None
    overdue_steps: int = 0
    due_today_steps: int = 0
    first_name: str | None = None
    surname: str | None = None
    age: int | None = None
    age_given: int | None = None  # no date of birth: the age the reporter gave instead, when they gave one
    year_group: str | None = None
    reason: str | None = None  # the DfE reason in words
    missing_days: int | None = None  # days since the child started missing education, when recorded
    next_step: str | None = None  # the waiting enquiry step due soonest
    flags: tuple[str, ...] = ()  # keys of FLAG_WORDS
    matches: tuple[str, ...] = ()  # references of the cases this child may be the same as
    missing: tuple[str, ...] = ()  # which details are not recorded

    @property
    def name(self) -> str:
        """The child's first name and surname, as far as they are recorded."""
        return " ".join(part for part in (self.first_name, self.surname) if part) or "name not recorded"

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of `cme-bot cases --json` (a restricted row: its reference and that it is restricted)."""
        if self.restricted:
            return {"reference": self.reference, "restricted": True}
        shown = dataclasses.asdict(self)
        del shown["restricted"]
        shown["raised"] = self.raised.isoformat() if self.raised else None
        shown["next_due"] = self.next_due.isoformat() if self.next_due else None
        return shown | {"flags": list(self.flags), "matches": list(self.matches), "missing": list(self.missing)}


@dataclasses.dataclass(frozen=True)
class CaseList:
    """One page of the open cases asked for (urgent, then soonest due first), how many match in all, the day."""

    rows: tuple[CaseRow, ...]
    total: int
    today: dt.date
    ask: Ask = FIRST_PAGE
    page_size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        """How many pages the cases asked for fill (1 when there are none)."""
        return max(1, -(-self.total // self.page_size))

    @property
    def more(self) -> str | None:
        """The words after /cme cases for the next page, or None on the last page."""
        return self.ask.words(self.ask.page + 1) if self.ask.page < self.pages else None


def list_cases(caller: Caller, *, ask: Ask = FIRST_PAGE, page_size: int = PAGE_SIZE) -> CaseList:
    """A page of the open cases asked for (officers and managers; the showing audited); Refused for anyone else."""
    with transaction(caller) as session:
        refuse_unless_staff(session, caller, command="cases")
        filters = Filters(
            assigned_to=caller.key if "mine" in ask.filters else None,
            unassigned="unassigned" in ask.filters,
            urgent="urgent" in ask.filters,
            overdue="overdue" in ask.filters,
            matches="matches" in ask.filters,
        )
        offset = (ask.page - 1) * page_size
        found, total = open_cases_page(session, today=caller.today, filters=filters, offset=offset, limit=page_size)
        rows = _rows(session, caller, found)
        named = [row.reference for row in rows if not row.restricted]
        detail = {"via": caller.via, "shown": len(rows), "page": ask.page, "filters": list(ask.filters), "named": named}
        record_audit(session, actor=caller.key, action="cases.listed", at=caller.now, detail=detail)
    return CaseList(tuple(rows), total, caller.today, ask, page_size)


def _rows(session: Session, caller: Caller, found: Sequence[Any]) -> list[CaseRow]:
    """The page's rows, each thing they show asked for once for the whole page."""
    cases = [row[0] for row in found]
    hidden = hidden_from(session, cases=cases, user_key=caller.key)
    shown = [case for case in cases if case.id not in hidden]
    ids = [case.id for case in shown]
    children = children_of(session, (case.child_id for case in shown))
    # Only the page's children with no date of birth: the age then comes from the report (decrypted, so few).
    undated = [case.id for case in shown if case.child_id is None or children.get(case.child_id) is None
               or children[case.child_id].dob is None]  # fmt: skip
    facts = _Facts(
        children=children,
        ages=ages_given(session, undated),
        steps=next_steps(session, ids),
        harm=harm_flagged(session, ids),
        repeat=repeat_episodes(session, shown),
        matches=possible_matches_of(session, ids),
        waiting=cases_waiting_for_reporter(session, ids),
        today=caller.today,
    )
    return [CaseRow(row[0].reference, restricted=True) if row[0].id in hidden else facts.row(*row) for row in found]


@dataclasses.dataclass(frozen=True)
class _Facts:
    """What the page's rows show beyond the case itself, keyed by case (or child) id."""

    children: dict[int, Child]
    ages: dict[int, int]  # the age given in place of a date of birth, by case
    steps: dict[int, str]  # the next step's title
    harm: set[int]
    repeat: set[int]
    matches: dict[int, list[str]]
    waiting: set[int]
    today: dt.date

    def row(self, case: Case, next_due: dt.date | None, overdue: int, due_today: int) -> CaseRow:
        child = self.children.get(case.child_id) if case.child_id is not None else None
        step = self.steps.get(case.id)
        missing = _missing(case, child)
        return CaseRow(
            case.reference,
            urgent=case.urgent,
            assigned_to=case.assigned_to,
            raised=case.created_at,
            next_due=next_due,
            overdue_steps=int(overdue),
            due_today_steps=int(due_today),
            first_name=child.forenames if child else None,
            surname=child.surname if child else None,
            age=age_on(child.dob, self.today) if child and child.dob else None,
            age_given=self.ages.get(case.id),
            year_group=case.year_group,
            reason=reason_label(case.cme_reason) if case.cme_reason else None,
            missing_days=(self.today - case.missing_since).days if case.missing_since else None,
            next_step=step,
            flags=self._flags(case, missing),
            matches=tuple(self.matches.get(case.id, ())),
            missing=missing,
        )

    def _flags(self, case: Case, missing: tuple[str, ...]) -> tuple[str, ...]:
        raised = {
            "harm": case.id in self.harm,
            "urgent": case.urgent,
            "repeat": case.id in self.repeat,
            "match": bool(self.matches.get(case.id)),
            "restricted": case.restricted,  # the caller is named on it (else the row would be hidden)
            "missing": bool(missing),
            "question": case.id in self.waiting,
        }
        return tuple(flag for flag in FLAG_WORDS if raised[flag])


def _missing(case: Case, child: Child | None) -> tuple[str, ...]:
    """The details an officer needs (and the DfE return counts) that are not recorded on the case."""
    needed = {
        "name": child is not None and bool(child.forenames or child.surname),
        "date of birth": child is not None and child.dob is not None,
        "reason": bool(case.cme_reason),
        "year group": bool(case.year_group),
        "missing since": case.missing_since is not None,
    }
    return tuple(what for what, known in needed.items() if not known)
