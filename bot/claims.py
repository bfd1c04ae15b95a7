"""Claim each delivery in the database before handling it, so a platform's retry is handled once.

Slack retries an event it thinks failed and Teams re-sends an activity its bot took more than 15 s
to answer; either may reach another replica. Runs in a database thread, in front of the turn.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.exc import SQLAlchemyError

from handlers.core import Core
from storage.deliveries import claim_delivery, forget_deliveries

log = logging.getLogger(__name__)
CLAIM_FOR = dt.timedelta(hours=1)  # claims kept: Slack's and Teams' retries end within minutes
EXPIRE_EVERY = dt.timedelta(minutes=10)


class DeliveryClaims:
    """First-time checks for delivery keys ("slack:event:Ev1", "teams:CONVERSATION:ACTIVITY")."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._expired_at: dt.datetime | None = None

    def first_time(self, key: str) -> bool:
        """True when no replica has taken `key` before (and takes it); old claims expire now and then."""
        now = self.core.clock()
        try:
            with self.core.engine.begin() as connection:
                first = claim_delivery(connection, key, now)
                if self._expired_at is None or now - self._expired_at >= EXPIRE_EVERY:
                    forget_deliveries(connection, now - CLAIM_FOR)
                    self._expired_at = now
            return first
        except SQLAlchemyError as exc:
            # Database down: handle it (the core will say so) rather than drop what may be a first delivery.
            log.warning("could not record a delivery (%s)", type(exc).__name__)
            return True
