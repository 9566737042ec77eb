"""Kill the loop's process at a chosen GitHub call: just before the server applies a request,
or just after (the change is made, the answer never arrives).

``KillSwitch`` is ASGI middleware put around the local server's app. A ``KillPlan`` walks every
step boundary: each child process is killed at the first request (by identity and occurrence)
not killed at yet, before it for reads and both before and after it for writes. Each restart
thus gets one boundary further, until a child runs to the end without meeting a new one.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.processes import wait_until_gone

_DEATH_DEADLINE = 300.0
"""Bounds a hang only: a SIGKILLed process in uninterruptible I/O on a busy machine can take
seconds to go."""


class Moment(StrEnum):
    """When, relative to the request, the child dies."""

    BEFORE = "before"
    """The request reaches the server but is not applied."""
    AFTER = "after"
    """The request is applied; the response is never delivered."""
    REFUSED = "refused"
    """No child is registered (the request outlived a killed one): refused, nothing killed."""


@dataclass
class KillPlan:
    """Which boundaries have been killed at, and the child to kill next."""

    pid: int | None = None
    killed: list[tuple[str, Moment]] = field(default_factory=list)
    seen: Counter[str] = field(default_factory=Counter)
    armed: bool = False

    def expect_child(self) -> None:
        """A new child is about to start: count its requests afresh (``pid`` follows)."""
        self.pid = None
        self.seen.clear()

    def decide(self, method: str, path: str, query: str, body: bytes) -> Moment | None:
        """The moment to kill at for this request, or None to let it through."""
        if not self.armed:
            return None
        if self.pid is None:
            # Children are registered before they start (they wait for the word), so this
            # request comes from a child already killed: never apply it.
            return Moment.REFUSED
        identity = f"{method} {path}?{query}{_labels(body)}"
        self.seen[identity] += 1
        point = f"{identity} #{self.seen[identity]}"
        moments = [Moment.BEFORE] if method == "GET" else [Moment.BEFORE, Moment.AFTER]
        for moment in moments:
            if (point, moment) not in self.killed:
                self.killed.append((point, moment))
                return moment
        return None

    def kill(self) -> None:
        """SIGKILL the current child and wait until it is gone."""
        pid = self.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        if not wait_until_gone(pid, _DEATH_DEADLINE):
            raise AssertionError(f"child {pid} still alive {_DEATH_DEADLINE}s after SIGKILL")
        self.pid = None


def _labels(body: bytes) -> str:
    """Label requests differ by the labels they add; other bodies hold run ids and are ignored."""
    try:
        data: Any = json.loads(body) if body else None
    except ValueError:
        return ""
    if isinstance(data, dict) and isinstance(data.get("labels"), list):
        return " labels=" + ",".join(sorted(str(x) for x in data["labels"]))
    return ""


class KillSwitch:
    """ASGI middleware: asks ``plan`` about each request and kills the child accordingly."""

    def __init__(self, app: ASGIApp, plan: KillPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        buffered: list[Message] = []
        body = b""
        while True:
            message = await receive()
            buffered.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        query = scope.get("query_string", b"").decode()
        moment = self.plan.decide(scope["method"], scope["path"], query, body)
        if moment is Moment.BEFORE or moment is Moment.REFUSED:
            if moment is Moment.BEFORE:
                self.plan.kill()
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        async def deliver(message: Message) -> None:
            if moment is Moment.AFTER and message["type"] == "http.response.start":
                self.plan.kill()
            await send(message)

        await self.app(scope, replay, deliver)


def wrapping(build: Callable[..., ASGIApp], plan: KillPlan) -> Callable[..., ASGIApp]:
    """``build_app`` with the kill switch around what it builds."""

    def build_with_switch(*args: Any, **kwargs: Any) -> ASGIApp:
        return KillSwitch(build(*args, **kwargs), plan)

    return build_with_switch
