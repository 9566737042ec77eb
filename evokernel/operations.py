"""One library call per CLI command of the kernel: run, replay, capture.

Each function takes the configuration and plain arguments, opens the runtime, does one thing
and returns the kernel's own result model, so ``--json`` prints what a Python caller gets.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from pydantic import ValidationError

from evokernel.agents.factory import make_agent
from evokernel.config import EvoConfig
from evokernel.devloop.errors import DirtyTreeError
from evokernel.devloop.repository import dirty_paths
from evokernel.errors import ProposalError, first_problem
from evokernel.kernel import CaptureResult, ReplayDecision, SolveResult
from evokernel.landing import BranchLander
from evokernel.models import AgentTask, Model, MutationProposal
from evokernel.models.feedback import AgentFeedback
from evokernel.runtime import open_runtime
from evokernel.tasks import task_for_repo


class CaptureReport(Model):
    """What ``evokernel capture`` returns: the capture result and the agent's feedback."""

    result: CaptureResult
    """The capture result."""
    feedback: AgentFeedback
    """Feedback for the agent that handed the proposal in."""


def read_proposal_file(path: Path) -> bytes:
    """The bytes of a proposal file.

    Raises:
        ProposalError: the file is missing, a directory, or cannot be read.
    """
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ProposalError(f"cannot read proposal file {path}: {exc.strerror or exc}") from exc


def parse_proposal(text: str | bytes) -> MutationProposal:
    """A MutationProposal from JSON (schema: ``evokernel schema``).

    Raises:
        ProposalError: not JSON, or not a MutationProposal (the first problem is named).
    """
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ProposalError(f"proposal is not JSON: {exc}") from exc
    try:
        return MutationProposal.model_validate(data)
    except ValidationError as exc:
        raise ProposalError(f"proposal field {first_problem(exc)}") from exc


def run_task(
    config: EvoConfig,
    repo: Path,
    description: str,
    agent_spec: str,
    *,
    run_id: str | None = None,
    apply_branch: str | None = None,
    store_dir: Path | None = None,
    base_rev: str = "HEAD",
    allow_dirty: bool = False,
) -> SolveResult:
    """One task through ``solve`` (replay first, then the agent); optionally land it.

    With ``apply_branch`` the validated change (the diff as it validated on this tree) is
    committed on that branch in a temporary worktree, never on the checked-out branch, with
    ``Evo-Run``/``Evo-Capsule`` trailers. A landing that fails is in ``result.landing``
    (``landing_failed``, recorded as ``LandingFailed``; a replay then records no saving).

    Raises:
        LandingBranchError: the branch can never be landed on (checked before anything runs).
        DirtyTreeError: working from HEAD with uncommitted changes and not ``allow_dirty``.
    """
    agent = make_agent(agent_spec, config.agents)
    refuse_dirty(repo, base_rev, allow_dirty, store_dir or config.store.path)
    task = task_for_repo(repo, config, description, base_rev=base_rev)
    lander = _lander(task, apply_branch, description)
    with open_runtime(config, store_dir) as runtime:
        return runtime.kernel.solve(task, agent, run_id=run_id, lander=lander)


def refuse_dirty(repo: Path, base_rev: str, allow_dirty: bool, store_dir: Path) -> None:
    """Work from HEAD only on a clean tree, as ``devloop`` does: uncommitted changes would be
    silently left out of what is validated and landed.

    Raises:
        DirtyTreeError: the tree has uncommitted changes (the store itself does not count).
    """
    if allow_dirty or base_rev != "HEAD":
        return
    dirty = dirty_paths(repo, ignore=[store_dir])
    if dirty:
        raise DirtyTreeError(repo, dirty)


def _lander(task: AgentTask, branch: str | None, description: str) -> BranchLander | None:
    """The ``--apply`` lander; a branch that can never be landed on is refused up front.

    Raises:
        LandingBranchError: a bad branch name, or the checked-out branch (bad input).
    """
    if not branch:
        return None
    message = f"evokernel: {description or task.task_id}"
    return BranchLander(Path(task.repo_path), task.base_rev, branch, message)


def replay_task(
    config: EvoConfig,
    repo: Path,
    description: str,
    *,
    run_id: str | None = None,
    apply_branch: str | None = None,
    store_dir: Path | None = None,
    base_rev: str = "HEAD",
    allow_dirty: bool = False,
) -> ReplayDecision:
    """Replay only: stored capsules are tried on the task; no agent is called.

    With ``apply_branch`` a validated replay is committed on that branch (as ``run_task``).

    Raises:
        LandingBranchError: the branch can never be landed on (checked before anything runs).
        DirtyTreeError: working from HEAD with uncommitted changes and not ``allow_dirty``.
    """
    refuse_dirty(repo, base_rev, allow_dirty, store_dir or config.store.path)
    task = task_for_repo(repo, config, description, base_rev=base_rev)
    lander = _lander(task, apply_branch, description)
    with open_runtime(config, store_dir) as runtime:
        kernel = runtime.kernel
        return kernel.replay_or_fallback_for_run(task, run_id or kernel.new_run_id(), lander)


def capture_proposal(
    config: EvoConfig,
    repo: Path,
    proposal: MutationProposal,
    description: str = "",
    *,
    run_id: str | None = None,
    store_dir: Path | None = None,
    base_rev: str = "HEAD",
) -> CaptureReport:
    """Validate and capture a proposal handed in by an external agent."""
    task = task_for_repo(repo, config, description or proposal.intent, base_rev=base_rev)
    with open_runtime(config, store_dir) as runtime:
        result = runtime.kernel.capture_from_proposal(task, proposal, run_id=run_id)
        return CaptureReport(result=result, feedback=runtime.kernel.feedback_for_agent(result))
