"""`cme-bot serve` as a real process with a wrong key under a real key id (issue 20, finding 2): it exits
non-zero naming the key id before it serves, and nothing in the database changes."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.config import Settings
from bot.wiring import build_core
from storage.db import unit_of_work
from storage.queries import record_audit
from tests.storage.test_key_checks import RIGHT, WRONG_DATA, _child, snapshot


def test_serve_with_a_wrong_key_under_a_real_id_exits_naming_it_and_writes_nothing(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    monkeypatch.setenv("CME_DATA_KEYS", RIGHT)
    core = build_core(Settings())  # a start with the right keys: their checks are written
    _child(core.engine, RIGHT)
    with unit_of_work(core.engine) as session:
        record_audit(session, actor="terminal:local:cme-officer", action="case.note", reason="called the school")
    before = snapshot(core.engine)
    env = {**os.environ, "CME_DATABASE_URL": db_url, "CME_DATA_KEYS": WRONG_DATA, "CME_CHANNELS": "slack"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "data key 'real' is wrong" in done.stderr and "Traceback" not in done.stderr
    assert "Zephyrine" not in done.stderr + done.stdout and "listening" not in done.stderr.lower()
    assert snapshot(core.engine) == before
    core.engine.dispose()
