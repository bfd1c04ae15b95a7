"""A subject access pack on disk: data.json, a readable index.html (no external assets), and manifest.json.

The folder and files are made readable by their owner only: they hold a child's whole record.
"""

from __future__ import annotations

import hashlib
import json
import os
from html import escape
from pathlib import Path
from typing import Any

from bot.saved_files import save_private
from handlers.records.sar import REVIEW, count_items

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 60rem; line-height: 1.4; }
dl { margin: 0 0 0 1rem; } dt { font-weight: 600; margin-top: .4rem; } dd { margin-left: 1rem; }
ol { padding-left: 1.4rem; } li { margin: .4rem 0; border-left: 2px solid #ccc; padding-left: .6rem; }
mark.review { background: #ffe08a; outline: 2px dashed #b8860b; }
.why { color: #7a5a00; font-size: .85em; } .none { color: #777; }
"""


def write_pack(folder: Path, pack: dict[str, Any], about: dict[str, Any]) -> dict[str, Any]:
    """Write the three files into `folder` (made if missing); returns the manifest."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # a folder that was there already, or a umask that took bits off
    data = json.dumps(pack, indent=2, ensure_ascii=False, sort_keys=True)
    files = {"data.json": data, "index.html": render_html(pack, about)}
    listed = [_write(folder / name, text) for name, text in files.items()]
    manifest = {**about, "files": listed, "counts": count_items(pack)}
    _write(folder / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def _write(path: Path, text: str) -> dict[str, Any]:
    raw = text.encode("utf-8")
    save_private(path, raw, replace=True)  # a pack written again for the same request replaces the old files
    return {"name": path.name, "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}


def render_html(pack: dict[str, Any], about: dict[str, Any]) -> str:
    """The pack as one self-contained HTML page; third parties' details highlighted for redaction review."""
    facts = "".join(f"<dt>{escape(_label(k))}</dt><dd>{escape(str(v))}</dd>" for k, v in about.items())
    marked = count_items(pack)["redaction_review"]
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Subject access pack {escape(str(about.get('request_id', '')))}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Subject access pack</h1><dl>{facts}</dl>"
        f'<p><mark class="review">Highlighted</mark> items ({marked}) are other people\'s personal data '
        "(reporters, parents, other children, staff) or officers' free text: review each one and redact what "
        "must be withheld before the pack is sent.</p>"
        f"{_node(pack)}</body></html>\n"
    )


LABELS = {"dob": "Date of birth", "upn": "UPN (unique pupil number)", "sar": "Subject access request", "id": "Id"}


def _label(key: str) -> str:
    return LABELS.get(key) or key.replace("_", " ").capitalize()


def _node(value: Any) -> str:
    if isinstance(value, dict) and value.get(REVIEW) is True:
        why = escape(str(value.get("why", "")))
        return f'<mark class="review" title="{why}">{_node(value.get("value"))}</mark> <span class="why">({why})</span>'
    if isinstance(value, dict):
        if not value:
            return '<span class="none">none</span>'
        items = "".join(f"<dt>{escape(_label(str(k)))}</dt><dd>{_node(v)}</dd>" for k, v in value.items())
        return f"<dl>{items}</dl>"
    if isinstance(value, list):
        if not value:
            return '<span class="none">none</span>'
        return "<ol>" + "".join(f"<li>{_node(v)}</li>" for v in value) + "</ol>"
    if value is None or value == "":
        return '<span class="none">not recorded</span>'
    return escape(str(value))
