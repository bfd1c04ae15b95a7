"""Who a Slack user is (name, work email, phone), from users.info, so "About you" in a referral is filled in.

Looked up after the ack, never on the way to it: someone's first turn starts the look-up in the
background, and the form asks about the referrer many turns later (the core fills those answers
as it reaches them). Kept for an hour; a failed look-up (a scope not granted, Slack unreachable)
is not tried again for a few minutes and leaves the questions for the person to answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.lookups import LookUps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackPerson:
    """What Slack's profile says about someone; any part may be missing."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None

    @classmethod
    def from_user(cls, user: dict[str, Any]) -> SlackPerson:
        """From users.info's `user` object: the real name, else the display name."""
        profile = user.get("profile") or {}
        name = profile.get("real_name") or user.get("real_name") or profile.get("display_name")
        return cls(name or None, profile.get("email") or None, profile.get("phone") or None)


class People:
    """A cache of Slack profiles by user id, filled by background look-ups."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._lookups: LookUps[SlackPerson] = LookUps()
        self._pending: set[str] = set()

    def known(self, user_id: str) -> SlackPerson | None:
        """The person's profile if it has been looked up lately."""
        return self._lookups.known.get(user_id)

    def worth_asking(self, user_id: str) -> bool:
        """True when nothing is known, nothing is on the way and no look-up failed lately."""
        return self._lookups.worth_asking(user_id) and user_id not in self._pending

    async def look_up(self, user_id: str) -> SlackPerson | None:
        """Ask Slack (users.info) and remember the answer; None when Slack would not say."""
        self._pending.add(user_id)
        try:
            response = await self.client.users_info(user=user_id)
            person = SlackPerson.from_user(response["user"])
        except (SlackApiError, OSError, TimeoutError, KeyError, TypeError) as exc:
            log.warning("could not look up a Slack profile (%s): the referrer will type their details", _reason(exc))
            self._lookups.refused(user_id)
            return None
        finally:
            self._pending.discard(user_id)
        self._lookups.known[user_id] = person
        return person


def _reason(exc: Exception) -> str:
    """Slack's error code ("missing_scope"), the HTTP status, or the exception's type: never the body."""
    if isinstance(exc, SlackApiError):
        data = exc.response.data
        return str(data.get("error", "error")) if isinstance(data, dict) else f"HTTP {exc.response.status_code}"
    return type(exc).__name__
