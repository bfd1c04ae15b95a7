"""The Teams app manifest: valid against the official schema of its version, and the package the CLI builds."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

from bot.teams.manifest import MANIFEST_DIR, png_size
from tests.bot.teams.node_tools import require_node_tools

APP_ID = "5b0e2a2e-1111-4222-8333-944444444444"


def validate(path: Path) -> subprocess.CompletedProcess:
    tools = require_node_tools()
    command = ["node", str(tools / "validate-manifest.mjs"), str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def build(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    out = tmp_path / "cme-bot.zip"
    command = [sys.executable, "-m", "bot.cli", "manifest", "teams", "--app-id", APP_ID, "--out", str(out), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_manifest_is_valid_against_its_official_schema():
    manifest = json.loads((MANIFEST_DIR / "manifest.json").read_text())
    result = validate(MANIFEST_DIR / "manifest.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"v{manifest['manifestVersion']}" in result.stdout
    bot = manifest["bots"][0]
    assert set(bot["scopes"]) == {"personal", "team"}
    personal = next(c for c in bot["commandLists"] if c["scopes"] == ["personal"])
    titles = [c["title"] for c in personal["commands"]]
    assert {"report", "status", "check", "ask", "contacts", "help"} <= set(titles)


def test_the_validator_rejects_a_broken_manifest(tmp_path):
    manifest = json.loads((MANIFEST_DIR / "manifest.json").read_text())
    del manifest["accentColor"]
    manifest["bots"][0]["scopes"] = ["everyone"]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    result = validate(tmp_path / "manifest.json")
    assert result.returncode == 1
    assert "accentColor" in result.stdout and "/bots/0/scopes/0" in result.stdout


def test_cli_builds_a_valid_package_with_the_app_id_and_icons(tmp_path):
    result = build(tmp_path, "--domain", "CME-bot.council.example.gov.uk")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "cme-bot.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color, outline = package.read("color.png"), package.read("outline.png")
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["cme-bot.council.example.gov.uk"]
    assert (png_size(color), png_size(outline)) == ((192, 192), (32, 32))
    assert all(alpha == 0 or rgb == (255, 255, 255) for rgb, alpha in pixels(outline))  # white on transparent
    assert any(alpha == 0 for _, alpha in pixels(outline))
    (tmp_path / "built.json").write_text(json.dumps(manifest))
    checked = validate(tmp_path / "built.json")
    assert checked.returncode == 0, checked.stdout


def test_cli_refuses_an_app_id_that_is_not_a_guid(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "manifest", "teams", "--app-id", "my-bot", "--out", str(tmp_path / "x.zip")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "GUID" in result.stderr
    assert not (tmp_path / "x.zip").exists()


def pixels(data: bytes):
    """(rgb, alpha) of each pixel of an 8-bit RGBA, unfiltered PNG (what tools/teams/make_icons.py writes)."""
    width, height = struct.unpack(">II", data[16:24])
    assert data[24:26] == b"\x08\x06", "expected 8-bit RGBA"
    idat, at = b"", 8
    while at < len(data):
        length = struct.unpack(">I", data[at : at + 4])[0]
        if data[at + 4 : at + 8] == b"IDAT":
            idat += data[at + 8 : at + 8 + length]
        at += 12 + length
    raw, stride = zlib.decompress(idat), 1 + width * 4
    for y in range(height):
        row = raw[y * stride + 1 : (y + 1) * stride]
        assert raw[y * stride] == 0, "expected filter type 0"
        for x in range(width):
            r, g, b, a = row[x * 4 : x * 4 + 4]
            yield (r, g, b), a
