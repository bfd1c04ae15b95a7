"""Microsoft Teams: POST /api/messages through botbuilder's CloudAdapter, Adaptive Cards, proactive alerts.

The server side is bot/teams/channel.py (`mount`); this package imports nothing, so `cme-bot manifest teams`
and other light tools load without the Teams SDK.
"""
