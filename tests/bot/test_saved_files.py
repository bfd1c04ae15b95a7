"""The terminal's files (an export, a chart): saved under ./cme-files for their owner only, never overwritten."""

from __future__ import annotations

import io
import json
import stat

from bot.saved_files import save_attachment
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
