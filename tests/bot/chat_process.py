"""Run `cme-bot chat --json` as a separate process and talk to it over its pipes; or any `cme-bot` command in this
process, through its real entry point, when what it does is tested and not the process."""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from unittest import mock

from bot.cli.main import main

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
    return run_piped_bytes(("\n".join(lines) + "\n").encode(), db_url, *args)


def run_piped_bytes(data: bytes, db_url: str, *args: str, **env: str) -> tuple[list[dict], str]:
    """Pipe raw bytes in (any encoding, or none); every line out must be one JSON object."""
    proc = subprocess.run(
        [*CME_BOT, "chat", "--json", *args],
        input=data,
        capture_output=True,
        env=chat_env(db_url, **env),
        cwd=ROOT,
        timeout=120,
    )
    stdout, stderr = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0 and "Traceback" not in stderr, stderr
    return [json.loads(line) for line in stdout.splitlines() if line.strip()], stderr


def run_cli(db_url: str, *args: str) -> subprocess.CompletedProcess:
    """`cme-bot ARGS` on `db_url` as a process would run it (the environment, the bundled profile, sys.exit), in
    this process: its exit status, stdout and stderr (log lines included). A new process pays ~2.5 s of CPU to
    start, so each test file starts one only where the process itself is what it tests."""
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, {"CME_DATABASE_URL": db_url}), contextlib.redirect_stdout(out):
        os.environ.pop("CME_PROFILE", None)
        with contextlib.redirect_stderr(err):
            try:
                status = main(list(args))
            except SystemExit as exit_:  # argparse's usage errors, as the process would end
                status = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
                if isinstance(exit_.code, str):
                    print(exit_.code, file=sys.stderr)
    return subprocess.CompletedProcess(["cme-bot", *args], status, out.getvalue(), err.getvalue())


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

    def greeting(self) -> list[dict]:
        """What the chat shows before anything is typed (call it only when something is shown)."""
        return self._collect()

    def say(self, text: str) -> list[dict]:
        """Send one message; collect replies up to the next question, review or confirmation."""
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self._collect()

    def _collect(self) -> list[dict]:
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
