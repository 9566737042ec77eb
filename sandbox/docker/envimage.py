"""Env images: setup stages run once and are committed as a derived image that later sessions
start from.

The key is a digest of the base image id, the lockfile hashes and the setup commands (with
their network flags), so a change to any of them makes a new image and nothing stale is
reused. Each stage runs in its own unpooled container from the previous stage's image, with a
writable root filesystem and network only if the stage says ``network: true``; the container
is committed after the stage and removed. Mounts (the workspace, /tmp) are not part of a commit,
so the workspace never ends up in the image.

Setup commands run as root with the few capabilities apt, dpkg and pip need
(``isolation.SETUP_CAPABILITIES``), so a stage can ``apt-get install`` system packages and
``pip install`` into the system site-packages (``SETUP_ENV`` lets Debian's pip do so). HOME is
the sandbox user's home in the image; after each stage it and the workspace are handed back to
that user (``chown -R -h``). The committed image sets ``PYTHONUSERBASE`` to ``$HOME/.local``,
so what ``pip install --user`` put there is found by later sessions, whose HOME is a tmpfs.
The committed image runs as the base image's user again: only setup runs as root, and setup
commands come from the configured plan, never from a candidate patch.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

from sandbox.docker.backend import DockerSandbox
from sandbox.docker.labels import CONTAINER_ONLY_LABELS, ENV_KEY, MANAGED
from sandbox.docker.session import DockerSession
from sandbox.errors import ImageBuildError, ImageNotFoundError
from sandbox.models import ExecRequest, ExecResult, SessionSpec
from sandbox.plan import Stage

ENV_REPOSITORY = "evokernel/env"
"""Repository of derived env images; the tag is the start of the key."""
BASE_IMAGE_LABEL = "evokernel.base_image"
"""On env images: the id of the image they were derived from."""
SETUP_ENV = {
    "DEBIAN_FRONTEND": "noninteractive",
    "PIP_BREAK_SYSTEM_PACKAGES": "1",
    "PIP_NO_CACHE_DIR": "1",
    "PIP_ROOT_USER_ACTION": "ignore",
}
"""Environment of setup commands besides HOME: apt never prompts; pip may install into the
image's system Python (the image is disposable, not a host), keeps no cache in the image and
does not warn about running as root."""


class EnvSetupError(ImageBuildError):
    """A setup stage failed, so no env image was committed.

    Args:
        stage: the stage's name.
        result: what the stage's command did (exit code, capped output, timeout, OOM).
    """

    def __init__(self, stage: str, result: ExecResult) -> None:
        self.stage = stage
        self.result = result
        how = "timed out" if result.timed_out else f"exited with {result.exit_code}"
        super().__init__(f"setup stage {stage!r} {how}: {result.stderr[-500:]}")


def env_image_key(
    base_image_id: str, setup_stages: Sequence[Stage], lockfile_hashes: Mapping[str, str]
) -> str:
    """The cache key of an env image: sha256 over base image id, lockfile hashes and stages."""
    material = {
        "base_image_id": base_image_id,
        "lockfile_hashes": dict(sorted(lockfile_hashes.items())),
        "setup": [{"command": s.command, "network": s.network} for s in setup_stages],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def ensure_env_image(
    sandbox: DockerSandbox,
    base_image: str,
    setup_stages: Sequence[Stage],
    lockfile_hashes: Mapping[str, str],
    *,
    workspace: Path | None = None,
) -> str:
    """Return an image with the setup stages applied, building it on first use.

    Args:
        sandbox: the Docker backend (its limits and user apply to the setup containers).
        base_image: the image to derive from.
        setup_stages: the plan's setup stages, in order.
        lockfile_hashes: path -> content hash of the files the setup depends on.
        workspace: the files the setup stages see at the workdir (lockfiles); an empty
            directory when ``None``.

    Returns:
        The env image reference (``evokernel/env:<key prefix>``), or ``base_image`` itself
        when there are no setup stages.

    Raises:
        ImageNotFoundError: the base image is absent.
        EnvSetupError: a stage failed; nothing is tagged.
    """
    if not setup_stages:
        return base_image
    base = sandbox.engine.inspect_image(base_image)
    if base is None:
        raise ImageNotFoundError(base_image)
    key = env_image_key(str(base["Id"]), setup_stages, lockfile_hashes)
    reference = f"{ENV_REPOSITORY}:{key[:24]}"
    with sandbox.key_lock(key):
        existing = sandbox.engine.inspect_image(reference)
        if existing is not None and (existing["Config"].get("Labels") or {}).get(ENV_KEY) == key:
            return reference
        image = base_image
        for index, stage in enumerate(setup_stages):
            last = index == len(setup_stages) - 1
            image = _run_stage(sandbox, image, stage, base, key, workspace, tag=last)
    return reference


def _run_stage(
    sandbox: DockerSandbox,
    image: str,
    stage: Stage,
    base: dict[str, Any],
    key: str,
    workspace: Path | None,
    *,
    tag: bool,
) -> str:
    """Run one stage in a fresh container from ``image`` and commit it; returns the new id."""
    with tempfile.TemporaryDirectory(prefix="evokernel-env-") as empty:
        spec = SessionSpec(
            workspace=workspace or Path(empty),
            image=image,
            network=stage.network,
            limits=sandbox.config.limits,
        )
        with sandbox.open_setup(spec) as session:
            home = _user_home(sandbox, session.container_id, sandbox.config.user)
            result = session.exec(
                ExecRequest(
                    argv=stage.command, timeout_s=stage.timeout_s, env={**SETUP_ENV, "HOME": home}
                )
            )
            if result.exit_code != 0:
                raise EnvSetupError(stage.name, result)
            _hand_back(session, [home, session.workdir], sandbox.config.user, stage)
            config = base.get("Config") or {}
            # The engine merges the container's labels into the image's; blank the per-container
            # ones so that containers started from the image do not inherit a stale owner.
            labels = {name: "" for name in CONTAINER_ONLY_LABELS}
            labels.update(config.get("Labels") or {})
            labels.update({MANAGED: "true", ENV_KEY: key, BASE_IMAGE_LABEL: str(base["Id"])})
            env = [e for e in config.get("Env") or [] if not e.startswith("PYTHONUSERBASE=")]
            conf = {
                "Labels": labels,
                "Env": [*env, f"PYTHONUSERBASE={home}/.local"],
                "Entrypoint": config.get("Entrypoint") or [],
                "Cmd": config.get("Cmd") or [],
                "User": config.get("User") or "",
                "WorkingDir": config.get("WorkingDir") or "",
            }
            return sandbox.engine.commit(
                session.container_id,
                repository=ENV_REPOSITORY if tag else "",
                tag=key[:24] if tag else "",
                conf=conf,
            )


def _hand_back(session: DockerSession, paths: list[str], user: str, stage: Stage) -> None:
    """Make what the stage (running as root) wrote under ``paths`` the sandbox user's again:
    the home goes into the image, and the workspace must stay removable by the runner.

    ``-h``: a symlink the stage left there is changed itself, never what it points to.
    """
    uid, _, gid = user.partition(":")
    argv = ["chown", "-R", "-h", f"{uid}:{gid or uid}", *[p for p in paths if p != "/tmp"]]
    result = session.exec(ExecRequest(argv=argv, timeout_s=60))
    if result.exit_code != 0:
        raise EnvSetupError(stage.name, result)


def _user_home(sandbox: DockerSandbox, container_id: str, user: str) -> str:
    """The home directory of ``user``'s uid in the image's /etc/passwd (``/tmp`` if none).

    Read through the engine before any stage has run, so the file is the image's own.
    """
    uid = user.partition(":")[0]
    chunks, _ = sandbox.engine.get_archive(container_id, "/etc/passwd")
    with tarfile.open(fileobj=BytesIO(b"".join(chunks))) as archive:
        member = archive.next()
        handle = archive.extractfile(member) if member is not None else None
        text = handle.read().decode("utf-8", "replace") if handle is not None else ""
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 6 and fields[2] == uid and fields[5].startswith("/"):
            return fields[5]
    return "/tmp"
