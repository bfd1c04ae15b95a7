"""A local stand-in for the Slack Web API (and response URLs, and Socket Mode's websocket) on aiohttp.

It records every call and answers the way Slack does, including `ratelimited` with Retry-After and
`hash_conflict` on a stale views.update. Tests and the benchmark point SLACK_API_URL at it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.slack.preflight import manifest_scopes

JSON_FIELDS = ("view", "blocks", "attachments", "files")
TEAM_ID = "T0COUNCIL"
BOT_USER = "U0BOT"


@dataclass
class Call:
    """One Web API call as the stand-in received it."""

    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    result: dict[str, Any] = field(default_factory=dict)  # what the stand-in answered


@dataclass
class Failure:
    """An answer to give instead of success, `times` times."""

    status: int
    error: str
    retry_after: int | None = None
    times: int = 1


PEOPLE = {"U0REPORTER": "Sam Reporter", "U0OFFICER": "Olu Officer"}  # anyone else gets a made-up name


class FakeSlack:
    """The Web API stand-in: start(), then read `calls`, `views`, `responses`; fail() queues errors."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[Call] = []  # posts to response_url
        self.views: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, list[Failure]] = {}
        self.delays: dict[str, float] = {}
        self.sockets: list[web.WebSocketResponse] = []
        # auth.test's x-oauth-scopes: the manifest's bot scopes, as an app installed from it has (doctor checks).
        self.scopes = ",".join(sorted(manifest_scopes()))
        self.uploads: dict[str, dict[str, Any]] = {}  # file id -> name, bytes, and where it was shared
        self.socket_acks: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    @staticmethod
    def person(user_id: str) -> dict[str, Any]:
        """users.info's `user` for anyone in the workspace, as Slack answers with users:read.email granted."""
        name = PEOPLE.get(user_id, f"Practitioner {user_id}")
        email = f"{name.lower().replace(' ', '.')}@school.example.org"
        profile = {"real_name": name, "display_name": name.split()[0], "email": email, "phone": ""}
        handle = name.split()[0].lower()
        return {"id": user_id, "team_id": TEAM_ID, "name": handle, "real_name": name, "profile": profile}

    async def start(self, port: int = 0) -> str:
        """Listen on a local port (a free one by default); returns the base URL."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads some methods (users.info) with GET
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)  # files_upload_v2's second step: the bytes
        app.router.add_get("/link", self._socket)
        app.router.add_get("/_calls", self._calls)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        """Stop listening."""
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, method: str, *, status: int = 200, error: str, retry_after: int | None = None, times: int = 1):
        """Answer the next `times` calls of `method` with an error (HTTP 429 + Retry-After for rate limits)."""
        self.failures.setdefault(method, []).append(Failure(status, error, retry_after, times))

    def of(self, method: str) -> list[Call]:
        """The calls of one method, in order."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `method` has been called `count` times."""
        deadline = time.monotonic() + timeout
        while len(self.of(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} called {len(self.of(method))} times, expected {count}")
            await asyncio.sleep(0.01)
        return self.of(method)

    async def wait_for_responses(self, count: int, timeout: float = 5.0) -> list[Call]:
        """Wait until `count` messages have been posted to response_urls."""
        deadline = time.monotonic() + timeout
        while len(self.responses) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.responses)} response_url posts, expected {count}")
            await asyncio.sleep(0.01)
        return self.responses

    async def modal(self, opened: int = 1, timeout: float = 5.0) -> dict[str, Any]:
        """The modal opened by the `opened`-th views.open, as it shows now (after any views.update)."""
        call = (await self.wait_for("views.open", opened, timeout))[opened - 1]
        return self.views[call.result["view"]["id"]]

    async def _args(self, request: web.Request) -> dict[str, Any]:
        if request.method == "GET":
            return dict(request.query)
        if request.content_type == "application/json":
            return dict(await request.json())
        args = {**request.query, **await request.post()}  # some methods (conversations.open) send query params
        for name in JSON_FIELDS:
            if isinstance(args.get(name), str):
                args[name] = json.loads(args[name])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        call = Call(method, args)
        self.calls.append(call)
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        failure = self._next_failure(method)
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        call.result = self._answer(method, args)
        headers = {"x-oauth-scopes": self.scopes} if method == "auth.test" else {}
        return web.json_response(call.result, headers=headers)

    def _next_failure(self, method: str) -> Failure | None:
        queue = self.failures.get(method) or []
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "team_id": TEAM_ID, "user_id": BOT_USER, "bot_id": "B0BOT", "team": "Council"}
        if method in ("views.open", "views.push", "views.update", "views.publish"):
            return self._view(method, args)
        if method == "chat.postMessage":
            return {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}", "message": args}
        if method == "users.info":
            return {"ok": True, "user": self.person(str(args.get("user")))}
        if method == "conversations.info":
            return {"ok": True, "channel": {"id": args.get("channel"), "is_member": True}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "")).removeprefix("U")}}
        if method.startswith("files."):
            return self._files(method, args)
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http", "ws", 1) + "/link"}
        return {"ok": True}

    def _view(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id") if method == "views.update" else f"V{next(self._ids):04d}"
        if method == "views.update":
            current = self.views.get(view_id)
            if current is None:
                return {"ok": False, "error": "not_found"}
            if args.get("hash") and args["hash"] != current["hash"]:
                return {"ok": False, "error": "hash_conflict"}
        view = {**args["view"], "id": view_id, "hash": f"h{next(self._ids)}"}
        if method != "views.publish":
            self.views[view_id] = view
        return {"ok": True, "view": view}

    async def _calls(self, request: web.Request) -> web.Response:
        # For a stand-in in another process (the benchmark): what was called, with trigger ids and times.
        method = request.query.get("method")
        rows = [
            {
                "method": c.method,
                "trigger_id": c.args.get("trigger_id"),
                "view_id": c.args.get("view_id") or (c.result.get("view") or {}).get("id"),
                "callback_id": (c.args.get("view") or {}).get("callback_id"),
                "at": c.at,
            }
            for c in self.calls
        ]
        return web.json_response([r for r in rows if method in (None, r["method"])])

    def _files(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """files.getUploadURLExternal hands out an id and URL; files.completeUploadExternal shares the upload."""
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):04d}"
            self.uploads[file_id] = {"filename": args.get("filename"), "alt_txt": args.get("alt_txt"), "content": None}
            self.uploads[file_id]["length"] = int(args.get("length") or 0)
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            shared = []
            for item in args.get("files") or []:
                upload = self.uploads.get(item.get("id"))
                if upload is None or upload["content"] is None:
                    return {"ok": False, "error": "file_not_found"}  # completed before its bytes were sent
                upload.update(channel=args.get("channel_id"), title=item.get("title"))
                upload["initial_comment"] = args.get("initial_comment")
                shared.append({"id": item["id"], "title": item.get("title"), "name": upload["filename"]})
            return {"ok": True, "files": shared}
        return {"ok": False, "error": "unknown_method"}

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="no such upload")
        upload["content"] = await request.read()
        return web.Response(text=f"OK - {len(upload['content'])}")

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.append(Call(request.match_info["key"], await request.json()))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return ws
