"""Logging for every entry point: text or JSON (CME_LOG_FORMAT), a request id per turn, and no bodies.

Libraries log what they were sent: slack_bolt writes the whole request body at INFO when a
signature is invalid or stale (`logger.info(body)`, `f"request body: {body}"`), slack_sdk and
bolt's `bot.slack.bolt` logger write response bodies at DEBUG, msrest's DeserializationError
quotes the activity it could not read, and SQLAlchemy logs parameters and rows. A referral's
answers can be in any of these, so every record is cleaned when it is made (a log record factory:
handlers added later, by a library or a test harness, get clean records too): bodies, JSON,
form-encoded data and containers in its arguments are replaced, and a traceback keeps its frames
but not the exception's message.
"""

from __future__ import annotations

import enum
import logging
import re
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import PurePath

from pythonjsonlogger.json import JsonFormatter

NO_REQUEST = "-"  # what lines logged outside any request or turn carry
REQUEST_ID: ContextVar[str] = ContextVar("cme_request_id", default=NO_REQUEST)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
REDACTED = "[redacted]"
MAX_MESSAGE = 500
# "body: ...", "json_body={...}", "payload=%7B...", "headers: {...}": everything after the marker goes.
_LABELLED = re.compile(
    r"(?is)(body|payload|params|data|headers|activity|content|text|values?|submission|answers)(\s*[:=])\s*\S.*"
)
_JSON = re.compile(r"(?s)\{.*")  # a JSON object or a dict's repr, to the end (it may be cut short)
_FORM = re.compile(r"[\w.%+-]+=[^&\s]*(?:&[\w.%+-]+=[^&\s]*)+")  # token=...&text=... (a slash command)
# A one-off download link's token (the access log's request line): whoever reads the log could use it first.
_DOWNLOAD = re.compile(r"(/downloads/)[A-Za-z0-9_-]{20,}")
_SAFE_ARGS = (int, float, bool, str, enum.Enum, type(None), PurePath)  # not dates: a date of birth is one
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


def new_request_id() -> str:
    """A short random id for one request or turn."""
    return uuid.uuid4().hex[:12]


@contextmanager
def request_scope(request_id: str | None = None) -> Iterator[str]:
    """Every line logged inside carries this request id (a contextvar, so concurrent turns keep theirs)."""
    token = REQUEST_ID.set(request_id or new_request_id())
    try:
        yield REQUEST_ID.get()
    finally:
        REQUEST_ID.reset(token)


def redact_text(text: str) -> str:
    """The text with bodies, JSON and form-encoded data replaced, cut to a sane length."""
    text = _LABELLED.sub(lambda m: f"{m.group(1)}{m.group(2)} {REDACTED}", text)
    text = _FORM.sub(REDACTED, _JSON.sub(REDACTED, text))
    text = _DOWNLOAD.sub(rf"\1{REDACTED}", text)
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + " [cut]"


def safe_traceback(exc_info) -> str:
    """The traceback's frames (code, not data) and each exception's type, never its message."""
    _type, value, tb = exc_info
    lines: list[str] = []
    seen: set[int] = set()
    while value is not None and id(value) not in seen:
        seen.add(id(value))
        frames = traceback.format_tb(value.__traceback__ if value.__traceback__ is not None else tb)
        lines[:0] = [
            "Traceback (most recent call last):\n",
            *frames,
            f"{type(value).__qualname__} (message withheld)\n",
        ]
        value = value.__cause__ or value.__context__
        tb = None
    return "".join(lines).rstrip("\n")


def clean(record: logging.LogRecord) -> logging.LogRecord:
    """Make a record safe to write: its message redacted, its traceback without messages."""
    if isinstance(record.args, dict):
        record.args = {key: REDACTED for key in record.args}  # "%(name)s" still formats
    elif record.args:
        record.args = tuple(a if isinstance(a, _SAFE_ARGS) else f"[{type(a).__name__}]" for a in record.args)
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: say so rather than lose the line
        message = f"{record.msg!s} (unformattable arguments)"
    record.msg, record.args = redact_text(str(message)), ()
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = safe_traceback(record.exc_info)
    elif record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    record.exc_info = None
    return record


class RequestIdFilter(logging.Filter):
    """Adds the request id, and drops a library's extra fields that hold more than a short value."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always True: this filter only adds and removes fields."""
        record.request_id = REQUEST_ID.get()
        for key in set(vars(record)) - _STANDARD:
            value = getattr(record, key)
            if not isinstance(value, _SAFE_ARGS) or (isinstance(value, str) and redact_text(value) != value):
                setattr(record, key, REDACTED)
        return True


_base_factory = logging.getLogRecordFactory()


def _clean_factory(*args, **kwargs) -> logging.LogRecord:
    return clean(_base_factory(*args, **kwargs))


def install_redaction() -> None:
    """Clean every log record as it is made, whichever logger or handler it is for."""
    logging.setLogRecordFactory(_clean_factory)


def remove_redaction() -> None:
    """Back to the standard record factory (tests)."""
    logging.setLogRecordFactory(_base_factory)


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is written (a redirect or a test's capture made later)."""

    @property
    def stream(self):  # type: ignore[override]
        """The current sys.stderr."""
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


# Libraries that log every request, response, statement or row at DEBUG: cleaned like everything else, but kept
# at INFO (noise, not safety: the redaction above is what keeps bodies out, at any level).
NOISY_LOGGERS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "msrest", "aiohttp.client", "sqlalchemy")


def setup_logging(
    level: str = "INFO", fmt: str = "text", stream=None, *, quiet_libraries: bool = True
) -> logging.Handler:
    """One handler on the root logger, text or JSON, with request ids and redaction; returns the handler."""
    install_redaction()
    handler = logging.StreamHandler(stream) if stream is not None else _Stderr()
    if fmt == "json":
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    handler.cme_logs = True  # type: ignore[attr-defined]  # ours: replaced by the next call, others' kept
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "cme_logs", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    if quiet_libraries and root.level < logging.INFO:  # at INFO and above they follow the root anyway
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.INFO)
    return handler


def configure_logging(settings, *, level: str | None = None) -> logging.Handler:
    """Logging as CME_LOG_LEVEL and CME_LOG_FORMAT say (or at `level`: the terminal chat keeps to warnings)."""
    return setup_logging(level or settings.log_level, settings.log_format)
