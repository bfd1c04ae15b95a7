"""`/cme export ...` and `/cme stats [PERIOD]`: files for the officer (or manager) who asked, and no one else.

Each reply carries its file as Reply.attachment; every channel delivers that to the person only (a DM, a
personal chat, a file on their own disk). The services in handlers/reports/service.py decide who may (staff
only), check the period and the reason, and record each report; this module reads what was typed and renders.
"""

from __future__ import annotations

import datetime as dt
import re

from handlers.core import Caller, Refused, TurnContext
from handlers.forms.fields import Confirm, Invalid, parse_date
from handlers.messages import ActionId, Attachment, Button, CommandSpec, Reply, ReplyKind
from handlers.reports.charts import chart_attachment
from handlers.reports.dfe_check import CaseToCheck, census_note
from handlers.reports.dfe_return import ReturnDoesNotAddUp, as_csv, as_json
from handlers.reports.exports import FORMATS
from handlers.reports.service import caseload_stats, cases_export, dfe_return, dfe_return_check
from handlers.reports.stats import describe, parse_period, period_label
from handlers.router import Router

EXPORT_HELP = (
    "Exports, sent to you only: /cme export cases [FROM] [TO] [csv|xlsx] WHY (one row per case, no names), "
    "or /cme export dfe-return [CENSUS DATE] [csv|json] (the DfE termly return's counts; add 'check' for the "
    "cases to complete before sending)."
)
CASES_USAGE = "For example: /cme export cases 2026-09-01 2026-11-30 xlsx termly caseload review"
STATS_HELP = "a chart of new, closed and open cases, reasons and time missing: /cme stats [6 | 2026 | 2025-09 2026-08]"
DATE_WORD = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|today|yesterday", re.ASCII | re.IGNORECASE)
FILE_COMMANDS = frozenset({"export", "stats"})  # their replies carry a file: channels deliver it privately
CHECK_SHOWN = 20  # cases listed in a chat message; the CLI lists every one


def sends_file(text: str) -> bool:
    """True when `text` is a command whose answer is a file (a channel must have a private way to deliver it)."""
    words = text.lower().split()
    if words[:1] == ["/cme"]:
        words = words[1:]
    return bool(words) and words[0] in FILE_COMMANDS


def register(router: Router) -> None:
    """Add /cme export and /cme stats (staff only) to the router."""
    router.command(CommandSpec("export", _guarded(export), EXPORT_HELP, staff_only=True))
    router.command(CommandSpec("stats", _guarded(stats), STATS_HELP, staff_only=True))


def _guarded(run):
    def command(turn: TurnContext, args: str) -> list[Reply]:
        try:
            return run(turn, args)
        except (Invalid, Refused) as exc:
            return [Reply(exc.fix if isinstance(exc, Confirm) else str(exc), kind=ReplyKind.ERROR)]

    command.__doc__ = run.__doc__
    return command


def export(turn: TurnContext, args: str) -> list[Reply]:
    """`/cme export cases ...` or `/cme export dfe-return ...`: the file, for the person who asked."""
    what, _, rest = args.strip().partition(" ")
    if what.lower() == "cases":
        return export_cases_reply(turn, rest)
    if what.lower() in ("dfe-return", "dfe", "return"):
        return dfe_return_reply(turn, rest)
    return [Reply(EXPORT_HELP, kind=ReplyKind.ERROR if what else ReplyKind.HELP)]


def split_export_args(args: str, *, today: dt.date, formats: tuple[str, ...]) -> tuple[list[dt.date], str | None, str]:
    """Leading dates (at most two), then a format word, then the reason: what `/cme export` was given."""
    words, dates, fmt = args.split(), [], None
    while words and len(dates) < 2 and DATE_WORD.fullmatch(words[0]):
        dates.append(parse_date(words.pop(0), today=today))
    if words and words[0].lower() in formats:
        fmt = words.pop(0).lower()
    return dates, fmt, " ".join(words)


