"""Applying a diff to a worktree through a fallback chain, and saying which step applied.

Agents and replays produce diffs against slightly different code than the one at hand, so one
strict attempt is not enough. The chain, in order:

1. ``strict``: ``git apply`` exactly as written.
2. ``already_applied``: the reverse applies cleanly, so the change is already there; nothing
   is written (recognised before trying looser steps, which could apply it twice).
3. ``three_way``: ``git apply --3way``, a merge using the blobs the diff names.
4. ``reduced_context``: ``git apply --recount -C1 --ignore-whitespace``, for hand-written diffs
   with wrong hunk counts or shifted context.

Every step is all-or-nothing: a failed three-way merge is rolled back before the next step.
Path safety is not checked here; call ``pathsafety.check_diff`` first.
"""

from __future__ import annotations

import tempfile
from enum import StrEnum
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict, Field

from sandbox._git import NO_HOOKS, GitResult, check_git, run_git
from sandbox.errors import PatchApplyError, WorkspaceError

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
_DETAIL_CAP = 2000


class ApplyStep(StrEnum):
    """Which step of the fallback chain applied the diff."""

    STRICT = "strict"
    """``git apply`` as written."""
    THREE_WAY = "three_way"
    """``git apply --3way``."""
    REDUCED_CONTEXT = "reduced_context"
    """``git apply --recount -C1 --ignore-whitespace``."""
    ALREADY_APPLIED = "already_applied"
    """The change was already present (the reverse applies); nothing was written."""


class ApplyAttempt(BaseModel):
    """One step tried."""

    model_config = _MODEL_CONFIG

    step: ApplyStep
    """The step."""
    ok: bool
    """Whether it applied (or, for ``already_applied``, whether the reverse check passed)."""
    detail: str = ""
    """git's complaint when it did not (capped)."""


class ApplyResult(BaseModel):
    """How a diff was applied."""

    model_config = _MODEL_CONFIG

    step: ApplyStep
    """The step that applied."""
    attempts: list[ApplyAttempt] = Field(default_factory=list)
    """Every step tried, in order, the successful one last."""


_STEPS: tuple[tuple[ApplyStep, tuple[str, ...]], ...] = (
    (ApplyStep.STRICT, ()),
    (ApplyStep.ALREADY_APPLIED, ("--reverse", "--check")),
    (ApplyStep.THREE_WAY, ("--3way",)),
    (ApplyStep.REDUCED_CONTEXT, ("--recount", "-C1", "--ignore-whitespace")),
)


def apply_patch(worktree: Path, diff: str, *, timeout_s: float = 120.0) -> ApplyResult:
    """Apply ``diff`` to a clean worktree through the fallback chain.

    Args:
        worktree: a git worktree with no uncommitted changes to tracked files.
        diff: a unified diff (``a/`` and ``b/`` prefixes, as ``git diff`` writes).
        timeout_s: deadline for each git command.

    Returns:
        The step that applied and every attempt. Changes are left unstaged in the worktree;
        files the diff adds are untracked.

    Raises:
        PatchApplyError: no step applied; ``attempts`` lists what each step said.
        WorkspaceError: the worktree has local changes or git could not run.
    """
    dirty = check_git(worktree, "status", "--porcelain", "--untracked-files=no")
    if dirty.strip():
        raise WorkspaceError(f"worktree {worktree} has local changes; apply needs a clean one")
    if not diff.endswith("\n"):
        diff += "\n"  # a missing final newline is the commonest corruption in written diffs
    attempts: list[ApplyAttempt] = []
    with tempfile.TemporaryFile() as patch_file:
        patch_file.write(diff.encode("utf-8", errors="surrogateescape"))
        for step, options in _STEPS:
            result = _git_apply(worktree, patch_file, options, timeout_s)
            attempts.append(ApplyAttempt(step=step, ok=result.ok, detail=_detail(result)))
            if result.ok:
                if step is ApplyStep.THREE_WAY:
                    check_git(worktree, "reset", "-q", timeout_s=timeout_s)  # unstage
                return ApplyResult(step=step, attempts=attempts)
            if step is ApplyStep.THREE_WAY:
                # A conflicted merge leaves markers and unmerged entries; restore HEAD.
                check_git(worktree, *NO_HOOKS, "reset", "-q", "--hard", timeout_s=timeout_s)
    summary = "; ".join(
        f"{a.step}: {a.detail.splitlines()[0] if a.detail else 'failed'}" for a in attempts
    )
    raise PatchApplyError(
        f"no step of the apply chain applied the diff ({summary})",
        attempts=[f"{a.step}: {a.detail}" for a in attempts],
    )


def _git_apply(
    worktree: Path, patch_file: IO[bytes], options: tuple[str, ...], timeout_s: float
) -> GitResult:
    patch_file.seek(0)
    return run_git(
        worktree,
        "apply",
        "--whitespace=nowarn",
        *options,
        "-",
        stdin=patch_file,
        timeout_s=timeout_s,
    )


def _detail(result: GitResult) -> str:
    text = (result.stderr or result.stdout).strip()
    return text if len(text) <= _DETAIL_CAP else text[:_DETAIL_CAP] + " ..."
