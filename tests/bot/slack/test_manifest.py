"""The Slack manifest: Slack's documented limits, least-privilege scopes each justified, URLs filled in by the CLI."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.cli.main import main
from bot.slack.ids import COMMAND
from bot.slack.manifest import manifest_path, render

URL = "https://cme.bury.gov.uk"
# What each scope is for; a new scope must be added here and justified in the manifest.
NEEDED_SCOPES = {"commands", "chat:write", "im:history", "im:write", "files:write", "users:read", "users:read.email"}
EVENT_SCOPES = {"message.im": "im:history", "app_home_opened": None}


def test_manifest_is_within_slacks_limits():
    data = render(URL)
    info = data["display_information"]
    assert 1 <= len(info["name"]) <= 35 and len(info["description"]) <= 140
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    bot = data["features"]["bot_user"]
    assert len(bot["display_name"]) <= 80 and re.fullmatch(r"[a-z0-9][a-z0-9._-]*", bot["display_name"])
    [command] = data["features"]["slash_commands"]
    assert command["command"] == COMMAND and len(command["command"]) <= 32
    assert re.fullmatch(r"/[a-z0-9_-]+", command["command"])
    assert len(command["description"]) <= 2000 and len(command["usage_hint"]) <= 1000
    assert data["features"]["app_home"]["home_tab_enabled"] and data["settings"]["interactivity"]["is_enabled"]
    events = data["settings"]["event_subscriptions"]["bot_events"]
    assert len(events) <= 100 and set(events) == set(EVENT_SCOPES)


def test_scopes_are_least_privilege_and_each_is_justified():
    scopes = render(URL)["oauth_config"]["scopes"]["bot"]
    assert set(scopes) == NEEDED_SCOPES and "user" not in render(URL)["oauth_config"]["scopes"]
    for scope in scopes:
        line = next(x for x in manifest_path().read_text().splitlines() if x.strip().startswith(f"- {scope} "))
        assert re.search(r"#\s*\w+.{10,}", line), f"{scope} has no reason"
    for event, scope in EVENT_SCOPES.items():
        assert scope is None or scope in scopes, event


def test_cli_fills_the_request_urls(capsys):
    assert main(["manifest", "slack", "--url", URL + "/"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    urls = [
        data["features"]["slash_commands"][0]["url"],
        data["settings"]["event_subscriptions"]["request_url"],
        data["settings"]["interactivity"]["request_url"],
    ]
    assert urls == [f"{URL}/slack/events"] * 3


def test_socket_mode_has_no_request_urls_and_bad_urls_are_refused(capsys):
    assert main(["manifest", "slack", "--socket-mode"]) == 0
    out = capsys.readouterr().out
    assert yaml.safe_load(out)["settings"]["socket_mode_enabled"] is True and "http" not in out
    with pytest.raises(ValueError):
        render("http://cme.bury.gov.uk")
    assert main(["manifest", "slack", "--url", "cme.bury.gov.uk"]) == 2
