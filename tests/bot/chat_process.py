"""Run `cme-bot chat --json` as a separate process and talk to it over its pipes."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CME_BOT = [sys.executable, "-m", "bot.cli"]
ENDS_TURN = {"question", "review", "confirmation"}


def chat_env(db_url: str, **extra: str) -> dict[str, str]:
    """The environment for a chat process on `db_url`."""
    env = dict(os.environ, CME_DATABASE_URL=db_url, PYTHONPATH=str(ROOT), **extra)
    env.pop("CME_PROFILE", None)
    return env


def run_piped(lines: list[str], db_url: str, *args: str) -> tuple[list[dict], str]:
    """Pipe all lines in at once (as `echo ... | cme-bot chat --json`); return the replies and stderr."""
    proc = subprocess.run(
        [*CME_BOT, "chat", "--json", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=chat_env(db_url),
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()], proc.stderr


class ChatProcess:
    """An interactive chat process: send a line, read the replies that follow it."""

    def __init__(self, db_url: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [*CME_BOT, "chat", "--json", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=chat_env(db_url),
            cwd=ROOT,
        )
        self.replies: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.strip():
                self.replies.put(json.loads(line))

    def say(self, text: str) -> list[dict]:
        """Send one message; collect replies up to the next question, review or confirmation."""
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        got = [self.replies.get(timeout=60)]
        while got[-1]["kind"] not in ENDS_TURN:
            try:  # an answer, help or notice may be the whole turn: stop when nothing more comes
                got.append(self.replies.get(timeout=1.0))
            except queue.Empty:
                break
        return got

    def kill(self) -> None:
        """Kill the process at once (no clean shutdown)."""
        self.proc.kill()
        self.proc.wait(timeout=10)
