"""Errors raised by the sandbox package.

What untrusted code does (a timeout, an OOM kill, an output flood) is *data* on
``ExecResult`` and ``Receipt``; exceptions are for "could not do the job" and
"the input is bad".

    SandboxError
    ├── EngineUnavailableError        the container engine cannot be reached
    ├── ImageNotFoundError            the configured image is absent and cannot be pulled or built
    ├── ImageBuildError               the air-gapped image build failed
    ├── SessionError                  a session could not be started, used or closed
    ├── WorkspaceError                a worktree could not be created or cleaned
    ├── PatchRefusedError             a diff was refused before anything ran (path, reason)
    ├── PatchApplyError               no rung of the apply ladder applied the diff
    ├── JUnitParseError               a JUnit XML report could not be parsed
    └── SandboxConfigError(ValueError) bad sandbox configuration
"""

from __future__ import annotations


class SandboxError(Exception):
    """Base of every error the sandbox package raises."""


class EngineUnavailableError(SandboxError):
    """The container engine did not answer (not running, unreachable, permission denied)."""


class ImageNotFoundError(SandboxError):
    """The image is not present and could not be pulled or built."""

    def __init__(self, image: str, message: str | None = None) -> None:
        self.image = image
        super().__init__(message or f"image not found: {image}")


class ImageBuildError(SandboxError):
    """Building the sandbox base image failed.

    Args:
        step: the build step that failed (``apt-sources``, ``debootstrap``, ``add-user``,
            ``clean``, ``import``).
        log_tail: the last lines of that step's output, for diagnosis.
    """

    def __init__(self, message: str, step: str = "", log_tail: str = "") -> None:
        self.step = step
        self.log_tail = log_tail
        where = f"[{step}] " if step else ""
        tail = f"\n--- last output of {step or 'the step'} ---\n{log_tail}" if log_tail else ""
        super().__init__(f"{where}{message}{tail}")


class SessionError(SandboxError):
    """A sandbox session could not be started, used or closed."""


class WorkspaceError(SandboxError):
    """A workspace (git worktree) could not be prepared or cleaned up."""


class WorkspaceInputError(WorkspaceError, ValueError):
    """The repository or revision handed in is bad: not a git repository, no such commit.

    Bad input (the CLI exits 2), unlike a ``WorkspaceError`` git ran into on its own.
    """


class PatchRefusedError(SandboxError):
    """A diff was refused before anything ran.

    Args:
        path: the offending path as written in the diff (may be empty for whole-diff reasons).
        reason: a short machine-readable reason, e.g. ``outside_repository``, ``git_dir``.
    """

    def __init__(self, path: str, reason: str, detail: str = "") -> None:
        self.path = path
        self.reason = reason
        self.detail = detail
        where = f" {path!r}" if path else ""
        extra = f": {detail}" if detail else ""
        super().__init__(f"patch refused ({reason}){where}{extra}")


class PatchApplyError(SandboxError):
    """No rung of the apply ladder could apply the diff (``attempts``: what each said)."""

    def __init__(self, message: str, attempts: list[str] | None = None) -> None:
        self.attempts = attempts or []
        super().__init__(message)


class JUnitParseError(SandboxError):
    """A JUnit XML report was present but could not be parsed."""


class SandboxConfigError(SandboxError, ValueError):
    """Sandbox configuration is invalid."""
