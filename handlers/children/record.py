"""The child record filled from a referral's answers (cme-domain.md section 9 fields), in the submit transaction.

A new referral either makes a new Child or updates the one it was matched to: identifying details
(names, date of birth, sex, UPN) only fill gaps, since an officer may have checked them; where the
child lives and their school take the newest referral's answer, since children missing education
move. Nothing here logs a value.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlmodel import Session

from storage.child_keys import is_placeholder_name
from storage.children import Child

IDENTIFYING = ("forenames", "surname", "other_names", "dob", "sex", "upn", "parent_names")
NAMES = frozenset({"forenames", "surname", "other_names", "parent_names"})
CURRENT = ("address", "postcode", "school")
_ANSWER_KEYS = {
    "forenames": ("child_forenames", 200),
    "surname": ("child_surname", 200),
    "other_names": ("child_aliases", 200),
    "sex": ("child_gender", 16),
    "address": ("child_address", 3000),
    "school": ("school_name", 200),
    "parent_names": ("parent_names", 200),
}
_POSTCODE_SPACE = re.compile(r"\s+")
UNKNOWN_VALUES = {"not-known", "unknown", "not_known"}


def normal_postcode(value: Any) -> str | None:
    """A postcode upper-cased with one space before the inward code ('bl90ej' -> 'BL9 0EJ')."""
    if not isinstance(value, str) or not value.strip():
        return None
    packed = _POSTCODE_SPACE.sub("", value).upper()
    return f"{packed[:-3]} {packed[-3:]}"[:8] if len(packed) > 3 else packed[:8]


def normal_upn(value: Any) -> str | None:
    """A UPN upper-cased without spaces, or None when it isn't 13 characters (a partial UPN matches nothing)."""
    if not isinstance(value, str):
        return None
    packed = _POSTCODE_SPACE.sub("", value).upper()
    return packed if len(packed) == 13 else None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def child_values(answers: dict[str, Any]) -> dict[str, Any]:
    """The child's details from a referral's cleaned answers, normalised for matching and storage."""
    values: dict[str, Any] = {}
    for column, (key, limit) in _ANSWER_KEYS.items():
        value = answers.get(key)
        text = str(value).strip() if value not in (None, "", [], {}) else ""
        unknown = text.lower() in UNKNOWN_VALUES or (column in NAMES and is_placeholder_name(text))
        values[column] = text[:limit] if text and not unknown else None  # "Not known" is no name: never matched
    values["dob"] = _date(answers.get("child_dob"))
    values["upn"] = normal_upn(answers.get("child_upn"))
    values["postcode"] = normal_postcode(answers.get("child_postcode"))
    return values


def new_child(session: Session, values: dict[str, Any], now: dt.datetime) -> Child:
    """A new child record from a referral's values (flushed, so it has its id)."""
    child = Child(**values, created_at=now, updated_at=now)
    session.add(child)
    session.flush()
    return child


def update_child(child: Child, values: dict[str, Any], now: dt.datetime) -> dict[str, tuple[Any, Any]]:
    """Fill the child's gaps and take the newest address and school; returns each column changed, before and after."""
    changed = {}
    for column in IDENTIFYING:
        if getattr(child, column) in (None, "") and values.get(column) not in (None, ""):
            changed[column] = (getattr(child, column), values[column])
    for column in CURRENT:
        if values.get(column) not in (None, "") and getattr(child, column) != values[column]:
            changed[column] = (getattr(child, column), values[column])
    for column, (_, after) in changed.items():
        setattr(child, column, after)
    if changed:
        child.updated_at = now
    return changed


def absorb(survivor: Child, duplicate: Child, now: dt.datetime) -> dict[str, tuple[Any, Any]]:
    """Fill the survivor's gaps from a duplicate record merged into it; returns each column filled, before and after."""
    changed = {}
    for column in (*IDENTIFYING, *CURRENT):
        if getattr(survivor, column) in (None, "") and getattr(duplicate, column) not in (None, ""):
            changed[column] = (getattr(survivor, column), getattr(duplicate, column))
            setattr(survivor, column, getattr(duplicate, column))
    survivor.updated_at = now
    return changed
