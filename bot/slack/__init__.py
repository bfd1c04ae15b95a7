"""Slack channel: /cme, the referral modal, the DM conversation, App Home and officer notifications.

The server side is bot/slack/channel.py (`mount`); this package imports nothing, so `cme-bot manifest slack`
and other light tools load without the Slack SDK.
"""
