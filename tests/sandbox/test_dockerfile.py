"""sandbox/docker/Dockerfile makes the same image as the air-gapped build.

Statically: its arguments and final instructions are compared with ``RootfsSpec`` and with
``import_changes``, what the air-gapped import applies. For real: the file is built (with a
local stand-in for ``debian:bookworm-slim``, which cannot be pulled here; the packages come
from the Debian mirror, as the air-gapped build's do) and the result is compared with the
air-gapped image, configuration and what runs inside.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import uuid
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from sandbox.config import DEFAULT_IMAGE
from sandbox.docker.aptsources import AptSource
from sandbox.docker.images import import_changes
from sandbox.docker.rootfs import RootfsSpec

DOCKERFILE = Path(__file__).resolve().parents[2] / "sandbox" / "docker" / "Dockerfile"


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and continuation lines joined."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), " ".join(rest.split())))
    return pairs


def _args(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return dict(rest.partition("=")[::2] for word, rest in pairs if word == "ARG")


def _expand(text: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], text)


def _final(pairs: list[tuple[str, str]], args: dict[str, str]) -> dict[str, str]:
    """The last USER, WORKDIR, ENV, CMD and LABEL, with the build arguments expanded."""
    return {
        word: _expand(rest, args)
        for word, rest in pairs
        if word in {"USER", "WORKDIR", "ENV", "CMD", "LABEL"}
    }


def _pairs_of(text: str) -> dict[str, str]:
    """``a=1 b="x y"`` as a dict (ENV and LABEL arguments)."""
    return dict(item.partition("=")[::2] for item in shlex.split(text))


def test_arguments_are_the_rootfs_spec() -> None:
    args = _args(_instructions(DOCKERFILE.read_text()))
    spec = RootfsSpec()
    assert args["PACKAGES"].split(",") == spec.packages
    assert (args["USER_NAME"], int(args["UID"]), int(args["GID"])) == (
        spec.user,
        spec.uid,
        spec.gid,
    )
    assert args["WORKDIR"] == spec.workdir
    assert "python3-pip" in spec.packages  # setup stages can pip install


def test_final_instructions_are_what_the_air_gapped_import_applies() -> None:
    pairs = _instructions(DOCKERFILE.read_text())
    args = _args(pairs)
    final = _final(pairs, args)
    source = AptSource(uri=args["MIRROR"], suite=args["SUITE"])
    expected = {}
    for change in import_changes(source, RootfsSpec()):
        word, _, rest = change.partition(" ")
        expected[word] = rest
    assert final.keys() == expected.keys()
    for word in ("USER", "WORKDIR", "CMD"):
        assert final[word] == expected[word], word
    for word in ("ENV", "LABEL"):
        assert _pairs_of(final[word]) == _pairs_of(expected[word]), word


def test_user_and_workspace_are_made_as_the_rootfs_build_makes_them() -> None:
    pairs = _instructions(DOCKERFILE.read_text())
    args = _args(pairs)
    run = " ".join(_expand(rest, args) for word, rest in pairs if word == "RUN")
    # The same groupadd/useradd argv as build_rootfs runs in its chroot.
    assert "groupadd -g 1000 evo" in run
    assert "useradd -u 1000 -g 1000 -m -s /bin/sh -d /home/evo evo" in run
    assert "chown 1000:1000 /workspace" in run
    assert "apt-get install -y --no-install-recommends" in run  # debootstrap adds no Recommends
    assert "rm -rf /var/lib/apt/lists/*" in run  # as build_rootfs clears them


# --- built for real ---------------------------------------------------------------------------

_STAND_IN = f"""\
FROM {DEFAULT_IMAGE}
USER root
RUN apt-get purge -y python3-pip python3-pytest git \\
 && apt-get autoremove -y --purge \\
 && userdel -r evo && (groupdel evo 2>/dev/null || true) && rm -rf /workspace
