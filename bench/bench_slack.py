"""Benchmark: how fast `cme-bot serve` acks signed /cme report commands (or button presses), and opens the modal.

Starts a local Slack Web API stand-in, then `cme-bot serve` pointed at it, sends N signed
/cme report commands with C in flight, and prints the median and p99 time to the HTTP ack, to
views.open and to the form's first page on screen. Then the same load against the floor: a minimal
bolt app that acks and opens a modal (bolt's own pattern: `await ack()`, then `views.open`), and the
ratio of the two ack medians. `--path button` sends App Home's "Raise a concern" presses
(block_actions, the interaction path) instead: each opens the same modal.

    .venv/bin/python bench/bench_slack.py [-n 400] [-c 20] [--path command|button] [--server-root DIR]

`--server-root DIR` serves cme-bot from another checkout (an older commit, for paired runs); the
floor, the stand-in and the client stay the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bot.slack.fake_slack import FakeSlack  # noqa: E402
from tests.bot.slack.slack_driver import SECRET, signed_headers  # noqa: E402

TARGET_P99_MS = 300
TARGET_RATIO = 1.5
TRIGGER_MS = 3000  # a trigger id works for 3 s: a modal opened later fails
PAGE_CALLBACK = "cme_form_page"  # bot.slack.ids.Callback.PAGE, spelt out: the bench only reads what Slack saw
START_REPORT = "cme_start_report"  # bot.slack.ids.Action.START_REPORT: App Home's "Raise a concern" button


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its threads so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FLOOR_VIEW = {
    "type": "modal",
    "callback_id": "floor",
    "title": {"type": "plain_text", "text": "Raise a concern"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "The floor's modal."}}],
}


def floor_server(port: int) -> None:
    """A bolt app that acks /cme (or the button) and opens a modal, served the same way (aiohttp, signature checked)."""
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.slack.app import warm_up

    client = AsyncWebClient(token="xoxb-bench", base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(signing_secret=SECRET, client=client)

    async def ack_and_open(ack, body, client) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=FLOOR_VIEW)

    bolt.command("/cme")(ack_and_open)
    bolt.action(START_REPORT)(ack_and_open)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def start(_app: web.Application) -> None:
        await warm_up(bolt)

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    app.on_startup.append(start)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def fake_server(port: int) -> None:
    """The Web API stand-in in its own process, as Slack is not in ours (time.perf_counter is system-wide)."""

    async def serve() -> None:
        await FakeSlack().start(port)
        await asyncio.Event().wait()

    asyncio.run(serve())


def start_server(kind: str, port: int, api_url: str, db_dir: str, root: Path = ROOT) -> subprocess.Popen:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "CME_DATABASE_URL": f"sqlite:///{db_dir}/bench.db",
        "CME_LOG_LEVEL": "WARNING",
    }
    env.pop("SLACK_APP_TOKEN", None)
    if kind == "fake":
        return subprocess.Popen([sys.executable, __file__, "--fake-server", str(port)], cwd=ROOT, env=env)
    if kind == "cme-bot":
        profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
        args = [sys.executable, *profile, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        env["PYTHONPATH"] = str(root)  # before the installed checkout: --server-root serves another commit
        return subprocess.Popen(args, cwd=root, env=env, stderr=subprocess.DEVNULL)
    args = [sys.executable, __file__, "--floor-server", str(port)]
    return subprocess.Popen(args, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)


async def wait_ready(session: aiohttp.ClientSession, base: str, timeout: float = 30, path: str = "/healthz") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            async with session.get(f"{base}{path}") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit(f"server at {base} did not become ready")


def request_body(path: str, fake: str, n: int, tag: str) -> tuple[str, str]:
    """The trigger id and the form-encoded body of the n-th /cme report command or "Raise a concern" press."""
    trigger = f"{tag}.{n}.trigger"
    if path == "button":
        payload = {
            "type": "block_actions",
            "user": {"id": f"U{n:06d}", "team_id": "T0COUNCIL"},
            "team": {"id": "T0COUNCIL"},
            "api_app_id": "A0CMEBOT",
            "trigger_id": trigger,
            "container": {"type": "view", "view_id": "V0HOME"},
            "view": {"id": "V0HOME", "type": "home", "callback_id": "", "blocks": []},
            "actions": [{"action_id": START_REPORT, "block_id": "cme_home_head", "type": "button", "action_ts": "1"}],
        }
        return trigger, urllib.parse.urlencode({"payload": json.dumps(payload)})
    fields = {
        "team_id": "T0COUNCIL",
        "channel_id": "C0GENERAL",
        "user_id": f"U{n:06d}",
        "user_name": f"user{n}",
        "command": "/cme",
        "text": "report",
        "api_app_id": "A0CMEBOT",
        "response_url": f"{fake}/respond/{n}",
        "trigger_id": trigger,
    }
    return trigger, urllib.parse.urlencode(fields)


async def load(session, base, fake, n: int, inflight: int, tag: str, path: str) -> tuple[list[float], dict[str, float]]:
    """Send n requests, `inflight` at a time; returns ack times (s) and send times by trigger id."""
    gate = asyncio.Semaphore(inflight)
    acks: list[float] = []
    sent: dict[str, float] = {}

    async def one(i: int) -> None:
        trigger, body = request_body(path, fake, i, tag)
        async with gate:
            headers = signed_headers(body, "application/x-www-form-urlencoded")
            sent[trigger] = time.perf_counter()
            async with session.post(f"{base}/slack/events", data=body, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            acks.append(time.perf_counter() - sent[trigger])

    await asyncio.gather(*(one(i) for i in range(n)))
    return acks, sent


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


async def measure(kind: str, fake: str, n: int, inflight: int, path: str, root: Path = ROOT) -> dict[str, float]:
    port = free_port()
    with tempfile.TemporaryDirectory() as db_dir:
        server = start_server(kind, port, fake + "/api/", db_dir, root)
        try:
            base = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=inflight * 2)) as session:
                await wait_ready(session, base)
                await load(session, base, fake, inflight * 2, inflight, f"warm-{kind}", path)  # not measured
                await asyncio.sleep(0.5)
                cpu_before = cpu_seconds(server.pid)
                acks, sent = await load(session, base, fake, n, inflight, kind, path)
                opened, shown = await modals(session, fake, sent)
                cpu = (cpu_seconds(server.pid) - cpu_before) / n * 1000
        finally:
            server.send_signal(signal.SIGINT)  # a clean exit (and a profile, when asked for)
            server.wait(10)
    to_open = [opened[t] - s for t, s in sent.items() if t in opened]
    to_page = [shown[t] - s for t, s in sent.items() if t in shown]
    result = {"ack_median": statistics.median(acks) * 1000, "ack_p99": pct(acks, 0.99), "cpu": cpu}
    result.update(open_median=statistics.median(to_open) * 1000, open_p99=pct(to_open, 0.99), opened=len(to_open))
    result["open_max"] = max(to_open, default=-1) * 1000
    result["in_time"] = sum(1 for t in to_open if t * 1000 < TRIGGER_MS)
    if kind == "cme-bot":
        result.update(page_median=statistics.median(to_page) * 1000, page_p99=pct(to_page, 0.99), shown=len(to_page))
    return result


async def modals(session, fake: str, sent: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """views.open and first-page times by trigger, once every modal has opened or its trigger has expired."""
    expired = max(sent.values()) + TRIGGER_MS / 1000 + 0.5
    while True:
        async with session.get(f"{fake}/_calls") as response:
            opened, shown = modal_times(await response.json())
        if all(t in opened and t in shown for t in sent) or time.perf_counter() > expired:
            return opened, shown
        await asyncio.sleep(0.25)


def modal_times(calls: list[dict]) -> tuple[dict[str, float], dict[str, float]]:
    """By trigger id: when views.open was called, and when the form's first page was on screen.

    The page is on screen at views.open when the core answered in time, else at the views.update
    that replaced the "working" view.
    """
    opened: dict[str, float] = {}
    shown: dict[str, float] = {}
    trigger_of: dict[str, str] = {}
    for call in calls:
        if call["method"] == "views.open":
            opened[call["trigger_id"]] = call["at"]
            trigger_of[call["view_id"]] = call["trigger_id"]
        trigger = call["trigger_id"] or trigger_of.get(call["view_id"] or "")
        if trigger and call["callback_id"] == PAGE_CALLBACK and call["method"] in ("views.open", "views.update"):
            shown.setdefault(trigger, call["at"])
    return opened, shown


async def main_async(n: int, inflight: int, path: str, root: Path) -> int:
    started_load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    port = free_port()
    fake_process = start_server("fake", port, "", "")
    fake = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            await wait_ready(session, fake, path="/_calls")
        cme = await measure("cme-bot", fake, n, inflight, path, root)
        floor = await measure("floor", fake, n, inflight, path)
    finally:
        fake_process.terminate()
        fake_process.wait(10)
    ratio = cme["ack_median"] / floor["ack_median"]
    what = "/cme report commands" if path == "command" else '"Raise a concern" presses'
    print(f"{n} signed {what}, {inflight} in flight (Python {sys.version.split()[0]}), cme-bot from {root}")
    print(f"load average at the start: {started_load}")
    print(f"{'':24}{'median ms':>12}{'p99 ms':>10}{'server CPU ms/request':>24}")
    print(f"{'cme-bot: HTTP ack':24}{cme['ack_median']:12.1f}{cme['ack_p99']:10.1f}{cme['cpu']:24.2f}")
    opened = f"   ({cme['opened']}/{n} opened)"
    print(f"{'cme-bot: to views.open':24}{cme['open_median']:12.1f}{cme['open_p99']:10.1f}{opened}")
    shown = f"   ({cme['shown']}/{n} shown)"
    print(f"{'cme-bot: to first page':24}{cme['page_median']:12.1f}{cme['page_p99']:10.1f}{shown}")
    print(f"{'floor: HTTP ack':24}{floor['ack_median']:12.1f}{floor['ack_p99']:10.1f}{floor['cpu']:24.2f}")
    opened = f"   ({floor['opened']}/{n} opened)"
    print(f"{'floor: to views.open':24}{floor['open_median']:12.1f}{floor['open_p99']:10.1f}{opened}")
    print(f"median ack ratio cme-bot/floor: {ratio:.2f} (target <= {TARGET_RATIO})")
    in_time = cme["in_time"] == n
    ok = cme["ack_p99"] < TARGET_P99_MS and ratio <= TARGET_RATIO and in_time
    verdict = "met" if ok else "NOT met"
    slowest = f"slowest modal to open: {cme['open_max']:.0f} ms; {cme['in_time']}/{n} opened within {TRIGGER_MS} ms"
    print(slowest + f" (the floor: {floor['open_max']:.0f} ms, {floor['in_time']}/{n})")
    print(f"targets (p99 ack < {TARGET_P99_MS} ms, ratio <= {TARGET_RATIO}, every modal open within 3 s): {verdict}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=400, help="commands to send (default 400)")
    parser.add_argument("-c", type=int, default=20, help="requests in flight (default 20)")
    parser.add_argument("--path", choices=("command", "button"), default="command", help="what to send")
    parser.add_argument("--server-root", type=Path, default=ROOT, help="serve cme-bot from this checkout")
    parser.add_argument("--floor-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--fake-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fake_server:
        fake_server(args.fake_server)
        return 0
    if args.floor_server:
        floor_server(args.floor_server)
        return 0
    return asyncio.run(main_async(args.n, args.c, args.path, args.server_root.resolve()))


if __name__ == "__main__":
    sys.exit(main())
