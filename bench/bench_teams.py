"""Benchmark the Teams endpoint: turn time from request to the reply reaching a connector stand-in.

Sends N message activities, C in flight, to POST /api/messages of `cme-bot serve` (a fresh SQLite
database, the Bury profile, no app id) and, on the same load, to a minimal botbuilder echo bot:
the floor any botbuilder bot pays. Prints the median and p99 of each, and the ratio of medians.
Targets with 20 in flight: median within 1.5x of the echo floor's, p99 under 1 s (exit 1 if missed).

cme-bot makes msrest's retry policy cheap to build (bot/teams/msrest_retry.py), which the stock
echo bot does not, so a second echo bot with that same fix ("echo+fix") shows what cme-bot's own
work adds to a turn; the target is still against the stock echo bot. BENCH_PROFILE=FILE runs the
server under cProfile (its main thread) and writes the profile there.

    .venv/bin/python bench/bench_teams.py [-n 1000] [-c 20] [--text help]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.5
TARGET_P99_S = 1.0
WARMUP = 40


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values`."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))]


class Connector:
    """Stands in for the Bot Connector: notes when each conversation's reply arrives."""

    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future] = {}
        self.app = web.Application()
        self.app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self.activity)
        self.app.router.add_post("/v3/conversations/{conversation}/activities", self.activity)
        self.app.router.add_get("/v3/conversations/{conversation}/members/{member}", self.member)

    async def member(self, request: web.Request) -> web.Response:
        """A roster entry (cme-bot reads the sender's email once an hour; the echo bots never ask)."""
        member = request.match_info["member"]
        return web.json_response({"id": member, "name": "Bench User", "email": f"{member[3:]}@bench.example.org"})

    async def activity(self, request: web.Request) -> web.Response:
        """Record one reply and wake its sender."""
        await request.read()
        future = self.waiting.pop(request.match_info["conversation"], None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())
        return web.json_response({"id": "1"})


def activity(service_url: str, conversation: str, text: str, number: str) -> dict:
    """A Teams message activity in a personal chat."""
    return {
        "type": "message",
        "id": f"bench-{number}",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{conversation}", "name": "Bench User", "aadObjectId": f"aad-{conversation}"},
        "conversation": {"conversationType": "personal", "id": conversation, "tenantId": "bench"},
        "recipient": {"id": "28:bot", "name": "bot"},
        "channelData": {"tenant": {"id": "bench"}},
        "text": text,
    }


async def load(endpoint: str, connector: Connector, service_url: str, text: str, total: int, flight: int) -> list:
    """Send `total` messages with `flight` in flight; return each turn's seconds (request to reply)."""
    times: list[float] = []
    counter = iter(range(total))
    run = uuid.uuid4().hex[:8]  # activity ids are unique in Teams: a repeated id is a redelivery, and dropped
    async with aiohttp.ClientSession() as http:

        async def worker(slot: int) -> None:
            conversation = f"a:bench-{slot}"
            for number in counter:
                arrived = asyncio.get_running_loop().create_future()
                connector.waiting[conversation] = arrived
                started = time.perf_counter()
                body = activity(service_url, conversation, text, f"{run}-{number}")
                async with http.post(endpoint, json=body) as response:
                    await response.read()
                    if response.status not in (200, 201):
                        raise RuntimeError(f"HTTP {response.status} from {endpoint}")
                times.append(await asyncio.wait_for(arrived, 30) - started)

        await asyncio.gather(*(worker(slot) for slot in range(flight)))
    return times


async def wait_ready(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Poll until the server answers."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("the server exited during start-up")
            try:
                async with http.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


def start(kind: str, port: int, folder: Path) -> subprocess.Popen:
    """The cme-bot server, or an echo bot, on `port` in a process of its own."""
    env = {**os.environ, "MicrosoftAppId": "", "MicrosoftAppPassword": "", "CME_LOG_LEVEL": "ERROR"}
    env.pop("SLACK_BOT_TOKEN", None)
    if kind == "cme":
        env["CME_DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
        profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
        command = [sys.executable, *profile, "-m", "bot.cli", "serve", "--port", str(port)]
    else:
        command = [sys.executable, str(Path(__file__).resolve()), "--echo-server", str(port)]
        command += ["--msrest-fix"] if kind == "echo+fix" else []
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def measure(
    kind: str, args: argparse.Namespace, connector: Connector, service_url: str
) -> tuple[list[float], float]:
    """Start one server, warm it up, load it, stop it; the turn times and the load's wall time."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = start(kind, port, Path(folder))
        try:
            await wait_ready(f"http://127.0.0.1:{port}/healthz", process)
            endpoint = f"http://127.0.0.1:{port}/api/messages"
            await load(endpoint, connector, service_url, args.text, WARMUP, args.concurrency)
            started = time.perf_counter()  # turns/s over the load alone, not start-up and warm-up
            times = await load(endpoint, connector, service_url, args.text, args.requests, args.concurrency)
            return times, time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=10)


def line(name: str, times: list[float], wall: float) -> str:
    """One row of the results table."""
    median, p99 = statistics.median(times) * 1000, percentile(times, 0.99) * 1000
    return f"{name:<10} {median:>10.1f} {p99:>10.1f} {len(times) / wall:>10.0f}"


async def bench(args: argparse.Namespace) -> int:
    """Run the echo bots and cme-bot on the same load and print the comparison."""
    connector = Connector()
    runner = web.AppRunner(connector.app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    service_url = f"http://127.0.0.1:{port}/"
    results = {}
    try:
        for kind in ("echo", "echo+fix", "cme"):
            results[kind] = await measure(kind, args, connector, service_url)
    finally:
        await runner.cleanup()
    print(f"{args.requests} messages ({args.text!r}), {args.concurrency} in flight; turn: request to reply")
    print(f"{'server':<10} {'median ms':>10} {'p99 ms':>10} {'turns/s':>10}")
    print(line("echo", *results["echo"]))
    print(line("echo+fix", *results["echo+fix"]))
    print(line("cme-bot", *results["cme"]))
    median = statistics.median(results["cme"][0])
    ratio = median / statistics.median(results["echo"][0])
    like_for_like = median / statistics.median(results["echo+fix"][0])
    p99 = percentile(results["cme"][0], 0.99)
    ok = ratio <= TARGET_RATIO and p99 < TARGET_P99_S
    print(f"median ratio cme-bot/echo: {ratio:.2f} (target <= {TARGET_RATIO}); p99 {p99 * 1000:.0f} ms (target < 1000)")
    print(f"median ratio cme-bot/echo+fix: {like_for_like:.2f}")
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


def echo_server(port: int, msrest_fix: bool) -> None:
    """The floor: a minimal botbuilder echo bot on CloudAdapter, no auth, same HTTP stack."""
    from botbuilder.core import ActivityHandler, TurnContext
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    if msrest_fix:  # what bot/teams/msrest_retry.py does, without importing cme-bot into the floor
        from msrest.universal_http.requests import ClientRetryPolicy

        ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)

    class Config:
        APP_ID, APP_PASSWORD, APP_TYPE, APP_TENANTID = "", "", "MultiTenant", ""

    class Echo(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(f"echo: {turn_context.activity.text}")

    adapter, bot = CloudAdapter(ConfigurationBotFrameworkAuthentication(Config())), Echo()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def main() -> int:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--requests", type=int, default=1000)
    parser.add_argument("-c", "--concurrency", type=int, default=20)
    parser.add_argument("--text", default="help", help="what each message says (default: help)")
    parser.add_argument("--echo-server", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--msrest-fix", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_server is not None:
        echo_server(args.echo_server, args.msrest_fix)
        return 0
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
