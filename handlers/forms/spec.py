"""Forms are data: a FormSpec lists sections and fields; one engine runs any spec.

The engine is conversational (one question at a time, back, skip, cancel, review and change,
resumable from a JSON state) and also validates a whole submitted form (modal or card) with the
same rules. Hooks run after an answer and may interject (a signpost, a triage explanation) and
raise a decision that can end the form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers.core import FormContext
from handlers.forms import fields as parse
from handlers.forms.ages import AgeProblem, age_words, read_age
from handlers.forms.dates import (
    PRECISION_KEY,
    DateProblem,
    Precision,
    Tense,
    birth_problem,
    in_words,
    past_problem,
    read_date,
)
from handlers.forms.fields import NOT_KNOWN, Confirm, Invalid, Kind
from handlers.forms.identifiers import parse_name, parse_upn
from handlers.messages import Choice, Identity, Reply

Answers = Mapping[str, Any]
Check = Callable[[Any, FormContext], str | None]
# A check against the other answers (a date not before the child's date of birth): (value, answers) -> problem.
CrossCheck = Callable[[Any, Answers], str | None]
# A check that needs both the other answers and the turn (a date allowed ahead of today by the ground chosen).
Rule = Callable[[Any, Answers, FormContext], str | None]
YES_NO_OPTIONS = (Choice("yes", "Yes"), Choice("no", "No"))
NOT_KNOWN_OPTION = Choice(NOT_KNOWN, "Not known")
# The reference of the case a form is about (an officer's short form, the reporter's add and details forms), kept
# in the draft's answers under a key no field has, so the form never asks for it.
CASE_KEY = "_case"


@dataclass(frozen=True)
class Field:
    """One question. `when` hides it unless earlier answers call for it."""

    id: str
    kind: Kind
    label: str
    help: str | None = None
    required: bool = True
    choices: tuple[Choice, ...] = ()
    none_choice: str | None = None  # a multi-choice value meaning "none of these"
    when: Callable[[Answers], bool] | None = None
    checks: tuple[Check, ...] = ()
    against: tuple[CrossCheck, ...] = ()
    rules: tuple[Rule, ...] = ()
    not_known: bool = False  # a yes/no question that also takes "not known" (stored as NOT_KNOWN)
    synonyms: Mapping[str, str] | None = None  # a choice's extra spellings -> value ("y7" -> "year-7")
    numbered: bool = True  # False: a choice is not picked by its position (a year group's "7" is Year 7)
    prefill: Callable[[Identity], Any] | None = None
    tense: Tense | None = None  # a date question about the past (a rough date allowed) or a date of birth
    review_label: str | None = None  # short label in the person's own review ("Your name")
    record_label: str | None = None  # label where others read the answer ("Referrer's name")
    confirm_prefill: bool = False  # a prefilled answer is still asked, to be confirmed ("yes") or replaced
    describe: Callable[[Answers], str] | None = None  # words from the answers so far, shown with the question
    option_words: Callable[[Answers], Mapping[str, str]] | None = None  # after an option's label in a chat, by value
    # A date of birth question that also takes an age ("9 years old"): the age's own field, where it is stored.
    or_age: Field | None = None
    chat: bool = True  # False: shown on a page, never asked on its own in a chat (another question takes it)

    def visible(self, answers: Answers) -> bool:
        """True when the field applies given the answers so far."""
        return self.when is None or bool(self.when(answers))

    @property
    def options(self) -> tuple[Choice, ...]:
        """What a page or a button row offers: a choice's options, or Yes, No (and Not known)."""
        if self.kind is Kind.YES_NO:
            return (*YES_NO_OPTIONS, NOT_KNOWN_OPTION) if self.not_known else YES_NO_OPTIONS
        return self.choices


