"""How long a channel's profile look-ups are trusted: an answer for an hour, a refusal for 5 minutes.

Slack (users.info) and Teams (the roster) both fill in the referrer's details this way.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from cachetools import TTLCache

KNOWN_FOR_SECONDS = 60 * 60
RETRY_AFTER_SECONDS = 5 * 60
MAX_PEOPLE = 10_000
T = TypeVar("T")


class LookUps(Generic[T]):
    """What look-ups found, by person, and who was refused lately (not asked again until it expires)."""

    def __init__(self) -> None:
        self.known: TTLCache[str, T] = TTLCache(MAX_PEOPLE, KNOWN_FOR_SECONDS)
        self._refused: TTLCache[str, bool] = TTLCache(MAX_PEOPLE, RETRY_AFTER_SECONDS)

    def worth_asking(self, key: str) -> bool:
        """True when nothing is known about `key` and no look-up for it failed lately."""
        return key not in self.known and key not in self._refused

    def refused(self, key: str) -> None:
        """Note a failed look-up, so the platform isn't asked again for a while."""
        self._refused[key] = True
