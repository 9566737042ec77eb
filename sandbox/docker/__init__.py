"""The Docker backend and the Docker-only tools around it (all of it talks to the Docker SDK).

The backend: isolated single-use containers from a warm pool (``DockerSandbox``,
``DockerSession``, ``ensure_env_image``). Beside it: the base image (``images``, built from a
Debian root filesystem, ``rootfs`` and ``aptsources``), the doctor (``doctor``), SDK clients for
both (``client``) and the one translation of the SDK's errors (``sdkerrors``).

``import sandbox`` does not import this package; ``sandbox.make_sandbox`` does, lazily,
when the configuration asks for ``kind = "docker"``, and the ``sandbox`` root loads the image and
doctor names on first use. The names below load on first use too (PEP 562), so importing one
module of the package (``sandbox.docker.client`` for ``ClientFactory``) does not start the SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox._lazy import load_export as _load_export

if TYPE_CHECKING:
    from sandbox.docker.backend import DockerSandbox
    from sandbox.docker.envimage import EnvSetupError, ensure_env_image, env_image_key
    from sandbox.docker.session import DockerSession

_EXPORTS: dict[str, str] = {
    "DockerSandbox": "sandbox.docker.backend",
    "DockerSession": "sandbox.docker.session",
    "EnvSetupError": "sandbox.docker.envimage",
    "ensure_env_image": "sandbox.docker.envimage",
    "env_image_key": "sandbox.docker.envimage",
}


def __getattr__(name: str) -> Any:
    return _load_export(globals(), _EXPORTS, name)


__all__ = [
    "DockerSandbox",
    "DockerSession",
    "EnvSetupError",
    "ensure_env_image",
    "env_image_key",
]
