"""The MCP server: EvoKernel's tools and resources on the official SDK's ``MCPServer``.

Tools are typed functions: their annotated arguments (``models.RepoArg`` ...) and their
pydantic results are the JSON Schemas clients see. Each runs its ``EvoTools`` call on a worker
thread (the kernel is synchronous), relays its milestones as MCP progress notifications, and
turns our errors into tool errors that carry ``ClassName: message``; the server stays up.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.types import ToolAnnotations

from evokernel.adapters.mcpserver.models import (
    CaptureToolResult,
    DiffArg,
    LimitArg,
    QueryArg,
    ReplayToolResult,
    RepoArg,
    RevArg,
    SearchResult,
    StatusResult,
    TaskArg,
    ValidateToolResult,
)
from evokernel.adapters.mcpserver.resources import capsule_diff, capsule_json, run_json
from evokernel.adapters.mcpserver.tools import Change, EvoTools, Progress
from evokernel.application.runs import AmbiguousIdError, RunNotFoundError
from evokernel.errors import AssetNotFoundError, EvoKernelError
from sandbox import SandboxError
from store import StoreError

T = TypeVar("T")

SERVER_NAME = "evokernel"

INSTRUCTIONS = """\
EvoKernel remembers verified fixes. Before you write a fix for a failing test, call `replay`:
on a hit it returns a diff that already passed this repository's tests in a sandbox. Otherwise
write your fix and call `validate` (it judges the diff, or your uncommitted changes, against
the unfixed code, test by test) until it passes; then call `capture` so the fix is remembered.
`search` finds stored fixes by failure text or signal; `status` shows the store's health and
its last runs. No tool changes your working tree: apply a returned diff yourself."""

_FAMILIES = (EvoKernelError, SandboxError, StoreError)
"""Our error families: their message is the tool error's text (a bug stays generic)."""

HEARTBEAT_S = 10.0
"""Seconds between progress heartbeats while one step of a tool call runs."""

_WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
_READS = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def typed_message(exc: BaseException) -> str:
    """``ClassName: message``, as the CLI prints our errors."""
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return f"{type(exc).__name__}: {message}"


class _ProgressRelay:
    """Sends a call's milestones as MCP progress, plus a heartbeat while a step runs long.

    The heartbeat (every ``interval`` seconds) reports a value between the current step and
    the next, so the values a client sees always increase, as the protocol requires; clients
    that reset their timeout on progress keep waiting for a long validation.
    """

    def __init__(self, ctx: Context, interval: float) -> None:
        self._ctx = ctx
        self._interval = interval
        self._last = -1.0
        self._step, self._total, self._message = 0, 0, ""
        self._beats = 0
        self._started = time.monotonic()

    async def send(self, value: float, total: int, message: str) -> None:
        if value > self._last:  # runs on the event loop: check and set are not interleaved
            self._last = value
            await self._ctx.report_progress(value, total or None, message)

    def milestone(self, step: int, total: int, message: str) -> None:
        """Called from the worker thread at each step of the call."""
        self._step, self._total, self._message, self._beats = step, total, message, 0
        anyio.from_thread.run(self.send, float(step), total, message)

    async def heartbeat(self) -> None:
        while True:
            await anyio.sleep(self._interval)
            self._beats += 1
            value = self._step + 1 - 0.5**self._beats  # approaches the next step, never reaches it
            elapsed = time.monotonic() - self._started
            await self.send(value, self._total, f"{self._message} ({elapsed:.0f} s)")


async def _call(ctx: Context, work: Callable[[Progress], T], heartbeat_s: float) -> T:
    """Run ``work`` on a worker thread, relaying its progress; our errors become tool errors.

    Raises:
        ToolError: ``work`` raised one of our error families (bad input, could not run).
    """
    relay = _ProgressRelay(ctx, heartbeat_s)
    result: list[T] = []

    async def run() -> None:
        result.append(await anyio.to_thread.run_sync(work, relay.milestone))
        group.cancel_scope.cancel()  # stop the heartbeat

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(relay.heartbeat)
            group.start_soon(run)
    except* _FAMILIES as errors:
        first = errors.exceptions[0]
        raise ToolError(typed_message(first)) from first
    return result[0]


async def _read(read: Callable[[EvoTools, str], str], tools: EvoTools, key: str) -> str:
    """A resource's text, read on a worker thread.

    Raises:
        ResourceNotFoundError: no capsule or run with that id (or a run id prefix that is
            ambiguous).
    """
    try:
        return await anyio.to_thread.run_sync(read, tools, key)
    except (AssetNotFoundError, RunNotFoundError, AmbiguousIdError) as exc:
        raise ResourceNotFoundError(typed_message(exc)) from exc


