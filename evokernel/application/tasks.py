"""Building an AgentTask for a local repository from configuration (used by CLI and devloop)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from evokernel.application.config import EvoConfig
from evokernel.domain.ids import content_id
from evokernel.domain.models import AgentTask, OriginKind, TaskOrigin
from evokernel.errors import EvoKernelError
from sandbox import ValidationPlan


class RepositoryError(EvoKernelError, ValueError):
    """The path is not a git repository, or the revision does not resolve to a commit."""


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, timeout=60, check=False
        )
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise RepositoryError(f"{repo}: not a directory") from exc
    if done.returncode != 0:
        raise RepositoryError(f"{repo}: git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def resolve_rev(repo: Path, rev: str = "HEAD") -> str:
    """The full commit sha ``rev`` names in ``repo``.

    Raises:
        RepositoryError: not a repository, or no such commit.
    """
    return _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")


def repo_identity(repo: Path) -> str:
    """A stable identity: the origin remote URL (credentials removed), else the directory name."""
    done = subprocess.run(
        ["git", "config", "--get", "remote.origin.url"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    url = done.stdout.strip()
    if url:
        return re.sub(r"//[^/@]+@", "//", url)
    return repo.resolve().name


def slugify(text: str, limit: int = 40) -> str:
    """Lower-case words joined by hyphens, for branch names (``evo/<slug>``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "task"


def task_for_repo(
    repo: Path,
    config: EvoConfig,
    description: str = "",
    *,
    base_rev: str = "HEAD",
    declared_signals: list[str] | None = None,
    origin: TaskOrigin | None = None,
    task_id: str | None = None,
) -> AgentTask:
    """An AgentTask on ``repo`` at ``base_rev`` with the project's plan and scope.

    The plan is ``policy.validation_plan`` when configured, else pytest in the repository.

    Raises:
        RepositoryError: not a repository, or the revision does not resolve.
    """
    repo = repo.resolve()
    sha = resolve_rev(repo, base_rev)
    plan = config.policy.validation_plan or ValidationPlan.pytest_default()
    identity = repo_identity(repo)
    return AgentTask(
        task_id=task_id or content_id("task", {"repo": identity, "rev": sha, "text": description}),
        repo_path=str(repo),
        repo_identity=identity,
        base_rev=sha,
        description=description,
        declared_signals=sorted(declared_signals or []),
        plan=plan,
        scope=config.policy.scope(),
        origin=origin or TaskOrigin(kind=OriginKind.CLI),
    )


def with_task_signal(task: AgentTask, text: str) -> AgentTask:
    """``task`` keyed by its own words: a declared ``task:<slug>`` signal and a new task id.

    A task on a green tree (a feature, not a failure) has no failure signature; the signal
    lets its validated change be captured and found again.
    """
    signal = f"task:{slugify(text)}"
    task_id = content_id("task", {"task_id": task.task_id, "declared": [signal]})
    return task.model_copy(update={"declared_signals": [signal], "task_id": task_id})
