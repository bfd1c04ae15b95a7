"""Benchmark: how fast `cme-bot serve` acks signed /cme report commands (or button presses), and opens the modal.

Starts a local Slack Web API stand-in, then `cme-bot serve` pointed at it, sends N signed
/cme report commands with C in flight, and prints the median and p99 time to the HTTP ack, to
views.open and to the form's first page on screen. Then the same load against the floor: a minimal
bolt app that acks and opens a modal (bolt's own pattern: `await ack()`, then `views.open`), and the
ratio of the two ack medians. `--path button` sends App Home's "Raise a concern" presses
(block_actions, the interaction path) instead: each opens the same modal.

    .venv/bin/python bench/bench_slack.py [-n 400] [-c 20] [--path command|button] [--rounds R] [--server-root DIR]

Both servers run at once, and each round sends one stream to each, which goes first alternating, so
that both meet the same load on a shared machine; the ratio is the median of the rounds' ratios.

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
STILL_SECONDS = 10  # no modal opened or page shown for this long: the rest never will
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


async def wait_ready(session: aiohttp.ClientSession, base: str, timeout: float = 120, path: str = "/healthz") -> None:
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


async def jobs_done(session: aiohttp.ClientSession, base: str, timeout: float = 60) -> None:
    """Wait for the reminder sweep that runs at start: the bench measures a server at work, not starting up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with session.get(f"{base}/metrics") as response:
            for line in (await response.text()).splitlines():
                if line.startswith("cme_reminder_sweep_last_success_timestamp_seconds ") and float(line.split()[1]):
                    return
        await asyncio.sleep(0.2)
    raise SystemExit("the start-up reminder sweep did not finish")


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


async def stream(session, base: str, fake: str, pid: int, n: int, inflight: int, path: str, tag: str) -> dict:
    """One stream of n requests against one server, waiting for its modals; its figures."""
    cpu_before = cpu_seconds(pid)
    acks, sent = await load(session, base, fake, n, inflight, tag, path)
    opened, shown = await modals(session, fake, sent)
    cpu = (cpu_seconds(pid) - cpu_before) / n * 1000
    to_open = [opened[t] - s for t, s in sent.items() if t in opened]
    to_page = [shown[t] - s for t, s in sent.items() if t in shown]
    result = {"acks": acks, "ack_median": statistics.median(acks) * 1000, "ack_p99": pct(acks, 0.99), "cpu": cpu}
    result.update(open_median=statistics.median(to_open) * 1000, open_p99=pct(to_open, 0.99), opened=len(to_open))
    result["open_max"] = max(to_open, default=-1) * 1000
    result["in_time"] = sum(1 for t in to_open if t * 1000 < TRIGGER_MS)
    if to_page:
        result.update(page_median=statistics.median(to_page) * 1000, page_p99=pct(to_page, 0.99), shown=len(to_page))
    return result


async def measure(fake: str, n: int, inflight: int, path: str, rounds: int, root: Path = ROOT) -> list[dict]:
    """Both servers up at once; each round one stream to each, the first alternating (the machine's load drifts)."""
    kinds = ("cme-bot", "floor")
    ports = {kind: free_port() for kind in kinds}
    with tempfile.TemporaryDirectory() as db_dir:
        servers = {kind: start_server(kind, ports[kind], fake + "/api/", db_dir, root) for kind in kinds}
        bases = {kind: f"http://127.0.0.1:{ports[kind]}" for kind in kinds}
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=inflight * 2)) as session:
                for kind in kinds:
                    await wait_ready(session, bases[kind])
                await jobs_done(session, bases["cme-bot"])
                for kind in kinds:  # not measured
                    await load(session, bases[kind], fake, inflight * 2, inflight, f"warm-{kind}", path)
                await asyncio.sleep(0.5)
                results = []
                for r in range(rounds):
                    result = {"load": os.getloadavg()[0]}
                    for kind in kinds if r % 2 == 0 else kinds[::-1]:
                        pid, tag = servers[kind].pid, f"{kind}-{r}"
                        result[kind] = await stream(session, bases[kind], fake, pid, n, inflight, path, tag)
                    results.append(result)
        finally:
            for server in servers.values():
                server.send_signal(signal.SIGINT)  # a clean exit (and a profile, when asked for)
            for server in servers.values():
                try:
                    server.wait(60)
                except subprocess.TimeoutExpired:  # a loaded machine: the figures are in, don't lose them
                    server.kill()
    return results


