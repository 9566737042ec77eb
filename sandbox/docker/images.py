"""Make sure the sandbox base image exists: use it, else pull it, else build it air-gapped.

The build needs no registry: it bootstraps Debian with ``debootstrap --variant=minbase`` from
the mirror and suite in the machine's own apt sources (``sandbox.docker.aptsources``), adds the
non-root user sessions run as, and streams the root filesystem into the engine as an image
(the SDK's equivalent of ``tar -c . | docker import -``). Running it again does nothing.
Builds of the same image are serialised by a file lock, so two ``make setup`` runs at once
build it once.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from pydantic import BaseModel, ConfigDict, Field

from sandbox._environment import DEFAULT_PATH
from sandbox.config import DockerSandboxConfig, LocalSandboxConfig
from sandbox.docker.aptsources import AptSource, find_base_source
from sandbox.docker.client import ClientFactory, docker_client_factory, inspect_image
from sandbox.docker.rootfs import Progress, RootfsSpec, build_rootfs, remove_rootfs, stream_tar
from sandbox.errors import ImageBuildError, ImageNotFoundError, SandboxError

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ImageAction(StrEnum):
    """What ``ensure_image`` had to do."""

    PRESENT = "present"
    """The image was already there; nothing was done."""
    PULLED = "pulled"
    """The image was pulled from a registry."""
    BUILT = "built"
    """The image was built air-gapped from the OS package mirror."""


class ImageBuildConfig(BaseModel):
    """How to pull and build the base image. Defaults read the machine's apt sources."""

    model_config = _MODEL_CONFIG

    rootfs: RootfsSpec = Field(default_factory=RootfsSpec)
    """Packages, user and deadlines of the root filesystem."""
    mirror: str | None = None
    """Mirror URI to bootstrap from; ``None`` takes it from the apt sources."""
    suite: str | None = None
    """Release suite to bootstrap; ``None`` takes it from the apt sources."""
    sources_list: Path = Path("/etc/apt/sources.list")
    """One-line-format apt sources file."""
    sources_dir: Path = Path("/etc/apt/sources.list.d")
    """Directory of ``*.list`` and deb822 ``*.sources`` files."""
    os_release: Path = Path("/etc/os-release")
    """Where the host's release codename is read, to prefer the matching suite."""
    work_dir: Path | None = None
    """Parent of the temporary root filesystem and of the build lock; ``None``: system temp."""
    engine_timeout_s: float = Field(default=30.0, gt=0)
    """Timeout of ordinary engine calls (inspect)."""
    pull_timeout_s: float = Field(default=20.0, gt=0)
    """Timeout of the pull attempt; where no registry answers it must fail fast."""
    import_timeout_s: float = Field(default=600.0, gt=0)
    """Timeout of the import of the root filesystem into the engine."""
    lock_timeout_s: float = Field(default=1800.0, gt=0)
    """How long to wait for another process building the same image."""

    def base_source(self) -> AptSource:
        """The mirror and suite to bootstrap from: explicit if both are set, else the host's."""
        if self.mirror and self.suite:
            return AptSource(uri=self.mirror, suite=self.suite, origin="configuration")
        found = find_base_source(self.sources_list, self.sources_dir, self.os_release)
        return found.model_copy(
            update={"uri": self.mirror or found.uri, "suite": self.suite or found.suite}
        )


class BuildStep(BaseModel):
    """One step ``ensure_image`` took and how long it took."""

    model_config = _MODEL_CONFIG

    name: str
    """Step name: ``inspect``, ``pull``, ``rootfs``, ``import``."""
    duration_s: float
    """Wall-clock duration."""
    ok: bool = True
    """False for a step that failed and was fallen through (a pull with no registry)."""
    detail: str = ""
    """Why a step failed, or what it did."""


