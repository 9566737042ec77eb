"""The tools' work, as plain synchronous calls: the MCP layer only adapts them.

Each call resolves its ``repo`` (refusing one outside the repository the server serves),
builds the task as the CLI does, and calls one public kernel method on a kernel of its own
(``KernelPool``); the kernel records every step, so every call is a run in the store with its
own ``run_id`` (``search`` and ``status`` record one ``tool_called`` after they read). Bad
input raises a typed error before anything runs. Nothing here writes to the user's working
tree: validations and replays run in temporary worktrees.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from evokernel.adapters.mcpserver.errors import EmptyChangeError, RepoOutsideRootError
from evokernel.adapters.mcpserver.kernels import KernelPool
from evokernel.adapters.mcpserver.models import (
    CapsuleEvidence,
    CaptureToolResult,
    ReceiptSummary,
    ReplayToolResult,
    SearchResult,
    StatusResult,
    ValidateToolResult,
)
from evokernel.adapters.mcpserver.reader import StoreReader
from evokernel.adapters.mcpserver.search import search_capsules
from evokernel.adapters.mcpserver.worktree import working_tree_diff
from evokernel.application.config import EvoConfig, find_repo_root
from evokernel.application.kernel import EvoKernel
from evokernel.application.runtime import kernel_settings
from evokernel.application.tasks import task_for_repo
from evokernel.domain.confidence import confidence
from evokernel.domain.events import ToolCalled
from evokernel.domain.models import AgentTask, MutationProposal, OriginKind, Proposer, TaskOrigin
from evokernel.domain.views import CapsuleView
from evokernel.errors import AssetNotFoundError
from sandbox import FailureClass, check_diff

Progress = Callable[[int, int, str], None]
"""``progress(step, total, message)``: a milestone of a long call (MCP progress)."""

ConfigFor = Callable[[Path], EvoConfig]
"""The configuration of the repository at a path (its pyproject.toml / evokernel.toml)."""

_REMEMBERED_ATTEMPTS = 64
"""(repository, revision) pairs whose last ``validate`` is remembered for fixed/broken."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Change:
    """A change for ``validate`` or ``capture``: ``diff`` against ``rev`` in ``repo``.

    Args:
        repo: the repository (relative to the served root); the root when None.
        diff: a unified diff; None judges the working tree's uncommitted changes.
        task: what the change does (the task's words and the proposal's intent).
        rev: the base revision.
        agent: who proposed it.
    """

    repo: str | None
    diff: str | None = None
    task: str = ""
    rev: str = "HEAD"
    agent: str = "mcp"


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def _quiet(_step: int, _total: int, _message: str) -> None:
    """Progress nobody listens to."""


