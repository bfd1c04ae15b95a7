"""The local authority profile: contacts, office hours, roles, terms, enquiry plan.

Local facts (phone numbers, hours, deadlines) live in a YAML profile chosen by CME_PROFILE,
never in code. The profile is validated at start and a bad key is named in the error.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from handlers.knowledge.councils import by_code

BUNDLED_DIR = Path(__file__).parent / "profiles"
DEFAULT_PROFILE = BUNDLED_DIR / "bury.yaml"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REQUIRED_CONTACTS = ("cme_officer", "mash", "out_of_hours", "police_emergency", "police_non_emergency")


class ProfileError(ValueError):
    """The profile file is missing, unreadable or invalid; the message names the bad key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Strict):
    label: str
    phone: str | None = None
    email: str | None = None
    hours: Literal["office", "out_of_hours", "any"] = "any"

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if not (self.phone or self.email):
            raise ValueError("a contact needs a phone or an email")
        return self


class OfficeHours(_Strict):
    days: list[Weekday]
    opens: dt.time
    closes: dt.time


class Roles(_Strict):
    officers: list[str] = Field(default_factory=list)
    managers: list[str] = Field(default_factory=list)


class Drafts(_Strict):
    idle_limit_hours: float = Field(gt=0)


class References(_Strict):
    prefix: str = Field(pattern=r"^[A-Z]{2,8}$")


class Term(_Strict):
    start: dt.date
    end: dt.date


class SchoolYear(_Strict):
    year: str = Field(pattern=r"^\d{4}-\d{4}$")
    terms: list[Term] = Field(min_length=1)

    @property
    def autumn_start(self) -> dt.date:
        """First day of the school year's autumn term."""
        return min(term.start for term in self.terms)


class Due(_Strict):
    school_days: int | None = Field(default=None, ge=0)
    days: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_unit(self) -> Due:
        if (self.school_days is None) == (self.days is None):
            raise ValueError("give exactly one of school_days or days")
        return self


class EnquiryStep(_Strict):
    id: str
    title: str
    due: Due
    urgent_due: Due | None = None
    repeat_only: bool = False  # only for a repeat episode (the child had an earlier case, now closed)


class Reminders(_Strict):
    sweep_minutes: int = Field(default=15, gt=0)
    digest_time: dt.time = dt.time(8, 30)
    escalate_after_school_days: int = Field(default=5, ge=0)
    monthly_stats: bool = False  # once a month the officers also get the caseload figures (handlers/reports/monthly.py)
    # An officer's question to the reporter unanswered this many school days: one reminder to the reporter,
    # then it is listed in the officer's digest (handlers/casework/follow_ups.py).
    follow_up_school_days: int = Field(default=3, ge=1, le=20)


class NotifyTarget(_Strict):
    channel: Literal["terminal", "slack", "teams"]
    conversation_id: str
    extra: dict[str, str] = Field(default_factory=dict)


class Notify(_Strict):
    officers: list[NotifyTarget] = Field(default_factory=list)
    managers: list[NotifyTarget] = Field(default_factory=list)


class Matching(_Strict):
    """Thresholds of the intake matcher (handlers/children/matching.py), each a score from 0 to 1."""

    strong: float = Field(default=0.95, gt=0, le=1)  # at or over (same DOB or UPN): the known child
    possible: float = Field(default=0.75, gt=0, le=1)  # at or over: the officer is asked Same / Different

    @model_validator(mode="after")
    def _ordered(self) -> Matching:
        if self.possible >= self.strong:
            raise ValueError("possible must be lower than strong")
        return self


class Retention(_Strict):
    """How long a closed case's child details are kept before they are anonymised (handlers/records/retention.py).

    Each council sets its own (cme-domain.md: Barnet keeps CME records 7 years from closure). Drafts are not
    here: an idle draft is deleted after drafts.idle_limit_hours, as before.
    """

    closed_cme_years: int = Field(default=7, ge=1, le=100)  # a closed CME case: years after closure
    not_cme_years: int = Field(default=1, ge=1, le=100)  # a referral found not to be CME: years after closure
    not_cme_outcomes: list[str] = Field(default_factory=lambda: ["not_cme"])  # closing outcomes in that class
    source: str = "Barnet CME records: 7 years from closure (cme-domain.md); referrals not CME: 1 year"


class CouncilContact(_Strict):
    """Another council's CME contact (profile `councils:`, keyed by its DfE LA code); optional per council."""

    label: str | None = None  # e.g. "Leeds CME team"
    email: str | None = None  # a secure email address (the move is notified by secure email or phone)
    phone: str | None = None

    @model_validator(mode="after")
    def _reachable(self) -> CouncilContact:
        if not (self.phone or self.email):
            raise ValueError("a council's contact needs a phone or an email")
        return self


