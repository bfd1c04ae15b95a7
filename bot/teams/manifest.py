"""Build the Teams app package (manifest.json + icons, zipped) for upload to Teams.

`cme-bot manifest teams --app-id ID --out cme-bot.zip [--domain cme-bot.council.gov.uk] [--version 1.0.1]`
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "manifest" / "teams"
ICON_SIZES = {"color": (192, 192), "outline": (32, 32)}


class ManifestError(ValueError):
    """The package can't be built as asked (the message says why)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `cme-bot manifest teams`."""
    parser.add_argument("--app-id", required=True, help="the Microsoft App ID of the Azure Bot (a GUID)")
    parser.add_argument("--out", default="cme-bot.zip", help="where to write the package (default: cme-bot.zip)")
    parser.add_argument(
        "--domain",
        action="append",
        default=None,
        help="a domain the bot is served from (repeatable; default: the manifest's validDomains)",
    )
    parser.add_argument("--version", dest="app_version", default=None, help="the app version, e.g. 1.0.1")
    parser.add_argument("--source", type=Path, default=MANIFEST_DIR, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    """Write the zip; exit 2 with a message on bad input."""
    try:
        out = build_package(args.source, args.app_id, Path(args.out), domains=args.domain, version=args.app_version)
    except ManifestError as exc:
        sys.stderr.write(f"cme-bot: {exc}\n")
        return 2
    sys.stdout.write(f"wrote {out} (upload it in Teams: Apps > Manage your apps > Upload an app)\n")
    return 0


def build_package(
    source: Path, app_id: str, out: Path, *, domains: list[str] | None = None, version: str | None = None
) -> Path:
    """Fill in the app id (and domains, version), check the icons, and zip manifest.json with them."""
    manifest = filled_manifest(source, app_id, domains=domains, version=version)
    icons = {}
    for key, size in ICON_SIZES.items():
        path = source / manifest["icons"][key]
        icons[path.name] = path.read_bytes()
        if png_size(icons[path.name]) != size:
            raise ManifestError(f"the {key} icon {path.name} must be a {size[0]}x{size[1]} PNG")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for name, data in icons.items():
            package.writestr(name, data)
    return out


def filled_manifest(
    source: Path, app_id: str, *, domains: list[str] | None = None, version: str | None = None
) -> dict[str, Any]:
    """The manifest with this bot's app id in `id` and `bots[].botId`."""
    try:
        app_id = str(uuid.UUID(app_id.strip()))
    except ValueError as exc:
        raise ManifestError(f"--app-id must be the bot's Microsoft App ID, a GUID (got {app_id[:40]!r})") from exc
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    manifest["id"] = app_id
    for bot in manifest["bots"]:
        bot["botId"] = app_id
    if domains:
        manifest["validDomains"] = sorted({d.strip().lower() for d in domains if d.strip()})
    if version:
        manifest["version"] = version
    return manifest


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, or None when it is not one."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])
