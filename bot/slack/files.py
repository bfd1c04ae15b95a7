"""A reply's file (an export, a chart) goes to the person's own DM with the app, never to a channel.

`files_upload_v2` is three Web API steps (files.getUploadURLExternal, a POST of the bytes to the URL it
gives, files.completeUploadExternal); the DM comes from conversations.open, whatever conversation the
command was typed in. Failures are logged by type only: the file holds case data.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.messages import Reply

log = logging.getLogger(__name__)
ALT_TEXT_MAX = 1000  # files.getUploadURLExternal's alt_txt limit
SENT = "Here is the file you asked for: for you only, please don't forward it to a channel."
NOT_SENT = "I couldn't send you the file just now (Slack said no). Please ask again in a minute."


async def send_files(client: AsyncWebClient, user_id: str, replies: list[Reply] | None) -> list[str]:
    """Upload each reply's file to `user_id`'s DM with the app; the ids of the files Slack now holds."""
    files = [reply.attachment for reply in replies or [] if reply.attachment is not None]
    if not files:
        return []
    try:
        opened = await client.conversations_open(users=user_id)
        channel = opened["channel"]["id"]
        sent = []
        for file in files:
            done = await client.files_upload_v2(
                channel=channel,
                content=file.content,
                filename=file.filename,
                title=file.filename,
                alt_txt=file.alt_text[:ALT_TEXT_MAX] or None,
                initial_comment=SENT,
            )
            sent.append(done["file"]["id"])
        return sent
    except (SlackApiError, SlackRequestError) as exc:
        log.warning("a file could not be sent to the person's DM (%s)", type(exc).__name__)
        await client.chat_postMessage(channel=user_id, text=NOT_SENT)
        return []
