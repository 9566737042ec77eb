"""``make_sandbox``: the backend a configuration names, imported only when it is built.

Kept apart from ``config`` so that the backends can import their configuration models without
an import circle (config -> backend -> config), deferred imports included.
"""

from __future__ import annotations

from sandbox.base import Sandbox
from sandbox.config import DockerSandboxConfig, LocalSandboxConfig


def make_sandbox(config: DockerSandboxConfig | LocalSandboxConfig) -> Sandbox:
    """Build the backend ``config`` names, importing it only now.

    Raises:
        EngineUnavailableError: (Docker) the engine cannot be reached.
    """
    if isinstance(config, DockerSandboxConfig):
        from sandbox.docker.backend import DockerSandbox

        return DockerSandbox(config)
    from sandbox.local import LocalSandbox

    return LocalSandbox(config)