WORKDIR /
"""
"""A Debian without the packages, the user or the workspace, from the air-gapped image (a
``debian:bookworm-slim`` cannot be pulled here)."""

_PROBE = (
    "id -u; id -g; id -un; echo $HOME; pwd; stat -c '%u:%g' /workspace; "
    "python3 -c 'import sys, pytest, pip; print(sys.version_info[:2])'; "
    "git --version >/dev/null && echo git; "
    "dpkg-query -W -f '${Package}\\n' python3 python3-pytest python3-pip git"
)


def _build(client: Any, dockerfile: str, tag: str, buildargs: dict[str, str]) -> Any:
    image, _logs = client.images.build(
        fileobj=BytesIO(dockerfile.encode()),
        tag=tag,
        buildargs=buildargs,
        pull=False,
        rm=True,
        forcerm=True,
    )
    return image


class Built:
    """The stand-in base's tag and the image the Dockerfile made from it."""

    def __init__(self, base: str, image: Any) -> None:
        self.base = base
        self.image = image


@pytest.fixture(scope="module")
def dockerfile_image(docker_engine: Any) -> Iterator[Built]:
    """The Dockerfile built on a local stand-in base; both images removed afterwards."""
    suffix = uuid.uuid4().hex[:8]
    base = f"evokernel/test-debian-base:{suffix}"
    built = f"evokernel/test-dockerfile-image:{suffix}"
    try:
        _build(docker_engine, _STAND_IN, base, {})
        yield Built(base, _build(docker_engine, DOCKERFILE.read_text(), built, {"BASE": base}))
    finally:
        for tag in (built, base):
            with contextlib.suppress(docker.errors.ImageNotFound):
                docker_engine.images.remove(tag, force=True)


def _run(client: Any, image: str, script: str = _PROBE) -> str:
    out = client.containers.run(
        image, ["sh", "-c", script], remove=True, network_disabled=True, stderr=True
    )
    return bytes(out).decode()


def test_the_stand_in_base_lacks_what_the_dockerfile_adds(
    docker_engine: Any, dockerfile_image: Built
) -> None:
    script = (
        "id evo 2>/dev/null || echo no-user; command -v git || echo no-git; "
        "ls -d /workspace 2>/dev/null || echo no-ws"
    )
    out = _run(docker_engine, dockerfile_image.base, script)
    assert out.split() == ["no-user", "no-git", "no-ws"]


def test_built_dockerfile_image_matches_the_air_gapped_image(
    docker_engine: Any, dockerfile_image: Built
) -> None:
    air_gapped = docker_engine.images.get(DEFAULT_IMAGE).attrs["Config"]
    built = dockerfile_image.image.attrs["Config"]
    for field in ("User", "WorkingDir", "Cmd", "Entrypoint"):
        assert built[field] == air_gapped[field], field
    assert set(built["Env"]) == set(air_gapped["Env"])
    labels = {k: v for k, v in built["Labels"].items() if k.startswith("io.evokernel.image.")}
    expected = {
        k: v for k, v in air_gapped["Labels"].items() if k.startswith("io.evokernel.image.")
    }
    assert labels["io.evokernel.image.packages"] == expected["io.evokernel.image.packages"]
    assert labels["io.evokernel.image.suite"] == expected["io.evokernel.image.suite"]
    ours = _run(docker_engine, dockerfile_image.image.id)
    theirs = _run(docker_engine, DEFAULT_IMAGE)
    assert ours == theirs
    assert ours.splitlines()[:6] == ["1000", "1000", "evo", "/home/evo", "/workspace", "1000:1000"]


def test_every_documented_docker_build_tags_the_default_image() -> None:
    # When the image's content changes its tag changes; the build commands must follow.
    root = DOCKERFILE.parents[2]
    texts = [DOCKERFILE, root / "README.md", root / "docs" / "docker.md"]
    tags = [
        tag
        for path in texts
        for tag in re.findall(r"(?:docker|podman) build -t (\S+)", path.read_text())
    ]
    assert len(tags) >= 4
    assert set(tags) == {DEFAULT_IMAGE}
