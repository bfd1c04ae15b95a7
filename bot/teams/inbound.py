"""Turn a Teams message activity into the core's Inbound: who, where, the text, a button or a card page.

Teams sends card submits as message activities whose `value` holds the card's inputs merged with
the action's data; plain chat arrives as `text` (with an <at>mention</at> in channels).
"""

from __future__ import annotations

import re
from typing import Any

from botbuilder.schema import Activity

from bot.teams.cards import FORM_KEY
from bot.teams.render import ACTION_KEY, VALUE_KEY
from handlers.casework.short_forms import FORM_ACTIONS
from handlers.messages import Action, ActionId, Address, Channel, Identity, Inbound

PERSONAL = "personal"
CHAT_WORDS = frozenset({"chat", "questions", "step", "text"})  # "report chat": one question at a time
_MENTION = re.compile(r"<at>.*?</at>", re.DOTALL)
# A quoted reply: Teams puts <quoted messageId="..."/> in the text and a quotedReply entity beside it; older
# clients send the quote as an HTML attachment, <blockquote itemtype="http://schema.skype.com/Reply" itemid="...">.
_QUOTED = re.compile(r'<quoted\s+messageId="[^"]*"\s*/>', re.IGNORECASE)
_REPLY_ITEM = re.compile(r'itemtype="http://schema\.skype\.com/Reply"[^>]*?itemid="([^"]+)"', re.IGNORECASE)


def tenant_of(activity: Activity) -> str:
    """The Microsoft 365 tenant the activity came from ("unknown" when Teams did not say)."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = (data.get("tenant") or {}).get("id") or getattr(activity.conversation, "tenant_id", None)
    return tenant or "unknown"


def identity_of(activity: Activity) -> Identity:
    """The sender: their Entra (AAD) object id when Teams gives it, and their tenant."""
    sender = activity.from_property
    user_id = getattr(sender, "aad_object_id", None) or sender.id
    return Identity(Channel.TEAMS, user_id, tenant_of(activity), display_name=sender.name or None)


def base_conversation_id(conversation_id: str) -> str:
    """A channel thread's id without ';messageid=...', i.e. the channel itself."""
    return conversation_id.split(";", 1)[0]


def is_personal(activity: Activity) -> bool:
    """True in a one-to-one chat with the bot (the only place child details may be shown)."""
    return (activity.conversation.conversation_type or PERSONAL) == PERSONAL


def address_of(activity: Activity) -> Address:
    """Where replies to this activity go."""
    conversation = activity.conversation
    return Address(
        Channel.TEAMS,
        base_conversation_id(conversation.id),
        activity.from_property.id,
        extra={"service_url": activity.service_url, "conversation_type": conversation.conversation_type or PERSONAL},
    )


def clean_text(activity: Activity) -> str:
    """The typed text without the bot's @mention, a quoted message's placeholder and surrounding space."""
    text = _QUOTED.sub(" ", _MENTION.sub(" ", activity.text or ""))
    return " ".join(text.replace("&nbsp;", " ").split())


def quoted_message(activity: Activity) -> str | None:
    """The id of the message this one replies to (a quoted reply in a chat, a reply in a channel thread)."""
    for entity in activity.entities or []:
        data = entity.serialize() if hasattr(entity, "serialize") else dict(entity or {})
        properties = {**data, **(getattr(entity, "additional_properties", None) or {})}
        quoted = properties.get("quotedReply") if properties.get("type") == "quotedReply" else None
        if isinstance(quoted, dict) and quoted.get("messageId"):
            return str(quoted["messageId"])
    for attachment in activity.attachments or []:
        if attachment.content_type == "text/html" and isinstance(attachment.content, str):
            found = _REPLY_ITEM.search(attachment.content)
            if found:
                return found.group(1)
    return activity.reply_to_id or None


def to_inbound(activity: Activity, *, address: Address | None = None) -> Inbound:
    """The Inbound for a message activity (text, a button, or a submitted card page)."""
    identity, where = identity_of(activity), address or address_of(activity)
    common: dict[str, Any] = {"event_id": activity.id, "received_at": None}
    value = activity.value if isinstance(activity.value, dict) else None
    if value and FORM_KEY in value:
        values = {k: _plain(v) for k, v in value.items() if k != FORM_KEY}
        return Inbound(identity, where, form_id=str(value[FORM_KEY]), form_values=values, **common)
    if value and ACTION_KEY in value:
        action = Action(_action_id(value[ACTION_KEY]), str(value.get(VALUE_KEY, "")))
        # An officer's button that lacks details (a snooze's date) opens its short form as a card, and
        # "Open the form" (or keeping or discarding a draft) shows the form as a card again.
        wants_form = action.action_id in FORM_ACTIONS | {ActionId.OPEN_FORM}
        return Inbound(identity, where, action=action, wants_form=wants_form, **common)
    text, wants_form = command_text(clean_text(activity))
    return Inbound(identity, where, text=text, wants_form=wants_form, thread_id=quoted_message(activity), **common)


def command_text(text: str) -> tuple[str, bool]:
    """The text as typed, and whether it asks for the referral as a card (the router reads commands).

    `report` (or `/cme report`) opens the card; `report chat` asks one question at a time instead.
    """
    words = text.lower().split()
    if words and words[0] == "/cme":
        words = words[1:]
    wants_form = bool(words) and words[0] == "report" and not (len(words) > 1 and words[1] in CHAT_WORDS)
    return text, wants_form


def _action_id(raw: Any) -> ActionId:
    try:
        return ActionId(str(raw))
    except ValueError:
        return ActionId.SAY


def _plain(value: Any) -> Any:
    # Card inputs come back as strings; an empty optional input means "not answered".
    return value.strip() if isinstance(value, str) else value