@dataclass(frozen=True)
class Section:
    """A group of fields shown together (a page of a modal, a card, a heading in review)."""

    id: str
    title: str
    fields: tuple[Field, ...]
    when: Callable[[Answers], bool] | None = None  # the whole section applies only when this holds
    part: str = ""  # sections of one part share a progress count ("question 3 of about 10")
    submit: str | None = None  # the page's button when the page decides what comes next ("Continue")

    def applies(self, answers: Answers) -> bool:
        """True when the section applies given the answers so far."""
        return self.when is None or bool(self.when(answers))

    def shown(self, answers: Answers) -> bool:
        """True when the section applies and has a field to show."""
        return self.applies(answers) and any(f.visible(answers) for f in self.fields)


@dataclass(frozen=True)
class Decision:
    """A question raised by a hook: continue or stop (or record a choice)."""

    id: str
    text: str
    choices: tuple[Choice, ...]
    stop_on: str | None = None
    stop_text: str = ""

    def to_state(self) -> dict[str, Any]:
        """JSON-safe form, kept in the draft so a restart can ask it again."""
        return {
            "id": self.id,
            "text": self.text,
            "stop_on": self.stop_on,
            "stop_text": self.stop_text,
            "choices": [[c.value, c.label] for c in self.choices],
        }

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> Decision:
        """Inverse of to_state."""
        choices = tuple(Choice(v, lbl) for v, lbl in data["choices"])
        return cls(data["id"], data["text"], choices, data.get("stop_on"), data.get("stop_text", ""))


@dataclass
class Interjection:
    """What a hook adds after an answer: replies to show now, perhaps a decision, notes for the draft."""

    replies: list[Reply] = field(default_factory=list)
    decision: Decision | None = None
    meta: dict[str, Any] = field(default_factory=dict)


Hook = Callable[[str, dict[str, Any], FormContext, dict[str, Any]], Interjection | None]


@dataclass(frozen=True)
class FormSpec:
    """A whole form: sections of fields, an optional hook, words for the start and the end."""

    id: str
    title: str
    intro: str
    sections: tuple[Section, ...]
    after_answer: Hook | None = None
    submit_word: str = "submit"
    review: bool = True  # False: the form ends as soon as the last question is answered
    sends_when: Callable[[Answers], bool] | None = None  # once this holds, the form is sent without the review
    # Questions answered before this form began (a concern's details added later): never asked, never counted.
    settled: Callable[[Answers], frozenset[str]] | None = None

    def sends_now(self, answers: Answers) -> bool:
        """True when the form ends without its review (never reviewed, or the answers say "send now")."""
        return not self.review or (self.sends_when is not None and bool(self.sends_when(answers)))

    @property
    def fields(self) -> tuple[Field, ...]:
        """Every field in order."""
        return tuple(f for s in self.sections for f in s.fields)

    def field(self, field_id: str) -> Field:
        """The field with this id."""
        for candidate in self.fields:
            if candidate.id == field_id:
                return candidate
        raise KeyError(field_id)

    def section_of(self, field_id: str) -> Section:
        """The section holding this field."""
        return next(s for s in self.sections if any(f.id == field_id for f in s.fields))

    def visible_fields(self, answers: Answers) -> list[Field]:
        """Fields that apply given the answers."""
        return [f for s in self.sections if s.applies(answers) for f in s.fields if f.visible(answers)]

    def settled_ids(self, answers: Answers) -> frozenset[str]:
        """The ids of questions answered before the form began (none for most forms)."""
        return self.settled(answers) if self.settled is not None else frozenset()

    def part_fields(self, part: str) -> tuple[Field, ...]:
        """Every field of the sections in `part`, in order."""
        return tuple(f for s in self.sections if s.part == part for f in s.fields)

    def clean(self, answers: Answers) -> dict[str, Any]:
        """Answers of visible fields only (a changed answer can hide fields answered before), and their precision."""
        visible = {f.id for f in self.visible_fields(answers)}
        return {k: v for k, v in answers.items() if k.removesuffix(PRECISION_KEY) in visible}