def export_cases_reply(turn: TurnContext, args: str) -> list[Reply]:
    """One row per case raised in the period, as CSV or xlsx; refused without a reason (the audit records why)."""
    dates, fmt, reason = split_export_args(args, today=_today(turn), formats=tuple(FORMATS))
    try:
        file = cases_export(
            Caller.of(turn),
            start=dates[0] if dates else None,
            end=dates[1] if len(dates) > 1 else None,
            fmt=fmt or "xlsx",
            reason=reason,
        )
    except Invalid as exc:
        raise Invalid(f"{exc} {CASES_USAGE}") from None
    text = f"{file.alt_text}. The file is for you only: no names, dates of birth or addresses; this export is recorded."
    return [Reply(text, title="Case export", attachment=file)]


def dfe_return_reply(turn: TurnContext, args: str) -> list[Reply]:
    """The DfE termly return at a census date (today by default) as CSV or JSON, or `check`: what to complete."""
    dates, fmt, rest = split_export_args(args, today=_today(turn), formats=("csv", "json"))
    checking = rest.lower() == "check"
    if (rest and not checking) or len(dates) > 1:
        raise Invalid(
            "Give one census date and, if you like, csv or json, or 'check': /cme export dfe-return 2026-10-01 csv"
        )
    census = dates[0] if dates else None
    if checking:
        return [_check_reply(dfe_return_check(Caller.of(turn), census=census), census or _today(turn))]
    try:
        result = dfe_return(Caller.of(turn), census=census)
    except ReturnDoesNotAddUp as exc:
        text = f"The return does not add up ({exc}); do not send it. Tell whoever looks after the bot."
        return [Reply(text, kind=ReplyKind.ERROR)]
    fmt, census = fmt or "csv", result.census_date
    content = (as_json(result) if fmt == "json" else as_csv(result)).encode("utf-8")
    summary = f"DfE return at {census:%d %B %Y}: {result.total} children missing education"
    file = Attachment(
        f"cme-dfe-return-{census.isoformat()}.{fmt}", FORMATS.get(fmt, "application/json"), content, summary
    )
    facts = (
        ("Total", str(result.total)),
        ("Previous academic year, unique children", str(result.previous_year_children)),
    )
    note = census_note(census)
    text = f"{summary}. Counts only, no child identifiers." + (f" {note}" if note else "")
    return [Reply(text, title="DfE return", facts=facts, attachment=file)]


def _check_reply(found: list[CaseToCheck], census: dt.date) -> Reply:
    """The counted cases to complete before the return is sent, by reference, with what to type."""
    if not found:
        text = f"No case counted at {census:%-d %B %Y} needs a choice: every reason, year group and date is recorded."
        return Reply(text, kind=ReplyKind.CONFIRMATION, title="DfE return check")
    lines = [line for case in found[:CHECK_SHOWN] for line in case.lines()]
    if len(found) > CHECK_SHOWN:
        lines.append(f"…and {len(found) - CHECK_SHOWN} more: cme-bot export dfe-return --check lists them all.")
    text = f"{len(found)} counted case(s) at {census:%-d %B %Y} need an officer's choice:\n" + "\n".join(lines)
    buttons = tuple(
        Button(f"Open {case.reference}", f"/cme case {case.reference}", ActionId.OPEN_CASE) for case in found[:5]
    )
    return Reply(text, title="DfE return check", buttons=buttons)


def stats(turn: TurnContext, args: str) -> list[Reply]:
    """The caseload chart for PERIOD (the last 12 months by default) with the same figures as text."""
    first, last = parse_period(args, today=_today(turn))
    figures = caseload_stats(Caller.of(turn), first=first, last=last)
    return [
        Reply(
            "\n".join(describe(figures)), title=f"Cases {period_label(figures)}", attachment=chart_attachment(figures)
        )
    ]


def _today(turn: TurnContext) -> dt.date:
    """Today where the council is (how a typed date like 'yesterday' is read)."""
    return turn.now.astimezone(turn.profile.tz).date()
