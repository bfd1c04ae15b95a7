"""A Teams user's work email, from the conversation roster, so "About you" in a referral is filled in.

Teams sends the sender's name with every message but not their email; the roster has it
(TeamsInfo.get_member: one Bot Connector call). Asked at most once an hour per person, inside their
turn and limited to 2 s; a failure leaves the question for the person and is not retried for 5 minutes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from bot.lookups import LookUps
from handlers.messages import Inbound

log = logging.getLogger(__name__)
LOOKUP_SECONDS = 2.0


class Emails:
    """Work emails by identity key, looked up from the roster and kept for a while."""

    def __init__(self) -> None:
        self._lookups: LookUps[str | None] = LookUps()  # None: the roster has no email for them

    async def with_email(self, turn_context: TurnContext, inbound: Inbound) -> Inbound:
        """The inbound with the sender's work email in its identity, when the roster gives one."""
        key = inbound.identity.key
        if key in self._lookups.known:
            email = self._lookups.known[key]
        elif self._lookups.worth_asking(key):
            email = await self._look_up(turn_context, key)
        else:
            return inbound
        if not email:
            return inbound
        return dataclasses.replace(inbound, identity=dataclasses.replace(inbound.identity, email=email))

    async def _look_up(self, turn_context: TurnContext, key: str) -> str | None:
        try:
            member = await asyncio.wait_for(
                TeamsInfo.get_member(turn_context, turn_context.activity.from_property.id), LOOKUP_SECONDS
            )
        except Exception as exc:  # the roster is a nicety: any failure leaves the question to the person
            log.warning(
                "could not read a Teams roster entry (%s): the referrer will type their email", type(exc).__name__
            )
            self._lookups.refused(key)
            return None
        self._lookups.known[key] = member.email or None
        return member.email or None