def build_server(tools: EvoTools, *, heartbeat_s: float = HEARTBEAT_S) -> MCPServer:
    """An ``MCPServer`` with EvoKernel's five tools and its resources over ``tools``.

    Args:
        tools: does the work.
        heartbeat_s: seconds between progress heartbeats while a step of a call runs.
    """
    server: MCPServer = MCPServer(
        SERVER_NAME,
        title="EvoKernel",
        instructions=INSTRUCTIONS,
        version=importlib.metadata.version("evokernel-runtime"),
    )

    @server.tool(annotations=_WRITES)
    async def replay(
        ctx: Context, repo: RepoArg = None, task: TaskArg = "", rev: RevArg = "HEAD"
    ) -> ReplayToolResult:
        """Look for a verified fix for what fails in the repository, before writing one.

        Runs the tests at `rev` in a sandbox, finds stored capsules for the failure, and
        re-validates the best ones on this tree. On a hit (`hit: true`) `diff` is the fix as it
        applies here, with its evidence (capsule, gene, original run, receipt); apply it with
        `git apply`. On a miss `reason_code` says why (`no_candidates`, `candidates_failed`,
        `nothing_to_fix`). Never changes the working tree. Takes one baseline run plus one
        validation per candidate tried (seconds to minutes).
        """
        return await _call(
            ctx, heartbeat_s=heartbeat_s, work=lambda p: tools.replay(repo, task, rev, p)
        )

    @server.tool(annotations=_WRITES)
    async def validate(
        ctx: Context,
        repo: RepoArg = None,
        diff: DiffArg = None,
        task: TaskArg = "",
        rev: RevArg = "HEAD",
    ) -> ValidateToolResult:
        """Judge a fix in a sandbox against the unfixed code, test by test; captures nothing.

        Give `diff` (a unified diff against `rev`) or omit it to judge the working tree's
        uncommitted changes. Returns `passed`, each test's outcome before and after, the
        failure class (`patch` or `infra`) and `feedback`: failing tests, log excerpts, and
        the tests fixed or broken since your last `validate` here. Edits to existing tests are
        refused (`test_edits_refused`). Takes two sandbox runs (seconds to minutes).
        """
        change = Change(repo, diff, task, rev)
        return await _call(ctx, heartbeat_s=heartbeat_s, work=lambda p: tools.validate(change, p))

    @server.tool(annotations=_WRITES)
    async def capture(
        ctx: Context,
        repo: RepoArg = None,
        diff: DiffArg = None,
        task: TaskArg = "",
        rev: RevArg = "HEAD",
    ) -> CaptureToolResult:
        """Validate a fix and remember it as a capsule, so the next agent can replay it.

        Same input and guards as `validate` (hostile diffs and edits to existing tests are
        refused). On `accepted: true` the capsule id is returned; otherwise `feedback` says
        what to change. Say what the fix does in `task`. Takes two sandbox runs.
        """
        change = Change(repo, diff, task, rev)
        return await _call(ctx, heartbeat_s=heartbeat_s, work=lambda p: tools.capture(change, p))

    @server.tool(annotations=_READS)
    async def search(ctx: Context, query: QueryArg, limit: LimitArg = 5) -> SearchResult:
        """Find stored fixes by failure text, signal or capsule id, best first, with confidence.

        Paste a traceback or a pytest summary, or name signals (`exception:KeyError`,
        `missing-module:yaml`). Reads the store only; takes milliseconds. Read a hit's diff
        and evidence from the resource `evokernel://capsules/{capsule_id}`.
        """
        return await _call(ctx, heartbeat_s=heartbeat_s, work=lambda _p: tools.search(query, limit))

    @server.tool(annotations=_READS)
    async def status(ctx: Context) -> StatusResult:
        """The store's health (its chain, the sandbox engine and image), what it holds, and
        the last runs with their outcomes. Reads only; takes milliseconds."""
        return await _call(ctx, heartbeat_s=heartbeat_s, work=lambda _p: tools.status())

    @server.resource(
        "evokernel://capsules/{capsule_id}",
        name="capsule",
        description="A capsule: its diff, evidence, state and origin run (JSON).",
        mime_type="application/json",
    )
    async def capsule(capsule_id: str) -> str:
        return await _read(capsule_json, tools, capsule_id)

    @server.resource(
        "evokernel://capsules/{capsule_id}/diff",
        name="capsule-diff",
        description="A capsule's diff as it was captured (apply with `git apply`).",
        mime_type="text/x-diff",
    )
    async def capsule_patch(capsule_id: str) -> str:
        return await _read(capsule_diff, tools, capsule_id)

    @server.resource(
        "evokernel://runs/{run_id}",
        name="run",
        description="A run's timeline (as `evokernel runs show --json`): its outcome, links to "
        "the runs it reused from or was reused by, and every event it recorded, in order.",
        mime_type="application/json",
    )
    async def run(run_id: str) -> str:
        return await _read(run_json, tools, run_id)

    return server


__all__ = ["INSTRUCTIONS", "SERVER_NAME", "build_server", "typed_message"]