async def modals(session, fake: str, sent: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """views.open and first-page times by trigger, once every modal has opened and shown its page.

    Or once nothing has moved for a while: a page that comes late still counts (and its CPU with it), so a
    server that acks sooner, and so is sent the last request sooner, is not given less time for its pages.
    """
    seen, still_since = -1, time.perf_counter()
    while True:
        async with session.get(f"{fake}/_calls") as response:
            opened, shown = modal_times(await response.json())
        done = sum(1 for t in sent if t in opened) + sum(1 for t in sent if t in shown)
        if done != seen:
            seen, still_since = done, time.perf_counter()
        if done == 2 * len(sent) or time.perf_counter() - still_since > STILL_SECONDS:
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


async def main_async(n: int, inflight: int, path: str, rounds: int, root: Path) -> int:
    started_load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    port = free_port()
    fake_process = start_server("fake", port, "", "")
    fake = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            await wait_ready(session, fake, path="/_calls")
        results = await measure(fake, n, inflight, path, rounds, root)
    finally:
        fake_process.terminate()
        fake_process.wait(10)
    what = "/cme report commands" if path == "command" else '"Raise a concern" presses'
    print(f"{n} signed {what}, {inflight} in flight, {rounds} round(s) (Python {sys.version.split()[0]})")
    print(f"cme-bot from {root}; load average at the start: {started_load}")
    print(f"{'':28}{'median ms':>10}{'p99 ms':>9}{'CPU ms/req':>12}")
    ratios = []
    for r, result in enumerate(results, 1):
        cme, floor = result["cme-bot"], result["floor"]
        ratios.append(cme["ack_median"] / floor["ack_median"])
        first = "cme-bot" if r % 2 else "floor"
        print(f"round {r} (load {result['load']:.2f}, {first} first): ratio {ratios[-1]:.2f}")
        for name, figures in (("cme-bot", cme), ("floor", floor)):
            f = figures
            print(f"  {name + ': HTTP ack':26}{f['ack_median']:10.1f}{f['ack_p99']:9.1f}{f['cpu']:12.2f}")
            opened = f"   {f['opened']}/{n} opened, {f['in_time']} within 3 s, slowest {f['open_max']:.0f} ms"
            print(f"  {name + ': to views.open':26}{f['open_median']:10.1f}{f['open_p99']:9.1f}{opened}")
        if "page_median" in cme:
            shown = f"   {cme['shown']}/{n} shown"
            print(f"  {'cme-bot: to first page':26}{cme['page_median']:10.1f}{cme['page_p99']:9.1f}{shown}")
    ratio = statistics.median(ratios)
    p99 = pct([a for result in results for a in result["cme-bot"]["acks"]], 0.99)
    in_time = all(result["cme-bot"]["in_time"] == n for result in results)
    print(f"median ack ratio cme-bot/floor: {ratio:.2f} (target <= {TARGET_RATIO}); cme-bot ack p99 {p99:.1f} ms")
    ok = p99 < TARGET_P99_MS and ratio <= TARGET_RATIO and in_time
    verdict = "met" if ok else "NOT met"
    print(f"targets (p99 ack < {TARGET_P99_MS} ms, ratio <= {TARGET_RATIO}, every modal open within 3 s): {verdict}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=400, help="commands to send (default 400)")
    parser.add_argument("-c", type=int, default=20, help="requests in flight (default 20)")
    parser.add_argument("--path", choices=("command", "button"), default="command", help="what to send")
    parser.add_argument("--rounds", type=int, default=1, help="streams to each server, alternating (default 1)")
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
    return asyncio.run(main_async(args.n, args.c, args.path, args.rounds, args.server_root.resolve()))


if __name__ == "__main__":
    sys.exit(main())
