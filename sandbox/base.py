"""The two sandbox abstractions: a ``Sandbox`` starts sessions, a ``SandboxSession`` acts in one.

This mirrors SWE-ReX's deployment/runtime split and httpx's transports: each abstract method's
docstring says what callers may rely on, and nothing else is required of a backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from types import TracebackType
from typing import Self

from sandbox.diskcap import DiskUsage
from sandbox.models import ExecRequest, ExecResult, SessionSpec
from sandbox.rundiff import git_blob_id


class _ClosedOnExit(ABC):
    """``with x:`` closes ``x`` on the way out, also when the block raises."""

    @abstractmethod
    def close(self) -> None:
        """Release what this object holds. Idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class SandboxSession(_ClosedOnExit):
    """One isolated, single-use environment. Never serves two validations."""

    workdir: str = "/workspace"
    """The workspace's path as commands in the session see it (absolute). Backends that do
    not remap paths (the local one) set it to the host directory."""
    image_id: str | None = None
    """The id of the image the session's commands ran in, when the backend knows it (read
    when its container was started, off the validation's path); ``None`` otherwise."""

    @abstractmethod
    def exec(self, request: ExecRequest) -> ExecResult:
        """Run one command and return what happened.

        Timeouts, OOM kills and output floods are reported on the result, not raised.

        Raises:
            SessionError: the session is closed or the backend failed to run the command.
            EngineUnavailableError: the engine stopped answering.
        """

    @abstractmethod
    def read_file(self, path: str, max_bytes: int = 10_000_000) -> bytes | None:
        """Read a regular file from the session's workspace without following symlinks.

        ``path`` is relative to the workspace. Returns ``None`` when the file is absent,
        is a symlink, or is not a regular file.
        """

    def file_ids(self, paths: Collection[str]) -> dict[str, str | None]:
        """Git blob ids of workspace files as they are now in the session (``None``: absent,
        not a regular file, or behind a symlink); how a run's own changes are found."""
        found: dict[str, str | None] = {}
        for path in paths:
            data = self.read_file(path, max_bytes=1 << 40)
            found[path] = None if data is None else git_blob_id([data], len(data))
        return found

    def disk_usage(self) -> DiskUsage | None:
        """Free room left under the workspace disk cap; ``None`` when the backend cannot tell.

        The validator asks after each stage; a full workspace makes the stage an infra failure
        ``disk_quota``.
        """
        return None

    @abstractmethod
    def close(self) -> None:
        """Stop and remove everything the session started. Idempotent."""


class Sandbox(_ClosedOnExit):
    """A backend that starts isolated sessions (Docker, local process)."""

    name: str = "abstract"
    """Short backend name shown in receipts and doctor output."""
    isolates: bool = True
    """Whether sessions are really isolated from the host (False for the local backend)."""

    @abstractmethod
    def open(self, spec: SessionSpec) -> SandboxSession:
        """Start an isolated, single-use session.

        Raises:
            EngineUnavailableError: the engine cannot be reached.
            ImageNotFoundError: the image is absent.
        """

    @abstractmethod
    def image_id(self, image: str | None = None) -> str | None:
        """The id/digest of the image sessions start from, for env fingerprints."""

    @abstractmethod
    def close(self) -> None:
        """Release pooled resources and reap anything this backend started. Idempotent."""
