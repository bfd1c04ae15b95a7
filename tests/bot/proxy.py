"""Real processes for the several-replicas test: nginx in front of `cme-bot serve` processes on one database.

nginx runs as the test user from a temporary prefix (its config, pid, logs and temp files all
inside one folder), on a free loopback port, with the same upstream settings as
deploy/nginx.conf. Without nginx the test is skipped with the reason, unless
CME_REQUIRE_PROXY=1 (CI), which makes that a failure, as CME_REQUIRE_POSTGRES does for the database.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_PROXY = os.environ.get("CME_REQUIRE_PROXY") == "1"
# $upstream_addr names the replica that answered (two, comma-separated, when nginx moved on to the other).
NGINX_CONF = """
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format replica '$upstream_addr $status $request_method $uri';
    access_log {folder}/access.log replica;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 1m;
    upstream cme_bot {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://cme_bot;
            # As deploy/nginx.conf: a replica that refuses or resets the connection (stopping) is skipped and the
            # request goes to the other one, POSTs included (see there for why that is safe).
            proxy_next_upstream error timeout non_idempotent;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
            # Teams authentication is off in the test (no tenant offline), which serves loopback requests that
            # no proxy forwarded, so no X-Forwarded-For here; deploy/nginx.conf sets it and requires MicrosoftAppId.
        }}
    }}
}}
"""


def free_port() -> int:
    """A loopback port nobody is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_or_skip() -> str:
    """The nginx binary, or skip (fail under CME_REQUIRE_PROXY=1) with the reason."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        message = "nginx is not installed (apt-get install nginx-light)"
        if REQUIRE_PROXY:
            pytest.fail(message + "; CME_REQUIRE_PROXY=1 makes this a failure", pytrace=False)
        pytest.skip(message + "; the proxy test skipped")
    return found


def wait_until_up(url: str, timeout: float = 40.0, process: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{process.args[0]} exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Nginx:
    """nginx in front of some ports; `answered_by()` reads which replica answered each request."""

    folder: Path
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        """The proxy's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def answered_by(self) -> list[tuple[str, int, str]]:
        """(last upstream address, status, path) for each request so far."""
        rows = []
        for line in (self.folder / "access.log").read_text().splitlines():
            upstream, status, _method, path = line.rsplit(" ", 3)
            rows.append((upstream.split(", ")[-1], int(status), path))
        return rows

    def stop(self) -> None:
        """Stop nginx (QUIT: let requests in flight finish)."""
        self.process.send_signal(signal.SIGQUIT)
        self.process.wait(10)


def start_nginx(binary: str, folder: Path, upstream_ports: list[int]) -> Nginx:
    """nginx on a free port, proxying to the given loopback ports."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in upstream_ports)
    user = "user root root;" if os.geteuid() == 0 else ""  # as root, workers would otherwise become nobody
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, folder=folder, servers=servers, port=port))
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"nginx did not start: {process.stderr.read()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return Nginx(folder, port, process)
        time.sleep(0.05)
    process.kill()
    raise AssertionError("nginx did not start listening within 10 s")


def start_replica(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """`cme-bot serve` on a loopback port, its log to a file (read when a test fails)."""
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen, timeout: float = 20.0) -> int:
    """SIGTERM, as a container engine or systemd stops a replica; kill if it hangs. Returns the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(5)
