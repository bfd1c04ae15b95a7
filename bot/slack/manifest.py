"""Print the Slack app manifest with this deployment's request URLs (or set up for Socket Mode)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

PLACEHOLDER = "https://YOUR-HOST"
EVENTS_PATH = "/slack/events"


def manifest_path() -> Path:
    """Where the manifest lives in the repository (manifest/slack/manifest.yaml)."""
    return Path(__file__).resolve().parents[2] / "manifest" / "slack" / "manifest.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `cme-bot manifest slack`."""
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--url", help="the server's public base URL, e.g. https://cme.example.gov.uk (HTTP mode)")
    mode.add_argument("--socket-mode", action="store_true", help="no public URL: Slack connects over Socket Mode")
    parser.add_argument("--json", action="store_true", help="print JSON instead of YAML")


def run(args: argparse.Namespace) -> int:
    """Print the manifest; exit 2 for a URL Slack would refuse."""
    try:
        data = render(args.url, socket_mode=args.socket_mode)
    except ValueError as exc:
        sys.stderr.write(f"cme-bot: {exc}\n")
        return 2
    if args.json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif args.url:  # keep the file's comments (each scope's reason) for the reader
        sys.stdout.write(manifest_path().read_text().replace(PLACEHOLDER, args.url.rstrip("/")))
    else:
        sys.stdout.write(yaml.safe_dump(data, sort_keys=False))
    return 0


def render(url: str | None, *, socket_mode: bool = False) -> dict[str, Any]:
    """The manifest as data: request URLs filled in from `url`, or Socket Mode with none."""
    text = manifest_path().read_text()
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"the URL must be https://host[/path], not {url!r}")
        text = text.replace(PLACEHOLDER, url.rstrip("/"))
    data = yaml.safe_load(text)
    if socket_mode:
        data["settings"]["socket_mode_enabled"] = True
        data["settings"]["event_subscriptions"].pop("request_url", None)
        data["settings"]["interactivity"].pop("request_url", None)
        for command in data["features"]["slash_commands"]:
            command.pop("url", None)
    return data
