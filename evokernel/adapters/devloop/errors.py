"""Errors of the supervised devloop: the input is bad, or no decision could be had.

A rejected change, a policy violation and a failed run are values (``DevloopResult.status``);
these exceptions are for "the devloop cannot start" and "nobody decided".

    EvoKernelError
    └── DevloopError
        ├── DirtyTreeError(ValueError)      uncommitted changes and no --allow-dirty
        ├── BranchNameError(ValueError)     the target branch is invalid or checked out
        ├── ApprovalFileError(ValueError)   an approval file is missing or malformed
        └── ApprovalAbortedError            the prompt got end-of-input instead of a decision
"""

from __future__ import annotations

from pathlib import Path

from evokernel.errors import EvoKernelError


class DevloopError(EvoKernelError):
    """Base of the devloop's errors."""


class DirtyTreeError(DevloopError, ValueError):
    """The working tree has uncommitted changes; ``paths`` lists them (``--allow-dirty``
    works from HEAD and leaves them alone)."""

    def __init__(self, repo: Path, paths: list[str]) -> None:
        self.repo = repo
        self.paths = paths
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        super().__init__(
            f"{repo}: the working tree has uncommitted changes ({shown}); commit or stash "
            "them, or pass --allow-dirty to work from HEAD and leave them alone"
        )


class BranchNameError(DevloopError, ValueError):
    """The branch to land on is not a valid name, or it is the checked-out branch."""

    def __init__(self, branch: str, reason: str) -> None:
        self.branch = branch
        self.reason = reason
        super().__init__(f"branch {branch!r}: {reason}")


class ApprovalFileError(DevloopError, ValueError):
    """An approval file cannot be read or is not ``{approver, decision, note}``."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class ApprovalAbortedError(DevloopError):
    """The interactive prompt reached end-of-input before anyone decided; nothing recorded."""