@dataclass(frozen=True)
class Read:
    """A typed answer as read: the value to store, what is stored beside it, and the words it is said back in."""

    value: Any
    extra: dict[str, Any] = field(default_factory=dict)  # a date's precision ("date_last_seen.precision")
    said: str | None = None  # a date in words ("Monday 16 November 2026"), shown with the answer


def parse_value(spec_field: Field, raw: str, ctx: FormContext, answers: Answers | None = None) -> Any:
    """Turn typed text into the field's stored value (JSON-safe), or raise Invalid (Confirm: ask first).

    `answers` are the other answers so far, for checks between fields (a date not before the birth).
    A Confirm's value has passed the same checks, so a yes can store it as it is.
    """
    return read_answer(spec_field, raw, ctx, answers).value


def read_answer(spec_field: Field, raw: str, ctx: FormContext, answers: Answers | None = None) -> Read:
    """parse_value, with what is stored beside the value (a date's precision) and the date said back in words."""
    if spec_field.or_age is not None and _says_an_age(raw):
        return _read_age_instead(spec_field, spec_field.or_age, raw, ctx, answers or {})
    try:
        read = (
            _read_date(spec_field, raw, ctx)
            if spec_field.kind is Kind.DATE
            else Read(_parse_kind(spec_field, raw, ctx))
        )
    except Confirm as confirm:
        _check(spec_field, confirm.value, ctx, answers or {})
        raise
    _check(spec_field, read.value, ctx, answers or {})
    return read


def _says_an_age(raw: str) -> bool:
    try:
        return read_age(raw) is not None
    except AgeProblem:
        return True  # meant as an age ("25", "a teenager"): the age's own message says what to type


def _read_age_instead(dob: Field, age: Field, raw: str, ctx: FormContext, answers: Answers) -> Read:
    """An age typed at a date of birth question: stored as the age, the date of birth left empty (never invented)."""
    without = {**answers, dob.id: None}  # a date of birth given before is replaced, not checked against
    cleared = {age.id: None, dob.id + PRECISION_KEY: None}
    try:
        read = read_answer(age, raw, ctx, without)
    except Confirm as confirm:  # on yes the age is stored as the age, beside an empty date of birth
        raise Confirm(
            str(confirm), value=None, fix=confirm.fix, options=confirm.options, extra={**cleared, age.id: confirm.value}
        ) from None
    said = f"{age_words(read.value)}: noted as the child's age, with no date of birth recorded"
    return Read(None, {**cleared, age.id: read.value}, said)


def _read_date(spec_field: Field, raw: str, ctx: FormContext) -> Read:
    tense = spec_field.tense
    try:
        said = read_date(
            parse.clean_text(raw), today=ctx.today, tense=tense, profile=ctx.profile, rough=tense is Tense.PAST
        )
    except DateProblem as exc:
        raise Invalid(str(exc), options=exc.options) from None
    problem = birth_problem(said.day, ctx.today) if tense is Tense.BIRTH else None
    problem = problem or (past_problem(said, ctx.today) if tense else None)
    if problem:
        raise Invalid(problem)
    precision = None if said.precision is Precision.DAY else said.precision.value
    extra = {spec_field.id + PRECISION_KEY: precision}
    if spec_field.or_age is not None:
        extra[spec_field.or_age.id] = None  # a date of birth replaces an age given before
    return Read(said.day.isoformat(), extra, said.echo)


def _parse_kind(spec_field: Field, raw: str, ctx: FormContext) -> Any:
    kind = spec_field.kind
    if kind is Kind.CHOICE:
        return parse.parse_choice(
            raw,
            spec_field.choices,
            synonyms=spec_field.synonyms,
            numbered=spec_field.numbered,
            required=spec_field.required,
        )
    if kind is Kind.MULTI_CHOICE:
        return parse.parse_multi_choice(raw, spec_field.choices, none_value=spec_field.none_choice)
    if kind is Kind.YES_NO:
        return parse.parse_yes_no(raw, not_known=spec_field.not_known)
    parsers: dict[Kind, Callable[[str], Any]] = {
        Kind.TEXT: parse.clean_text,
        Kind.LONG_TEXT: lambda text: parse.clean_text(text, multiline=True, limit=parse.MAX_LONG_TEXT),
        Kind.NAME: parse_name,
        Kind.UPN: parse_upn,
        Kind.PHONE: parse.parse_phone,
        Kind.EMAIL: parse.parse_email,
        Kind.POSTCODE: parse.parse_postcode,
        Kind.AGE: parse.parse_age,
    }
    return parsers[kind](raw)


