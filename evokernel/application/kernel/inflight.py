"""One agent per failure at a time: runs that meet the same failure wait and replay.

Twenty runs that start together on the same bug all miss replay (nothing is captured yet)
and would each pay the agent. So from "replay missed" until its capture is recorded, a run
holds an inter-process lock keyed by (repository identity, failure signature), a file in
the store directory. A run that finds it taken waits for it, then looks again: the view now
holds the other run's capsule, and replay reuses it. If the other run captured nothing, the
waiter holds the lock and asks the agent itself. A run that takes the lock at once still
checks that no capsule for the failure landed since its replay (it may have just missed one).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from filelock import FileLock, Timeout

from evokernel.application.kernel.context import KernelContext
from evokernel.application.kernel.replay import candidate_scores
from evokernel.application.kernel.results import Detection, ReplayDecision
from evokernel.domain.models import AgentTask

logger = logging.getLogger(__name__)

LOCKS_DIR = "locks"
"""Directory under the store directory that holds the in-flight capture locks."""


def capture_lock_path(ctx: KernelContext, task: AgentTask, signature: list[str]) -> Path:
    """The lock file for one failure of one repository."""
    key = "\0".join([task.repo_identity, *sorted(signature)]).encode()
    return ctx.log.path.parent / LOCKS_DIR / f"capture-{hashlib.sha256(key).hexdigest()[:32]}.lock"


@contextmanager
def single_capture(
    ctx: KernelContext,
    task: AgentTask,
    detection: Detection,
    decision: ReplayDecision,
    replay_again: Callable[[], ReplayDecision],
) -> Iterator[ReplayDecision]:
    """Hold the failure's capture lock; yield the decision to go on with.

    Yields ``decision`` when the lock was free. When another run held it, waits for that run
    to finish (at most the run's time budget) and yields ``replay_again()``: a hit if the
    other run captured a capsule that validates here. Either way the lock is held until the
    block ends, so a capture made inside it is recorded before the next run looks.
    """
    if decision.hit or not detection.failing or not detection.signature:
        yield decision
        return
    path = capture_lock_path(ctx, task, detection.signature)
    lock = FileLock(str(path), timeout=ctx.settings.time_budget_s)
    taken = _take(lock, path)
    if taken is None:
        yield decision
        return
    try:
        if taken == "waited":
            yield replay_again()  # the other run is done: its capsule may be in the view
        elif _new_candidates(ctx, task, detection, decision):
            yield replay_again()  # a capture landed between our replay and taking the lock
        else:
            yield decision
    finally:
        lock.release()


def _take(lock: FileLock, path: Path) -> Literal["free", "waited"] | None:
    """Take ``lock``: ``"free"`` at once, ``"waited"`` after another run let go, ``None`` when
    it cannot be had (held past the time budget, or a store directory we cannot write)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
        return "free"
    except Timeout:  # before OSError: filelock's Timeout is one
        logger.info("another run is capturing this failure; waiting for it, then replaying")
    except OSError as exc:
        logger.warning("cannot take the capture lock %s (%s); going on without it", path, exc)
        return None
    try:
        lock.acquire()
    except Timeout:
        logger.warning("the other run held %s past the time budget; going on", path)
        return None
    except OSError as exc:
        logger.warning("cannot take the capture lock %s (%s); going on without it", path, exc)
        return None
    return "waited"


def _new_candidates(
    ctx: KernelContext, task: AgentTask, detection: Detection, decision: ReplayDecision
) -> bool:
    """Whether the view now ranks a capsule the decision did not consider (cheap: no run)."""
    seen = {candidate.capsule_id for candidate in decision.candidates}
    ranked = candidate_scores(ctx, ctx.view(), task, detection.signature)
    return any(candidate.capsule_id not in seen for candidate in ranked)