class EvoTools:
    """The five tools and the two resources over one store.

    Args:
        config: the server's configuration (store, sandbox, kernel settings).
        store_dir: the store.
        root: the repository the server serves; ``repo`` arguments resolve against it.
        confined: refuse ``repo`` arguments outside ``root`` (``--repo`` given).
        config_for: the configuration of a repository (its plan and scope); ``config``
            for every repository when omitted.
        pool: the kernels; built from ``config`` when omitted.
        clock: the current time (UTC), for confidence as of now.
    """

    def __init__(
        self,
        config: EvoConfig,
        store_dir: Path,
        root: Path,
        *,
        confined: bool = True,
        config_for: ConfigFor | None = None,
        pool: KernelPool | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self.store_dir = store_dir
        self.root = root.resolve()
        self.confined = confined
        self._config_for = config_for or (lambda _repo: config)
        self.pool = pool or KernelPool(config, store_dir)
        self._settings = kernel_settings(config)
        self._clock = clock or _now
        self.reader = StoreReader(store_dir)
        self._attempts: OrderedDict[tuple[str, str], list[str]] = OrderedDict()
        self._attempts_lock = threading.Lock()

    def close(self) -> None:
        """Release the kernels and the sandbox."""
        self.pool.close()

    # -- tools -----------------------------------------------------------------------------

    def replay(
        self, repo: str | None, task: str = "", rev: str = "HEAD", progress: Progress = _quiet
    ) -> ReplayToolResult:
        """Detect the failure at ``rev`` and try stored capsules on it; never calls an agent."""
        started = time.monotonic()
        agent_task = self._task(repo, task, rev)
        with self._run(agent_task, progress, "replaying") as (kernel, run_id):
            decision = kernel.replay_or_fallback_for_run(agent_task, run_id)
            feedback = kernel.feedback_for_agent(decision)
            capsule = kernel.view().capsules.get(decision.capsule_id or "")
            evidence = self._evidence(capsule) if decision.hit else None
        progress(2, 2, f"replay: {decision.reason_code.value}")
        return ReplayToolResult(
            run_id=run_id,
            hit=decision.hit,
            reason_code=decision.reason_code,
            next_action=decision.next_action,
            diff=decision.diff,
            apply_step=decision.apply_step,
            evidence=evidence,
            receipt=ReceiptSummary.of(decision.receipt) if decision.receipt else None,
            candidates=decision.candidates,
            signature=decision.signature,
            failing_tests=decision.failing_tests,
            feedback=feedback,
            seconds=_since(started),
        )

    def validate(self, change: Change, progress: Progress = _quiet) -> ValidateToolResult:
        """Judge ``change`` against the baseline; capture nothing."""
        started = time.monotonic()
        agent_task, proposal = self._judged(change)
        key = (agent_task.repo_path, agent_task.base_rev)
        with self._attempts_lock:
            before = self._attempts.get(key)
        with self._run(agent_task, progress, "validating") as (kernel, run_id):
            result = kernel.validate_proposal(agent_task, proposal, run_id, before)
            feedback = kernel.feedback_for_agent(result)
        if result.receipt is not None and result.failure_class is not FailureClass.INFRA:
            # An infrastructure failure says nothing about the tests: remember real runs only.
            with self._attempts_lock:
                self._attempts[key] = result.receipt.failing_tests
                self._attempts.move_to_end(key)
                while len(self._attempts) > _REMEMBERED_ATTEMPTS:
                    self._attempts.popitem(last=False)
        progress(2, 2, f"validation: {result.reason_code.value}")
        return ValidateToolResult(
            run_id=run_id,
            passed=result.passed,
            reason_code=result.reason_code,
            next_action=result.next_action,
            detail=result.detail,
            failure_class=result.failure_class,
            tests=result.tests,
            receipt=ReceiptSummary.of(result.receipt) if result.receipt else None,
            blast_radius=result.blast_radius,
            feedback=feedback,
            seconds=_since(started),
        )

    def capture(self, change: Change, progress: Progress = _quiet) -> CaptureToolResult:
        """Validate ``change`` and record it as a capsule, or say why not."""
        started = time.monotonic()
        agent_task, proposal = self._judged(change)
        with self._run(agent_task, progress, "capturing") as (kernel, run_id):
            result = kernel.capture_from_proposal(agent_task, proposal, run_id)
            feedback = kernel.feedback_for_agent(result)
        progress(2, 2, f"capture: {result.reason_code.value}")
        return CaptureToolResult(
            run_id=run_id,
            accepted=result.accepted,
            reason_code=result.reason_code,
            next_action=feedback.next_action,
            detail=result.detail,
            capsule_id=result.capsule_id,
            gene_id=result.gene_id,
            state=result.state,
            receipt=ReceiptSummary.of(result.receipt) if result.receipt else None,
            feedback=feedback,
            seconds=_since(started),
        )

    def search(self, query: str, limit: int = 5) -> SearchResult:
        """Capsules for a failure text, signals or a capsule id, best first.

        Reads the store, then records the call as a run of its own (``tool_called``).
        """
        view = self.reader.view()
        index, words = self.reader.index(view), self.reader.words(view)
        found = search_capsules(
            query, view, index, words, self._settings, self._clock(), limit=limit
        )
        run_id = self._record_call(
            "search", {"query": query[:200], "limit": limit}, len(found.hits)
        )
        return found.model_copy(update={"run_id": run_id})

    def status(self, runs: int = 10) -> StatusResult:
        """Store health, what the store holds, and the last runs; the call is a run of its
        own (``tool_called``), recorded after the figures were read."""
        view = self.reader.view()
        health = self.reader.health(self.config.sandbox)
        last_runs = self.reader.recent_runs(runs)
        run_id = self._record_call("status", {"runs": runs}, len(last_runs))
        return StatusResult(
            run_id=run_id,
            store=str(self.store_dir),
            health=health,
            records=view.last_seq,
            genes=len(view.genes),
            capsules=self.reader.capsule_states(view),
            counters=view.counters,
            last_runs=last_runs,
        )

    def _record_call(self, tool: str, arguments: dict[str, str | int], results: int) -> str:
        """Record a reading tool call as a run of its own; returns its ``run_id``."""
        with self.pool.kernel() as kernel:
            run_id = kernel.new_run_id()
            kernel.record(
                [ToolCalled(run_id=run_id, tool=tool, arguments=arguments, results=results)]
            )
        return run_id

    # -- resources -------------------------------------------------------------------------

    def capsule(self, capsule_id: str) -> CapsuleView:
        """A stored capsule with its state and evidence.

        Raises:
            AssetNotFoundError: no capsule with that id.
        """
        found = self.reader.view().capsules.get(capsule_id)
        if found is None:
            raise AssetNotFoundError(capsule_id)
        return found

    # -- helpers ---------------------------------------------------------------------------

    def resolve_repo(self, repo: str | None) -> Path:
        """The repository a ``repo`` argument names: relative to the served root, resolved.

        Raises:
            RepoOutsideRootError: outside the served repository (when confined).
        """
        path = Path(os.path.expanduser(repo)) if repo else self.root
        path = (path if path.is_absolute() else self.root / path).resolve()
        if self.confined and not path.is_relative_to(self.root):
            raise RepoOutsideRootError(path, self.root)
        return find_repo_root(path)

    def _task(self, repo: str | None, task: str, rev: str) -> AgentTask:
        path = self.resolve_repo(repo)
        return task_for_repo(
            path,
            self._config_for(path),
            task,
            base_rev=rev,
            origin=TaskOrigin(kind=OriginKind.MCP),
        )

    def _judged(self, change: Change) -> tuple[AgentTask, MutationProposal]:
        """The task and the proposal to judge; a diff that cannot be applied safely is
        refused here, before anything runs.

        Raises:
            EmptyChangeError: no diff and no changes in the working tree.
            PatchRefusedError: the diff is unreadable or touches paths it may not.
        """
        task = self._task(change.repo, change.task, change.rev)
        repo, diff = Path(task.repo_path), change.diff
        if diff is None:
            diff = working_tree_diff(repo, task.base_rev)
            if not diff.strip():
                raise EmptyChangeError(repo, task.base_rev)
        check_diff(diff, repo, self._settings.patch)
        proposal = MutationProposal(
            diff=diff, intent=change.task, proposer=Proposer(agent=change.agent)
        )
        return task, proposal

    @contextmanager
    def _run(
        self, task: AgentTask, progress: Progress, doing: str
    ) -> Iterator[tuple[EvoKernel, str]]:
        """A kernel of the pool and a new run on it, its baseline detected (recorded once
        per run) and progress told."""
        with self.pool.kernel() as kernel:
            run_id = kernel.new_run_id()
            progress(0, 2, f"run {run_id}: validating the base revision")
            detection = kernel.detect(task, run_id)
            progress(1, 2, f"baseline: {len(detection.failing_tests)} failing test(s); {doing}")
            yield kernel, run_id

    def _evidence(self, capsule: CapsuleView | None) -> CapsuleEvidence | None:
        if capsule is None:
            return None
        return CapsuleEvidence(
            capsule_id=capsule.capsule.capsule_id,
            gene_id=capsule.capsule.gene_id,
            original_run_id=capsule.capsule.origin_run_id,
            state=capsule.state,
            confidence=round(
                confidence(capsule.evidence, self._clock(), self._settings.confidence), 4
            ),
            intent=capsule.capsule.intent,
            reuse_count=capsule.reuse_count,
        )
