"""Errors the MCP tools raise for bad input; each reaches the agent as a tool error.

    EvoKernelError
    ├── RepoOutsideRootError(ValueError)   a ``repo`` outside the repository the server serves
    ├── EmptyChangeError(ValueError)       no ``diff`` given and the working tree has no changes
    └── ServerBusyError(TimeoutError)      every kernel stayed busy longer than the wait allows

Errors of the other families (``PatchRefusedError`` for a hostile or unreadable diff,
``RepositoryError`` for a bad path or revision, ``AssetNotFoundError`` for an unknown capsule,
``RunNotFoundError`` for an unknown run)
reach the agent the same way: ``ClassName: message``, as the CLI prints them.
"""

from __future__ import annotations

from pathlib import Path

from evokernel.errors import EvoKernelError


class RepoOutsideRootError(EvoKernelError, ValueError):
    """The ``repo`` argument names a directory outside the repository the server serves."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root
        super().__init__(f"{path} is outside the repository this server serves ({root})")


class EmptyChangeError(EvoKernelError, ValueError):
    """No ``diff`` was given and the working tree has no changes against the revision."""

    def __init__(self, repo: Path, rev: str) -> None:
        self.repo = repo
        self.rev = rev
        super().__init__(f"no diff given and the working tree of {repo} has no changes from {rev}")


class ServerBusyError(EvoKernelError, TimeoutError):
    """Every kernel stayed busy for longer than a call may wait for one."""

    def __init__(self, waited_s: float) -> None:
        self.waited_s = waited_s
        super().__init__(f"every kernel was busy for {waited_s:.0f} s; retry later")
