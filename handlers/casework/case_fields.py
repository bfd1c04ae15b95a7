"""`/cme set REF reason|missing-since|sex|year-group VALUE [because WHY]`: the fields the DfE return counts.

A case starts with them from its referral or its school notice; an officer sets or corrects them here. The
reason is one of the DfE's primary reasons (handlers/knowledge/data/dfe_cme_categories.yaml, the one list),
typed as its code or the DfE's words; "not recorded" clears it. A reason cme-bot used before the DfE's list was
checked ("whereabouts-unknown") is answered with the category it now is, or the candidates as buttons, and
nothing is changed. The date the child started missing education can't be in the future; sex and year group
take the words schools use ("Y7", "R", "N1"). Officers and managers only; every change is audited with the old
value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from rapidfuzz import fuzz, process, utils

from handlers.casework.actions import Usage, audit, plain, today
from handlers.casework.cases import field_words, find_reference
from handlers.casework.resolve import case_for
from handlers.core import TurnContext
from handlers.forms.fields import Confirm, Invalid, parse_choice, parse_date
from handlers.knowledge.dfe_categories import NOT_RECORDED, Category, find_reason, legacy_reason, reason_label
from handlers.knowledge.dfe_categories import settable_reasons as current_reasons
from handlers.messages import Button, CommandSpec, Reply, ReplyKind
from handlers.referral.sections import GENDERS, YEAR_GROUP_SYNONYMS, YEAR_GROUPS
from handlers.router import Router
from storage.models import Case

USAGE = "Usage: /cme set REF reason|missing-since|sex|year-group VALUE [because WHY], e.g. /cme set REF sex female"
HELP = "officers: set a case's DfE return fields: /cme set REF reason|missing-since|sex|year-group VALUE"
# Nursery years as schools write them (N1, N2: the two nursery years) on top of the referral's own spellings.
_YEAR_WORDS = {**YEAR_GROUP_SYNONYMS, "n1": "nursery", "n2": "nursery"}


class PickReason(Usage):
    """The reason typed is not a DfE category: the ones it may be, offered as buttons (nothing was changed)."""

    def __init__(self, text: str, candidates: tuple[Category, ...]) -> None:
        super().__init__(text)
        self.candidates = candidates


def _reason(value: str, turn: TurnContext) -> str | None:
    found = find_reason(value)
    if found is not None:
        return None if found.code == NOT_RECORDED else found.code
    old = legacy_reason(value)
    if old is not None and old.same is None:
        chosen = tuple(r for code in old.candidates for r in current_reasons() if r.code == code)
        raise PickReason(
            f'"{old.label}" is no longer one of the DfE\'s reasons, so nothing was changed. Which of these is it?',
            chosen,
        )
    if old is not None:  # the same meaning under the DfE's own words: set that
        return find_reason(old.same).code  # type: ignore[union-attr]
    near = _near(value)
    if near:
        raise PickReason(f"\"{value}\" isn't one of the DfE's reasons, so nothing was changed. Did you mean:", near[:5])
    labels = "; ".join(r.label for r in current_reasons())
    raise Usage(f"That isn't one of the DfE's reasons. Type one of these: {labels}. Nothing was changed.")


def _similar(typed: str, choice: str, **_: Any) -> float:
    # A word of the label ("abroad", "health") or a slip in a longer phrase ("prefrence") both count.
    return max(fuzz.WRatio(typed, choice), fuzz.token_set_ratio(typed, choice))


def _near(value: str) -> tuple[Category, ...]:
    """The DfE reasons `value` is close to (rapidfuzz), best first."""
    choices = {r.code: f"{r.label} {r.code.replace('-', ' ')}" for r in current_reasons()}
    found = process.extract(value, choices, scorer=_similar, processor=utils.default_process, score_cutoff=80, limit=5)
    return tuple(r for _, _, code in found for r in current_reasons() if r.code == code)


def _pick_reply(reference: str, exc: PickReason, why: str | None) -> Reply:
    because = f" because {why}" if why else ""
    buttons = tuple(Button(r.label, f"/cme set {reference} reason {r.code}{because}") for r in exc.candidates)
    return Reply(str(exc), kind=ReplyKind.ERROR, title="Which DfE reason?", buttons=buttons)


def _since(value: str, turn: TurnContext) -> dt.date:
    day = parse_date(value, today=today(turn))
    if day > today(turn):
        raise Usage("The date the child started missing education can't be in the future. Nothing was changed.")
    return day


def _sex(value: str, turn: TurnContext) -> str:
    return parse_choice(value, GENDERS, numbered=False)


def _year_group(value: str, turn: TurnContext) -> str:
    return parse_choice(value, YEAR_GROUPS, synonyms=_YEAR_WORDS, numbered=False)


# The word the officer types -> (the Case column, how to read the value, how to show it).
FIELDS: dict[str, tuple[str, Callable[[str, TurnContext], Any], Callable[[Any], str]]] = {
    "reason": ("cme_reason", _reason, reason_label),
    "missing-since": ("missing_since", _since, lambda d: f"{d:%-d %B %Y}"),
    "sex": ("sex", _sex, lambda v: v.replace("-", " ")),
    "year-group": ("year_group", _year_group, lambda v: v.replace("-", " ").capitalize()),
}
_ALIASES = {"since": "missing-since", "missingsince": "missing-since", "year": "year-group", "yeargroup": "year-group"}


def _shown(show: Callable[[Any], str], value: Any) -> str:
    return "not recorded" if value is None else show(value)


def set_field(turn: TurnContext, *, case: Case, word: str, value: str, why: str | None) -> list[Reply]:
    """Set one return field on a case, audited with who, the old and new value, and why."""
    column, read, show = FIELDS[word]
    new = read(value, turn)
    old = getattr(case, column)
    setattr(case, column, new)
    if column == "missing_since":
        case.missing_since_precision = None  # the officer typed the day: no longer rough
    stored = new.isoformat() if isinstance(new, dt.date) else new
    was = old.isoformat() if isinstance(old, dt.date) else old
    audit(turn, case, "case.field_set", why, field=column, was=was, now=stored)
    text = f"Set on {case.reference}: {word.replace('-', ' ')} is {_shown(show, new)} (was {_shown(show, old)})."
    return [Reply(text, kind=ReplyKind.CONFIRMATION, data={"reference": case.reference, column: stored})]


def set_command(turn: TurnContext, args: str) -> list[Reply]:
    """The typed command: the case, the field, the value and an optional reason after 'because'."""
    try:
        plain(args, what="command", retry=USAGE)
        found = find_reference(args)
        if found is None:
            raise Usage(f"Which case? {USAGE}")
        reference, words = found
        case = case_for(turn, reference, "set")
        parts = field_words(words, FIELDS, _ALIASES)
        if parts is None:
            raise Usage(f"Say which field and the value. {USAGE.replace('REF', reference)}")
        word, value, why = parts
        try:
            return set_field(turn, case=case, word=word, value=value, why=why or None)
        except PickReason as exc:
            return [_pick_reply(case.reference, exc, why or None)]
    except Confirm as exc:
        return [Reply(exc.fix or str(exc), kind=ReplyKind.ERROR)]
    except (Usage, Invalid) as exc:
        return [Reply(str(exc), kind=ReplyKind.ERROR)]


def register(router: Router) -> None:
    """Add /cme set (officers and managers)."""
    router.command(CommandSpec("set", set_command, HELP, staff_only=True))