class ImageReport(BaseModel):
    """What ``ensure_image`` found or did."""

    model_config = _MODEL_CONFIG

    image: str
    """The image reference asked for."""
    action: ImageAction
    """Present already, pulled, or built."""
    image_id: str
    """Engine image id (``sha256:...``)."""
    repo_digests: list[str] = Field(default_factory=list)
    """Registry digests; empty for a locally built image."""
    source: AptSource | None = None
    """Mirror and suite the image was bootstrapped from (built images only)."""
    pull_error: str | None = None
    """Why the pull attempt failed, when one was made and the image was then built."""
    steps: list[BuildStep] = Field(default_factory=list)
    """Steps taken, in order."""
    duration_s: float = 0.0
    """Total wall-clock duration."""


def ensure_image(
    client_factory: ClientFactory,
    image: str,
    *,
    progress: Progress | None = None,
    allow_pull: bool = True,
    allow_build: bool = True,
    build: ImageBuildConfig | None = None,
) -> ImageReport:
    """Use ``image`` if present, else pull it, else build it air-gapped. Idempotent.

    Args:
        client_factory: makes engine clients with a given timeout (``docker_client_factory``).
        image: the reference to ensure, e.g. ``evokernel/sandbox-python:0.2.0``.
        progress: receives one line per notable step.
        allow_pull: try a registry first (fails fast where none answers).
        allow_build: build from the OS package mirror when the pull fails.
        build: how to pull and build; defaults read the machine's apt sources.

    Returns:
        An ``ImageReport`` saying whether the image was present, pulled or built.

    Raises:
        EngineUnavailableError: the engine does not answer.
        ImageNotFoundError: the image is absent and pulling/building were not allowed.
        ImageBuildError: the build failed; carries the failing step and its output tail.
    """
    config = build or ImageBuildConfig()
    say = progress or (lambda _line: None)
    started = time.monotonic()
    with contextlib.closing(client_factory(config.engine_timeout_s)) as client:
        found = inspect_image(client, image)
        if found is not None:
            return _report(image, ImageAction.PRESENT, found, started)
        lock = FileLock(str(_lock_path(config, image)))
        say(f"image {image} is not present")
        try:
            lock.acquire(timeout=config.lock_timeout_s)
        except Timeout as exc:
            raise ImageBuildError(
                f"another process held the build lock {lock.lock_file} too long", step="lock"
            ) from exc
        try:
            # Another process may have finished the image while we waited.
            found = inspect_image(client, image)
            if found is not None:
                return _report(image, ImageAction.PRESENT, found, started)
            return _pull_or_build(
                client, client_factory, image, config, say, allow_pull, allow_build, started
            )
        finally:
            lock.release()


def ensure_configured_image(
    config: DockerSandboxConfig | LocalSandboxConfig,
    image: str | None = None,
    *,
    progress: Progress | None = None,
    allow_pull: bool = True,
    build: ImageBuildConfig | None = None,
) -> ImageReport:
    """``ensure_image`` for a sandbox configuration: its engine, and ``image`` or its image.

    A local-backend configuration has no image of its own; the Docker defaults are used, so
    the image is ready when the configuration switches to Docker.
    """
    docker_config = config if isinstance(config, DockerSandboxConfig) else DockerSandboxConfig()
    return ensure_image(
        docker_client_factory(docker_config.base_url),
        image or docker_config.image,
        progress=progress,
        allow_pull=allow_pull,
        build=build,
    )


