"""Benchmark: how much memory `cme-bot serve` holds once it is ready, with Slack and Teams both on.

Starts `cme-bot serve` on loopback with dummy Slack and Teams settings (nothing is called: the
Slack Web API URL points at a closed port), waits for /healthz, and reads VmRSS from
/proc/PID/status. Then the top imports by cumulative time from `python -X importtime` for the same
start, and the resident size after importing each heavy library on its own (what each costs).

    .venv/bin/python bench/bench_memory.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 200
HEAVY = ["sklearn", "scipy", "numpy", "matplotlib", "openpyxl", "slack_bolt", "botbuilder.core", "sqlalchemy"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_env(db_dir: str) -> dict[str, str]:
    """Both channels configured, as in production, but pointed nowhere (loopback, a closed port)."""
    env = {
        **os.environ,
        "CME_DATABASE_URL": f"sqlite:///{db_dir}/memory.db",
        "CME_ENV": "development",
        "CME_LOG_LEVEL": "WARNING",
        "CME_CHANNELS": "slack,teams",
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
        "MicrosoftAppId": "11111111-2222-3333-4444-555555555555",
        "MicrosoftAppPassword": "bench-password",
        "MicrosoftAppType": "SingleTenant",
        "MicrosoftAppTenantId": "22222222-3333-4444-5555-666666666666",
    }
    env.pop("SLACK_APP_TOKEN", None)
    if "CME_DATA_KEYS" not in env:  # encryption at rest wants a keyring; a throwaway one
        env["CME_DATA_KEYS"] = _throwaway_keys()
    return env


def _throwaway_keys() -> str:
    from cryptography.fernet import Fernet

    return f"k1:{Fernet.generate_key().decode()},index:{Fernet.generate_key().decode()}"


def rss_mb(pid: int) -> float:
    """Resident set size of a process, in MB (VmRSS)."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) / 1024


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"cme-bot serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("cme-bot serve did not become ready")


def one_start(extra: list[str] | None = None, stderr=subprocess.DEVNULL) -> tuple[float, str]:
    """Start serve, wait until ready, settle a second; returns (RSS MB, what it wrote on stderr)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as db_dir, tempfile.TemporaryFile("w+") as err:
        args = [sys.executable, *(extra or []), "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(args, cwd=ROOT, env=serve_env(db_dir), stderr=err)
        try:
            wait_ready(f"http://127.0.0.1:{port}/healthz", process)
            time.sleep(1.0)
            rss = rss_mb(process.pid)
        except SystemExit as exc:
            err.seek(0)
            raise SystemExit(f"{exc}\n{err.read()[-2000:]}") from None
        finally:
            process.terminate()
            process.wait(20)
        err.seek(0)
        return rss, err.read()


def import_times(stderr: str, top: int = 12) -> list[tuple[float, str]]:
    """The top-level packages by cumulative import time (ms), from -X importtime output."""
    totals: dict[str, float] = {}
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match.group(2)) <= 1:  # top-level imports only: their time includes their children
            name = match.group(3).split(".")[0]
            totals[name] = totals.get(name, 0) + int(match.group(1)) / 1000
    return sorted(((ms, name) for name, ms in totals.items()), reverse=True)[:top]


def import_cost(module: str) -> float:
    """RSS growth (MB) of a bare interpreter importing one module."""
    code = (
        "import re, pathlib\n"
        "def rss(): return int(re.search(r'VmRSS:\\s+(\\d+)', pathlib.Path('/proc/self/status').read_text())[1])\n"
        f"before = rss()\nimport {module}\nprint((rss() - before) / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="starts to measure (default 3)")
    args = parser.parse_args()
    sizes = []
    for run in range(args.runs):
        rss, _ = one_start()
        sizes.append(rss)
        print(f"start {run + 1}: {rss:.1f} MB resident once /healthz answered", flush=True)
    _, trace = one_start(["-X", "importtime"])
    loaded = set(re.findall(r"\| *(\S+)$", trace, re.MULTILINE))
    print(f"cme-bot serve, Slack and Teams on (Python {sys.version.split()[0]}), {args.runs} starts")
    print(f"resident after start: median {statistics.median(sizes):.1f} MB, max {max(sizes):.1f} MB")
    print("top imports at start (cumulative ms):")
    for ms, name in import_times(trace):
        print(f"  {name:28}{ms:9.1f}")
    print("cost of each heavy library imported alone (MB resident), and whether serve imports it:")
    for module in HEAVY:
        print(f"  {module:28}{import_cost(module):9.1f}   {'imported' if module in loaded else 'not imported'}")
    ok = max(sizes) < TARGET_MB
    print(f"target (under {TARGET_MB} MB after start): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
