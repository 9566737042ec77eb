"""EvoKernel as tools for MCP-capable agents: ``evokernel mcp`` (official ``mcp`` SDK).

``EvoTools`` does the work (one kernel call per tool, a run in the store each);
``build_server`` exposes it as the ``replay``, ``validate``, ``capture``, ``search`` and
``status`` tools and the capsule and run resources. The package is named ``mcpserver`` so it
never shadows the SDK's own ``mcp`` package.
"""

from __future__ import annotations

from evokernel.adapters.mcpserver.errors import (
    EmptyChangeError,
    RepoOutsideRootError,
    ServerBusyError,
)
from evokernel.adapters.mcpserver.http import (
    BearerAuth,
    TokenRequiredError,
    check_binding,
    is_loopback,
)
from evokernel.adapters.mcpserver.kernels import KernelPool
from evokernel.adapters.mcpserver.models import (
    CaptureToolResult,
    ReplayToolResult,
    SearchResult,
    StatusResult,
    ValidateToolResult,
)
from evokernel.adapters.mcpserver.server import (
    INSTRUCTIONS,
    SERVER_NAME,
    build_server,
    typed_message,
)
from evokernel.adapters.mcpserver.tools import EvoTools

__all__ = [
    "INSTRUCTIONS",
    "SERVER_NAME",
    "BearerAuth",
    "CaptureToolResult",
    "EmptyChangeError",
    "EvoTools",
    "KernelPool",
    "ReplayToolResult",
    "RepoOutsideRootError",
    "SearchResult",
    "ServerBusyError",
    "StatusResult",
    "TokenRequiredError",
    "ValidateToolResult",
    "build_server",
    "check_binding",
    "is_loopback",
    "typed_message",
]