def _pull_or_build(
    client: Any,
    client_factory: ClientFactory,
    image: str,
    config: ImageBuildConfig,
    say: Progress,
    allow_pull: bool,
    allow_build: bool,
    started: float,
) -> ImageReport:
    steps: list[BuildStep] = []
    pull_error: str | None = None
    if allow_pull:
        say(f"pull: trying {image} (timeout {config.pull_timeout_s:.0f} s)")
        t0 = time.monotonic()
        pull_error = _try_pull(client_factory, image, config.pull_timeout_s)
        steps.append(
            BuildStep(
                name="pull",
                duration_s=time.monotonic() - t0,
                ok=pull_error is None,
                detail=pull_error or "",
            )
        )
        if pull_error is None:
            found = inspect_image(client, image)
            if found is not None:
                return _report(image, ImageAction.PULLED, found, started, steps=steps)
            pull_error = "pull reported success but the image is not there"
        say(f"pull: failed ({pull_error}); falling through")
    if not allow_build:
        reason = f"; pull failed: {pull_error}" if pull_error else ""
        raise ImageNotFoundError(
            image, f"image {image} is not present and building is disabled{reason}"
        )
    source = config.base_source()
    parent = Path(tempfile.mkdtemp(prefix="evokernel-rootfs-", dir=config.work_dir))
    try:
        rootfs = parent / "rootfs"
        t0 = time.monotonic()
        build_rootfs(source, rootfs, config.rootfs, say)
        steps.append(
            BuildStep(
                name="rootfs",
                duration_s=time.monotonic() - t0,
                detail=f"{source.suite} from {source.uri}",
            )
        )
        say(f"import: streaming the root filesystem into {image}")
        t0 = time.monotonic()
        _import_rootfs(client_factory, rootfs, image, source, config)
        steps.append(BuildStep(name="import", duration_s=time.monotonic() - t0))
    finally:
        remove_rootfs(parent)
    found = inspect_image(client, image)
    if found is None:
        raise ImageBuildError(
            f"the engine accepted the import but {image} is absent", step="import"
        )
    say(f"built {image} ({found.get('Id', '')[:19]}) in {time.monotonic() - started:.0f} s")
    return _report(
        image, ImageAction.BUILT, found, started, steps=steps, source=source, pull_error=pull_error
    )


def _try_pull(client_factory: ClientFactory, image: str, timeout_s: float) -> str | None:
    """Pull ``image``; return ``None`` on success, else why it failed (never raises)."""
    from docker.utils import parse_repository_tag

    from sandbox.docker.sdkerrors import engine_errors

    repository, tag = parse_repository_tag(image)
    try:
        with contextlib.closing(client_factory(timeout_s)) as client, engine_errors("pull"):
            for event in client.api.pull(repository, tag=tag, stream=True, decode=True):
                if isinstance(event, dict) and event.get("error"):
                    return str(event["error"])
    except SandboxError as exc:
        return str(exc)
    return None


def import_changes(image_source: AptSource, spec: RootfsSpec) -> list[str]:
    """The Dockerfile-style changes applied on import (``docker import -c ...``)."""
    return [
        f"USER {spec.uid}:{spec.gid}",
        f"WORKDIR {spec.workdir}",
        f"ENV PATH={DEFAULT_PATH} LANG=C.UTF-8",
        'CMD ["/bin/sh"]',
        f'LABEL io.evokernel.image.suite="{image_source.suite}" '
        f'io.evokernel.image.mirror="{image_source.uri}" '
        f'io.evokernel.image.packages="{",".join(spec.packages)}"',
    ]


def _import_rootfs(
    client_factory: ClientFactory,
    rootfs: Path,
    image: str,
    source: AptSource,
    config: ImageBuildConfig,
) -> None:
    from docker.utils import parse_repository_tag

    from sandbox.docker.sdkerrors import engine_errors

    repository, tag = parse_repository_tag(image)
    try:
        with (
            contextlib.closing(client_factory(config.import_timeout_s)) as client,
            engine_errors("import"),
        ):
            client.api.import_image(
                src=stream_tar(rootfs, timeout_s=config.import_timeout_s),
                repository=repository,
                tag=tag,
                changes=import_changes(source, config.rootfs),
                stream_src=True,
            )
    except ImageBuildError:
        raise
    except SandboxError as exc:
        raise ImageBuildError(f"the engine refused the import: {exc}", step="import") from exc


def _lock_path(config: ImageBuildConfig, image: str) -> Path:
    parent = config.work_dir or Path(tempfile.gettempdir())
    key = hashlib.sha256(image.encode()).hexdigest()[:16]
    return parent / f"evokernel-image-{key}.lock"


def _report(
    image: str,
    action: ImageAction,
    found: dict[str, Any],
    started: float,
    *,
    steps: list[BuildStep] | None = None,
    source: AptSource | None = None,
    pull_error: str | None = None,
) -> ImageReport:
    return ImageReport(
        image=image,
        action=action,
        image_id=str(found.get("Id", "")),
        repo_digests=list(found.get("RepoDigests") or []),
        source=source,
        pull_error=pull_error,
        steps=steps or [],
        duration_s=time.monotonic() - started,
    )
