"""The parts of a Bot Framework activity the bot reads, as a pydantic model: an activity of another shape is a 400.

msrest turns an activity into botbuilder's Activity without checking much: a `from` that is a string,
or a conversation without an id, became None or kept its wrong type, and the turn failed later (an
AttributeError in the middle of a reply, a NUL in a conversation id stored as the place to answer).
The model names what botbuilder and the bot read (learn.microsoft.com/azure/bot-service/rest-api/
bot-framework-rest-connector-api-reference#activity-object), with the types Teams sends; any other
field passes unread. Ids are text without control characters: they are stored, and sent back in URLs.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from bot.edge import shape_problem
from storage.db import unstorable

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _plain(text: str) -> str:
    if _CONTROL.search(text) or unstorable(text):
        raise ValueError("a control character or half of a surrogate pair")
    return text


Ident = Annotated[str, Field(min_length=1, max_length=1024), AfterValidator(_plain)]
Name = Annotated[str, Field(max_length=1024), AfterValidator(_plain)]


class Shape(BaseModel):
    """Fields named here must have these types; other fields pass unread."""

    model_config = ConfigDict(extra="allow", strict=True)


class Account(Shape):
    """A person or the bot."""

    id: Ident
    name: Name | None = None
    aadObjectId: Ident | None = None  # noqa: N815 (the Bot Framework's own field names)


class Conversation(Shape):
    """Where the activity happened."""

    id: Ident
    conversationType: Name | None = None  # noqa: N815
    tenantId: Ident | None = None  # noqa: N815


class Tenant(Shape):
    """channelData.tenant."""

    id: Ident | None = None


class ChannelData(Shape):
    """Teams' own data: the tenant is read from it."""

    tenant: Tenant | None = None


class Activity(Shape):
    """An activity as the bot reads it."""

    type: str
    id: Ident | None = None
    channelId: Ident  # noqa: N815
    serviceUrl: Annotated[str, Field(max_length=2048, pattern=r"^https?://[^\s]+$")]  # noqa: N815
    from_: Account = Field(alias="from")
    conversation: Conversation
    recipient: Account
    channelData: ChannelData | None = None  # noqa: N815
    text: str | None = None
    name: Name | None = None
    replyToId: Ident | None = None  # noqa: N815
    membersAdded: list[Account] | None = None  # noqa: N815
    membersRemoved: list[Account] | None = None  # noqa: N815
    attachments: list[dict[str, Any]] | None = None
    entities: list[dict[str, Any]] | None = None


NAMES = frozenset({*Activity.model_fields, "from", *Account.model_fields, *Conversation.model_fields, "tenant"})


def activity_problem(data: dict[str, Any]) -> str | None:
    """What is wrong with the activity's shape ('from.id is missing'), or None; never a value from it."""
    try:
        Activity.model_validate(data)
    except ValidationError as exc:
        return shape_problem(exc, NAMES, what="the activity", platform="Teams")
    return None
