"""Prometheus metrics for /metrics: a registry per app (built in create_app), never a global at import.

Labels are enums only (channel, kind, exception type, urgency): nothing a person typed, no child data.
Counts that live in the database (outbox backlog, drafts, open cases) are read at scrape time in a
thread with a timeout, so a slow database never stalls the event loop or the scrape.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
from typing import Any

import sqlalchemy as sa
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.edge import from_loopback_only
from handlers.casework.gauges import DatabaseCounts, read_counts
from handlers.messages import Inbound, Reply
from handlers.router import Router

log = logging.getLogger(__name__)
CHANNELS = ("slack", "teams", "terminal")
KINDS = ("command", "action", "event", "message", "activity", "other")
SCRAPE_TIMEOUT_SECONDS = 3.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_TYPE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,63}$")


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else "other"


def _type_label(error: type[BaseException] | BaseException | str) -> str:
    """An exception's class name (a bounded set); anything else is 'other'."""
    name = error if isinstance(error, str) else (error if isinstance(error, type) else type(error)).__name__
    return name if _TYPE_NAME.match(name) else "other"


class Metrics:
    """Every metric the server exports, in its own CollectorRegistry."""

    def __init__(self, engine: sa.Engine | None = None) -> None:
        self.engine = engine
        self.registry = registry = CollectorRegistry()
        self.turns = Counter("cme_turns", "Turns handled, by channel and kind", ["channel", "kind"], registry=registry)
        self.turn_seconds = Histogram(
            "cme_turn_seconds", "Time to handle a turn", ["channel"], buckets=LATENCY_BUCKETS, registry=registry
        )
        self.ack_seconds = Histogram(
            "cme_ack_seconds", "Time to answer a channel's HTTP request", ["channel"], buckets=LATENCY_BUCKETS,
            registry=registry,
        )  # fmt: skip
        self.errors = Counter("cme_errors", "Errors by exception type", ["type"], registry=registry)
        self.deliveries_failed = Counter(
            "cme_deliveries_failed", "Outbox deliveries that failed (retried later)", ["channel"], registry=registry
        )
        self.sweep_seconds = Histogram("cme_reminder_sweep_seconds", "Reminder sweep duration", registry=registry)
        self.sweep_last_success = Gauge(
            "cme_reminder_sweep_last_success_timestamp_seconds", "When the reminder sweep last succeeded",
            registry=registry,
        )  # fmt: skip
        self._database_gauges(registry)

    def _database_gauges(self, registry: CollectorRegistry) -> None:
        self.outbox_backlog = Gauge("cme_outbox_backlog", "Outbox messages not yet sent", registry=registry)
        self.outbox_oldest = Gauge(
            "cme_outbox_oldest_pending_age_seconds", "Age of the oldest unsent outbox message", registry=registry
        )
        self.drafts_open = Gauge("cme_drafts_open", "Forms in progress", registry=registry)
        self.cases_open = Gauge("cme_cases_open", "Open cases by urgency", ["urgency"], registry=registry)
        self.database_read_ok = Gauge(
            "cme_metrics_database_read_ok", "1 when the last scrape read the database in time", registry=registry
        )

    def observe_turn(self, channel: str, kind: str, seconds: float) -> None:
        """Count one turn on `channel` of `kind` and how long it took."""
        channel = _one_of(channel, CHANNELS)
        self.turns.labels(channel, _one_of(kind, KINDS)).inc()
        self.turn_seconds.labels(channel).observe(seconds)

    def observe_ack(self, channel: str, seconds: float) -> None:
        """How long a channel's HTTP request took to answer (the ack Slack and Teams wait for)."""
        self.ack_seconds.labels(_one_of(channel, CHANNELS)).observe(seconds)

    def count_error(self, error: type[BaseException] | BaseException | str) -> None:
        """Count an error by its exception type (never its message)."""
        self.errors.labels(_type_label(error)).inc()

    def delivery_failed(self, channel: str) -> None:
        """Count an outbox delivery that failed."""
        self.deliveries_failed.labels(_one_of(channel, CHANNELS)).inc()

    def sweep_finished(self, seconds: float, *, ok: bool) -> None:
        """Record a reminder sweep's duration, and its time when it succeeded."""
        self.sweep_seconds.observe(seconds)
        if ok:
            self.sweep_last_success.set(time.time())

    def _apply(self, counts: DatabaseCounts) -> None:
        self.outbox_backlog.set(counts.outbox_backlog)
        self.outbox_oldest.set(counts.outbox_oldest_age)
        self.drafts_open.set(counts.drafts_open)
        for urgency, count in counts.cases_open.items():
            self.cases_open.labels(urgency).set(count)

    async def scrape(self, timeout: float = SCRAPE_TIMEOUT_SECONDS) -> bytes:
        """The exposition text, with the database gauges read off the loop first (kept as they were on failure)."""
        if self.engine is not None:
            try:
                self._apply(await asyncio.wait_for(asyncio.to_thread(read_counts, self.engine), timeout=timeout))
                self.database_read_ok.set(1)
            except Exception as exc:  # a slow or absent database: the in-process metrics still answer
                log.warning("metrics: database counts not read (%s)", type(exc).__name__)
                self.database_read_ok.set(0)
        return generate_latest(self.registry)


class MeteredRouter:
    """The router with each turn counted and timed by channel and kind (everything else passes through)."""

    def __init__(self, router: Router, metrics: Metrics) -> None:
        self._router, self._metrics = router, metrics
        router.on_error = metrics.count_error  # failures the router answers with an apology count too

    def __getattr__(self, name: str) -> Any:
        return getattr(self._router, name)

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Handle one turn as the router does, counting it, its time and any exception's type."""
        started = time.perf_counter()
        try:
            return self._router.handle(inbound)
        except Exception as exc:
            self._metrics.count_error(exc)
            raise
        finally:
            self._metrics.observe_turn(str(inbound.identity.channel), kind_of(inbound), time.perf_counter() - started)


def kind_of(inbound: Inbound) -> str:
    """What a turn was: a /cme command, a button or form submission, or a message (never its text)."""
    if inbound.action is not None or inbound.form_values is not None:
        return "action"
    return "command" if (inbound.text or "").lstrip().lower().startswith("/cme") else "message"


def ack_middleware(metrics: Metrics, routes: dict[str, str]):
    """An aiohttp middleware timing the channel endpoints in `routes` (path -> channel) and counting crashes."""

    @web.middleware
    async def observe(request: web.Request, handler) -> web.StreamResponse:
        channel = routes.get(request.path)
        if channel is None:
            return await handler(request)
        started = time.perf_counter()
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception as exc:  # counted by type; aiohttp answers 500
            metrics.count_error(exc)
            raise
        finally:
            metrics.observe_ack(channel, time.perf_counter() - started)

    return observe


def metrics_handler(metrics: Metrics, token: str | None):
    """GET /metrics: with CME_METRICS_TOKEN, for `Authorization: Bearer <token>`; without, for loopback only."""
    expected = f"Bearer {token}".encode() if token else None

    async def scrape(request: web.Request) -> web.Response:
        if expected is not None:
            given = request.headers.get("Authorization", "").encode("utf-8", "replace")
            if not hmac.compare_digest(given, expected):
                return web.json_response({"error": "send Authorization: Bearer <CME_METRICS_TOKEN>"}, status=401)
        elif not from_loopback_only(request):
            reason = "metrics are served on loopback only; set CME_METRICS_TOKEN to scrape from elsewhere"
            return web.json_response({"error": reason}, status=403)
        body = await metrics.scrape()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return scrape