def _check(spec_field: Field, value: Any, ctx: FormContext, answers: Answers) -> None:
    for check in spec_field.checks:
        problem = check(value, ctx)
        if problem:
            raise Invalid(problem)
    for cross in spec_field.against:
        problem = cross(value, answers)
        if problem:
            raise Invalid(problem)
    for rule in spec_field.rules:
        problem = rule(value, answers, ctx)
        if problem:
            raise Invalid(problem)


def shown(spec_field: Field, answers: Answers) -> str:
    """display() of the field's answer, a rough date as rough as it was said ("early October 2026")."""
    age = answers.get(spec_field.or_age.id) if spec_field.or_age is not None else None
    if answers.get(spec_field.id) is None and age is not None:
        return f"Not known ({age_words(age)} given)"
    return display(spec_field, answers.get(spec_field.id), answers.get(spec_field.id + PRECISION_KEY))


def display(spec_field: Field, value: Any, precision: str | None = None) -> str:
    """How an answer reads in a review or a case view (older drafts and reports hold booleans for yes/no)."""
    if value is None or value == []:
        return "(skipped)"
    if spec_field.kind is Kind.YES_NO:
        return {True: "Yes", False: "No", NOT_KNOWN: "Not known"}.get(value, str(value))
    if spec_field.kind is Kind.DATE and precision:
        return in_words(dt.date.fromisoformat(value), precision)
    if spec_field.kind is Kind.DATE:
        return dt.date.fromisoformat(value).strftime("%-d %B %Y")
    labels = {c.value: c.label for c in spec_field.choices}
    if spec_field.kind is Kind.MULTI_CHOICE:
        return ", ".join(labels.get(v, v) for v in value)
    if spec_field.kind is Kind.CHOICE:
        return labels.get(value, value)
    return str(value)


def validate_all(
    spec: FormSpec, raw: Mapping[str, Any], ctx: FormContext, known: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate a submitted form (or page) with the conversational rules; returns (answers, errors by field).

    `known` holds answers given earlier (other pages), so that `when` conditions can see them.
    """
    answers: dict[str, Any] = dict(known or {})
    errors: dict[str, str] = {}
    for section in spec.sections:
        for spec_field in section.fields:
            _validate_one(section, spec_field, raw, ctx, answers, errors)
    return answers, errors


def _validate_one(
    section: Section, spec_field: Field, raw: Mapping[str, Any], ctx: FormContext, answers: dict, errors: dict
) -> None:
    """validate_all for one field: its parsed answer into `answers`, or its problem into `errors`."""
    given = raw.get(spec_field.id)
    if isinstance(given, list):
        given = ", ".join(str(g) for g in given)
    typed = {spec_field.id: given} if given not in (None, "") else {}  # a condition on its own answer sees it
    if not (section.applies(answers) and spec_field.visible({**answers, **typed})):
        return
    if given is None or str(given).strip() == "":
        if spec_field.required:
            errors[spec_field.id] = "This is required."
        else:
            answers[spec_field.id] = None
        return
    try:
        read = read_answer(spec_field, str(given), ctx, answers)
        answers[spec_field.id] = read.value
        answers.update(read.extra)
    except Confirm as exc:  # a page can't ask yes or no: say exactly what to type instead
        errors[spec_field.id] = exc.fix
    except Invalid as exc:
        errors[spec_field.id] = str(exc)
