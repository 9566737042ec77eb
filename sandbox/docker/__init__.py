"""The Docker backend: isolated single-use containers from a warm pool (imports the Docker SDK).

``import sandbox`` does not import this package; ``sandbox.config.make_sandbox`` does, lazily,
when the configuration asks for ``kind = "docker"``.
"""

from __future__ import annotations

from sandbox.docker.backend import DockerSandbox
from sandbox.docker.envimage import EnvSetupError, ensure_env_image, env_image_key
from sandbox.docker.session import DockerSession

__all__ = [
    "DockerSandbox",
    "DockerSession",
    "EnvSetupError",
    "ensure_env_image",
    "env_image_key",
]
