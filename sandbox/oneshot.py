"""One validation from a configuration: build the backend, run, close (``evokernel sandbox run``).

``validate_patch`` needs a ``Validator`` over a running backend; a caller that validates once
(the CLI, a script) wants neither a warm pool nor the plumbing. ``validate_once`` starts the
configured backend without a pool, validates, and closes it whatever happens; a hostile diff
is refused before the backend starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sandbox.config import DockerSandboxConfig, LocalSandboxConfig
from sandbox.factory import make_sandbox
from sandbox.harness import HarnessPolicy
from sandbox.pathsafety import PatchPolicy, check_diff
from sandbox.pipeline import validate_patch
from sandbox.plan import Stage, StageKind, ValidationPlan
from sandbox.receipt import Receipt
from sandbox.validator import Validator


def command_plan(command: Sequence[str] | None, timeout_s: float = 300.0) -> ValidationPlan:
    """A plan of one test stage running ``command``; the default pytest plan when it is empty.

    A command that runs pytest is parsed per test (JUnit); any other is judged by exit code.
    """
    if not command:
        return ValidationPlan.pytest_default(timeout_s=timeout_s)
    return ValidationPlan(
        stages=[
            Stage(name="command", command=list(command), kind=StageKind.TEST, timeout_s=timeout_s)
        ]
    )


def validate_once(
    config: DockerSandboxConfig | LocalSandboxConfig,
    repo: Path,
    *,
    rev: str = "HEAD",
    diff: str | None = None,
    command: Sequence[str] | None = None,
    timeout_s: float = 300.0,
    policy: PatchPolicy | None = None,
    run_id: str | None = None,
    harness: HarnessPolicy | None = None,
) -> Receipt:
    """Validate ``diff`` on ``repo`` at ``rev`` with ``command`` (pytest by default).

    Args:
        config: the sandbox backend to use; a Docker backend is started without a warm pool.
        repo: the git repository.
        rev: the base revision.
        diff: a unified diff, or ``None`` to validate the revision as it is.
        command: the command to run as the one stage; ``None`` or empty: pytest.
        timeout_s: the stage's wall-clock timeout.
        policy: path-safety policy for the diff.
        run_id: written into the receipt and container labels.
        harness: the test harness the patch may not change (``HarnessPolicy()`` when ``None``).

    Returns:
        The receipt (a failing test or a timeout is a verdict in it, not an exception).

    Raises:
        PatchRefusedError: the diff is hostile; nothing ran.
        PatchApplyError: the diff does not apply; nothing ran.
        WorkspaceError: the repository or revision is bad.
        EngineUnavailableError: the engine does not answer.
    """
    if diff is not None:
        # Refuse a hostile diff before starting anything (checked again against the worktree).
        check_diff(diff, repo, policy or PatchPolicy())
    if isinstance(config, DockerSandboxConfig):
        config = config.model_copy(update={"pool_size": 0})
    with make_sandbox(config) as sandbox:
        validator = Validator(sandbox, limits=config.limits)
        return validate_patch(
            repo,
            rev,
            diff,
            command_plan(command, timeout_s),
            validator,
            policy,
            run_id=run_id,
            harness=harness,
        )
