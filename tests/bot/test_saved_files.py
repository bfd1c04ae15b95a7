"""The terminal's files (an export, a chart): saved under ./cme-files for their owner only, never overwritten."""

from __future__ import annotations

import io
import json
import stat

import pytest

from bot.saved_files import CannotSave, private_file, save_attachment, save_private
from bot.terminal import _Printer
from handlers.messages import Attachment, Reply

FILE = Attachment("cme-cases-2026-09-01-to-2026-11-30.csv", "text/csv", b"reference\nCME-2026-0001\n", "1 case")


def test_the_chat_saves_the_file_and_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    _Printer(out, as_json=False).show([Reply("1 cases raised", title="Case export", attachment=FILE)])
    saved = tmp_path / "cme-files" / FILE.filename
    assert f"File saved for you only: {saved}" in out.getvalue()
    assert saved.read_bytes() == FILE.content
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600 and stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    as_json = io.StringIO()
    _Printer(as_json, as_json=True).show([Reply("again", attachment=FILE)])
    shown = json.loads(as_json.getvalue())
    assert shown["saved_to"].endswith("cme-cases-2026-09-01-to-2026-11-30-2.csv")  # the first is kept
    assert shown["attachment"] == {"filename": FILE.filename, "content_type": "text/csv", "bytes": len(FILE.content)}


def test_a_name_cannot_climb_out_of_the_folder(tmp_path):
    sneaky = Attachment("../../etc/passwd", "text/plain", b"x")
    path = save_attachment(sneaky, tmp_path / "files")
    assert path == tmp_path / "files" / "passwd" and not (tmp_path / "etc").exists()


def test_a_replaced_file_is_owner_only_and_a_failed_write_leaves_the_old_one_whole(tmp_path):
    old = tmp_path / "chart.png"
    old.write_bytes(b"old chart")
    old.chmod(0o644)  # as an earlier version of the bot left it
    save_private(old, b"new chart", replace=True)
    assert old.read_bytes() == b"new chart" and stat.S_IMODE(old.stat().st_mode) == 0o600
    with pytest.raises(RuntimeError), private_file(old, replace=True) as handle:
        handle.write(b"half a ch")
        raise RuntimeError("the drawing failed")
    assert old.read_bytes() == b"new chart" and [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_an_existing_file_is_never_overwritten_and_a_failed_export_leaves_no_file(tmp_path):
    kept = tmp_path / "cases.csv"
    kept.write_bytes(b"yesterday's export")
    with pytest.raises(CannotSave, match="already exists: choose another file name"):
        save_private(kept, b"today")
    assert kept.read_bytes() == b"yesterday's export"
    fresh = tmp_path / "fresh.csv"
    with pytest.raises(RuntimeError), private_file(fresh) as handle:
        handle.write(b"partial")
        raise RuntimeError("refused half way")
    assert not fresh.exists()
    with pytest.raises(CannotSave, match="is a folder"):
        save_private(tmp_path, b"x", replace=True)