# The steps added to a case when the family is believed to have moved to another council
# (cme-domain.md: ask the receiving LA, check the Lost Pupils Database / School2School).
DEFAULT_TRANSFER_PLAN = (
    EnquiryStep(id="transfer-notify", title="Tell the other council's CME officer", due=Due(school_days=1)),
    EnquiryStep(id="transfer-lpd", title="Check the Lost Pupils Database / School2School", due=Due(school_days=5)),
    EnquiryStep(id="transfer-ack", title="Get the other council's acknowledgement", due=Due(school_days=10)),
)


class Profile(_Strict):
    """One local authority's configuration, validated."""

    id: str
    name: str
    short_name: str
    timezone: str = "Europe/London"
    bank_holidays: str = "ENG"
    contacts: dict[str, Contact]
    office_hours: OfficeHours
    roles: Roles = Roles()
    notify: Notify = Notify()
    drafts: Drafts
    references: References
    term_dates: list[SchoolYear] = Field(default_factory=list)
    enquiry_plan: list[EnquiryStep] = Field(min_length=1)
    # The first step of a case sent as a quick report: ask the reporter for the details still missing.
    missing_details_step: EnquiryStep = EnquiryStep(
        id="missing-details",
        title="Ask the reporter for the details still missing",
        due=Due(school_days=1),
        urgent_due=Due(days=0),
    )
    reminders: Reminders = Reminders()
    substantial_period_weeks: int = Field(default=4, ge=0)  # "usually four weeks or more" (briefing)
    closure_messages: dict[str, str] = Field(default_factory=dict)
    councils: dict[str, CouncilContact] = Field(default_factory=dict)  # other councils' CME contacts by LA code
    transfer_plan: list[EnquiryStep] = Field(default_factory=lambda: list(DEFAULT_TRANSFER_PLAN), min_length=1)
    matching: Matching = Matching()
    retention: Retention = Retention()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception as exc:  # zoneinfo raises several types for a bad key
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("councils")
    @classmethod
    def _known_councils(cls, value: dict[str, CouncilContact]) -> dict[str, CouncilContact]:
        unknown = [code for code in value if by_code(code) is None]
        if unknown:
            raise ValueError(f"not a DfE LA code in the bundled list: {', '.join(unknown)}")
        return value

    @field_validator("contacts")
    @classmethod
    def _required_contacts(cls, value: dict[str, Contact]) -> dict[str, Contact]:
        missing = [key for key in REQUIRED_CONTACTS if key not in value]
        if missing:
            raise ValueError(f"missing contact(s): {', '.join(missing)}")
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The profile's time zone."""
        return ZoneInfo(self.timezone)

    def contact(self, key: str) -> Contact:
        """The contact with this key (KeyError if the profile lacks it)."""
        return self.contacts[key]

    def school_year_of(self, day: dt.date) -> SchoolYear | None:
        """The configured school year whose autumn term starts in the same calendar year as 1 Sep before `day`."""
        start_year = day.year if day.month >= 9 else day.year - 1
        for school_year in self.term_dates:
            if school_year.year.startswith(f"{start_year}-"):
                return school_year
        return None

    def autumn_term_start(self, calendar_year: int) -> dt.date | None:
        """First day of the autumn term beginning in `calendar_year`, if the profile has that year."""
        for school_year in self.term_dates:
            if school_year.year.startswith(f"{calendar_year}-"):
                return school_year.autumn_start
        return None

    def role_patterns(self) -> dict[str, list[str]]:
        """Identity patterns for officer and manager roles."""
        return {"officer": list(self.roles.officers), "manager": list(self.roles.managers)}

    def matches_role(self, key: str, role: str) -> bool:
        """True when an identity key ("channel:tenant:user") matches a pattern of `role`."""
        return any(fnmatch.fnmatchcase(key, pattern) for pattern in self.role_patterns()[role])


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def load_profile(path: str | Path | None = None) -> Profile:
    """Load and validate a profile file (default: the bundled Bury profile)."""
    source = Path(path) if path else DEFAULT_PROFILE
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProfileError(f"CME_PROFILE: no such file: {source}") from exc
    except yaml.YAMLError as exc:
        raise ProfileError(f"CME_PROFILE {source}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise ProfileError(f"CME_PROFILE {source}: expected a mapping of keys at the top level")
    try:
        return Profile.model_validate(raw)
    except ValidationError as exc:
        raise ProfileError(f"CME_PROFILE {source}: {_describe(exc)}") from None


@cache
def bundled_profile() -> Profile:
    """The bundled Bury profile, loaded once (for tests and defaults)."""
    return load_profile(DEFAULT_PROFILE)
