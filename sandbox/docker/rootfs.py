"""Build a minimal Debian root filesystem with debootstrap, and stream it out as a tar.

Every step runs as a subprocess with a deadline, its output drained by a reader thread into a
bounded tail (kept for ``ImageBuildError``) and, for debootstrap's phase lines, into the progress
callback. A step that outlives its deadline is killed with its whole process group.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from sandbox._environment import DEFAULT_PATH
from sandbox.docker.aptsources import AptSource
from sandbox.errors import ImageBuildError

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

Progress = Callable[[str], None]
"""A callback that receives one human-readable progress line at a time."""

_TAIL_LINES = 40
_CHUNK = 1 << 20
# debootstrap prints one "I: Retrieving/Validating/Unpacking/Configuring <pkg>" line per
# package; the remaining "I:" lines are its phases, which are what a human wants to see.
_CHATTY = ("I: Retrieving", "I: Validating", "I: Unpacking", "I: Configuring", "I: Extracting")


class RootfsSpec(BaseModel):
    """What goes into the root filesystem."""

    model_config = _MODEL_CONFIG

    packages: list[str] = Field(
        default_factory=lambda: ["python3", "python3-pytest", "python3-pip", "git"]
    )
    """Packages installed on top of the minimal base (``debootstrap --include``)."""
    debootstrap: str = "debootstrap"
    """The debootstrap program: a name looked up on the standard PATH, or a path."""
    variant: str = "minbase"
    """debootstrap variant; ``minbase`` is essential packages plus apt."""
    user: str = "evo"
    """Name of the non-root user sessions run as."""
    uid: int = 1000
    """User id of that user."""
    gid: int = 1000
    """Group id of that user."""
    workdir: str = "/workspace"
    """Directory created for the workspace, owned by the user."""
    debootstrap_timeout_s: float = Field(default=900.0, gt=0)
    """Deadline for debootstrap (downloads and unpacks every package)."""
    step_timeout_s: float = Field(default=120.0, gt=0)
    """Deadline for each of the small steps inside the chroot."""
    extra_env: dict[str, str] = Field(default_factory=dict)
    """Environment added to the build steps (e.g. ``http_proxy``); nothing else is inherited."""


def run_step(
    step: str,
    argv: Sequence[str],
    *,
    timeout_s: float,
    env: Mapping[str, str],
    progress: Progress | None = None,
    show: Callable[[str], bool] = lambda _line: False,
) -> str:
    """Run one build step; return its output tail.

    Raises:
        ImageBuildError: the step could not start, exited non-zero or outlived ``timeout_s``.
    """
    tail: deque[str] = deque(maxlen=_TAIL_LINES)
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
        )
    except OSError as exc:
        raise ImageBuildError(f"could not start {argv[0]}: {exc}", step=step) from exc

    def drain() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            tail.append(line)
            if progress is not None and show(line):
                progress(f"{step}: {line}")

    reader = threading.Thread(target=drain, name=f"evokernel-{step}-output", daemon=True)
    with proc:
        reader.start()
        try:
            code = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            _kill_group(proc)
            reader.join(timeout=5)
            raise ImageBuildError(
                f"{step} did not finish within {timeout_s:.0f} s",
                step=step,
                log_tail="\n".join(tail),
            ) from exc
        reader.join(timeout=5)
    if code != 0:
        raise ImageBuildError(
            f"{step} exited with status {code}", step=step, log_tail="\n".join(tail)
        )
    return "\n".join(tail)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _base_env(spec: RootfsSpec) -> dict[str, str]:
    return {
        "PATH": DEFAULT_PATH,
        "LANG": "C",
        "DEBIAN_FRONTEND": "noninteractive",
        **spec.extra_env,
    }


def debootstrap_argv(
    debootstrap: str, source: AptSource, spec: RootfsSpec, target: Path
) -> list[str]:
    """The debootstrap command line for ``source`` into ``target``."""
    argv = [
        debootstrap,
        f"--variant={spec.variant}",
        f"--include={','.join(spec.packages)}",
        f"--components={','.join(source.components)}",
    ]
    if source.signed_by is not None and source.signed_by.is_file():
        argv.append(f"--keyring={source.signed_by}")
    return [*argv, source.suite, str(target), source.uri]


def build_rootfs(
    source: AptSource, target: Path, spec: RootfsSpec, progress: Progress | None = None
) -> None:
    """Bootstrap ``target`` from ``source``, add the non-root user, clean apt caches.

    Raises:
        ImageBuildError: debootstrap is missing or not runnable, or a step failed.
    """
    debootstrap = shutil.which(spec.debootstrap, path=DEFAULT_PATH)
    if debootstrap is None:
        raise ImageBuildError(
            f"{spec.debootstrap} is not installed; install it with `apt-get install debootstrap` "
            "(scripts/ensure-docker does this on Debian/Ubuntu), or make the image available "
            "some other way (docker load / a reachable registry)",
            step="debootstrap",
        )
    if os.geteuid() != 0:
        raise ImageBuildError(
            "debootstrap and chroot need root; run the build as root (e.g. with sudo)",
            step="debootstrap",
        )
    env = _base_env(spec)
    if progress is not None:
        progress(f"debootstrap: {source.suite} from {source.uri} ({source.origin or 'given'})")
    run_step(
        "debootstrap",
        debootstrap_argv(debootstrap, source, spec, target),
        timeout_s=spec.debootstrap_timeout_s,
        env=env,
        progress=progress,
        show=lambda line: line.startswith(("I:", "W:", "E:")) and not line.startswith(_CHATTY),
    )
    chroot = [shutil.which("chroot", path=DEFAULT_PATH) or "chroot", str(target)]
    useradd = ["useradd", "-u", str(spec.uid), "-g", str(spec.gid), "-m", "-s", "/bin/sh"]
    for step, argv in (
        ("add-user", [*chroot, "groupadd", "-g", str(spec.gid), spec.user]),
        ("add-user", [*chroot, *useradd, "-d", f"/home/{spec.user}", spec.user]),
        ("clean", [*chroot, "apt-get", "clean"]),
    ):
        if progress is not None:
            progress(f"{step}: {' '.join(argv[2:])}")
        run_step(step, argv, timeout_s=spec.step_timeout_s, env=env)
    _clear_dir(target / "var" / "lib" / "apt" / "lists")
    workdir = target / spec.workdir.lstrip("/")
    workdir.mkdir(parents=True, exist_ok=True)
    os.chown(workdir, spec.uid, spec.gid, follow_symlinks=False)


def _clear_dir(path: Path) -> None:
    """Remove the contents of ``path`` (never following symlinks out of it)."""
    if path.is_symlink() or not path.is_dir():
        return
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def stream_tar(rootfs: Path, timeout_s: float = 600.0) -> Iterator[bytes]:
    """Yield a tar of ``rootfs`` in 1 MiB chunks, without holding it in memory.

    Raises:
        ImageBuildError: tar failed (step ``import``).
    """
    tar = shutil.which("tar", path=DEFAULT_PATH) or "tar"
    with subprocess.Popen(
        [tar, "--numeric-owner", "-C", str(rootfs), "-cf", "-", "."],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": DEFAULT_PATH, "LANG": "C"},
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        stdout, stderr = proc.stdout, proc.stderr
        errors: list[bytes] = []
        # stderr is drained on its own thread so a chatty tar can never block on a full pipe.
        reader = threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)
        reader.start()
        try:
            while chunk := stdout.read(_CHUNK):
                yield chunk
            code = proc.wait(timeout=timeout_s)
        finally:
            # Reached early when the consumer stops reading (the engine refused the import).
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
            reader.join(timeout=5)
    if code != 0:
        message = b"".join(errors).decode(errors="replace")[-4000:]
        raise ImageBuildError(f"tar exited with status {code}", step="import", log_tail=message)


def remove_rootfs(target: Path) -> None:
    """Delete a build directory, unmounting anything a failed debootstrap left mounted in it."""
    if not target.exists():
        return
    resolved = str(target.resolve())
    mounts = Path("/proc/mounts")
    if mounts.is_file():
        points = [
            line.split()[1]
            for line in mounts.read_text().splitlines()
            if len(line.split()) > 1 and line.split()[1].startswith(resolved + "/")
        ]
        # Deepest first, so nested mounts come off before their parents.
        for point in sorted(points, key=len, reverse=True):
            subprocess.run(["umount", "-l", point], capture_output=True, timeout=60, check=False)
    shutil.rmtree(target, ignore_errors=False)
