"""Value objects that go into and come out of a sandbox session.

``SessionSpec`` describes an isolated environment to start; ``ExecRequest`` / ``ExecResult``
are one command inside it. Everything untrusted code can do to a command (time out, be
OOM-killed, flood its output) is a field on ``ExecResult``, never an exception.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Limits(BaseModel):
    """Resource limits applied to a session. Defaults are on: nothing runs unlimited."""

    model_config = _MODEL_CONFIG

    memory_mb: int = Field(default=1024, ge=16)
    """Memory limit in MiB; swap is set equal, so there is no extra swap."""
    pids: int = Field(default=256, ge=8)
    """Maximum number of processes/threads in the session (fork-bomb guard)."""
    cpus: float = Field(default=1.0, gt=0)
    """CPU quota in cores."""
    tmpfs_mb: int = Field(default=256, ge=1)
    """Size cap of the writable /tmp tmpfs."""
    output_cap_bytes: int = Field(default=1_000_000, ge=1024)
    """Per-stream cap for captured stdout/stderr; head and tail are kept."""


class SessionSpec(BaseModel):
    """What a session needs: an image, a workspace directory, limits, network on or off."""

    model_config = _MODEL_CONFIG

    workspace: Path
    """Host directory holding the files to validate; appears as ``workdir`` inside."""
    image: str | None = None
    """Container image (Docker backend). ``None`` means the backend's configured default."""
    workdir: str = "/workspace"
    """Path of the workspace inside the sandbox."""
    network: bool = False
    """Network access. Off by default; only setup stages that say ``network: true`` get it."""
    limits: Limits = Field(default_factory=Limits)
    """Resource limits."""
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment. Names that look like secrets are always dropped."""
    run_id: str | None = None
    """Run id written into container labels, for audit and reaping."""


class ExecRequest(BaseModel):
    """One command to run inside a session."""

    model_config = _MODEL_CONFIG

    argv: list[str] = Field(min_length=1)
    """The command as an argument vector; use ``["sh", "-c", "..."]`` for shell syntax."""
    timeout_s: float = Field(default=600.0, gt=0)
    """Wall-clock timeout; on expiry the whole process tree is killed."""
    cwd: str | None = None
    """Working directory inside the sandbox; defaults to the session's workdir."""
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment for this command (secret-looking names are dropped)."""


class ExecResult(BaseModel):
    """What one command did. Produced by the runtime, never by the code that ran."""

    model_config = _MODEL_CONFIG

    exit_code: int | None
    """Exit status as reported by the runtime; ``None`` when the process was killed by us."""
    stdout: str
    """Captured standard output, capped (head and tail kept, marker in between)."""
    stderr: str
    """Captured standard error, capped the same way."""
    stdout_dropped_bytes: int = 0
    """Bytes of stdout cut from the middle by the cap."""
    stderr_dropped_bytes: int = 0
    """Bytes of stderr cut from the middle by the cap."""
    duration_s: float
    """Wall-clock duration of the command."""
    timed_out: bool = False
    """The wall-clock timeout expired and the process tree was killed."""
    oom_killed: bool = False
    """The kernel OOM killer ended the command (memory limit)."""


class BlastRadius(BaseModel):
    """Files and lines a change touches (``git diff --numstat`` after apply, untracked included)."""

    model_config = _MODEL_CONFIG

    files: list[str] = Field(default_factory=list)
    """Changed paths, sorted."""
    lines_added: int = 0
    """Lines added in total."""
    lines_removed: int = 0
    """Lines removed in total."""

    @property
    def changed_lines(self) -> int:
        """Lines added plus removed."""
        return self.lines_added + self.lines_removed
