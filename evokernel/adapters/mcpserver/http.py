"""Serving the MCP server over streamable HTTP, with the node API's rule on tokens.

Bound to a loopback address the server may run without a token (only this machine reaches
it, and the SDK's DNS-rebinding protection checks ``Host`` and ``Origin``); bound anywhere
else it refuses to start without one. With a token every request needs
``Authorization: Bearer <token>``: no header (or not a bearer) is 401, a wrong token 403, the
token compared in constant time, as ``evokernel serve``'s node API does.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from evokernel.errors import EvoKernelError

DEFAULT_PORT = 8743
"""Port ``evokernel mcp --transport http`` listens on when ``--port`` is not given."""

MCP_PATH = "/mcp"
"""Where the streamable HTTP endpoint is mounted."""


class TokenRequiredError(EvoKernelError, ValueError):
    """The server would be reachable from other machines without a bearer token."""

    def __init__(self, host: str, token_env: str) -> None:
        self.host = host
        self.token_env = token_env
        super().__init__(f"binding {host} (not loopback) needs a bearer token: set ${token_env}")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str, token_env: str) -> None:
    """Refuse to serve beyond loopback without a token.

    Raises:
        TokenRequiredError: ``host`` is not loopback and ``token`` is empty.
    """
    if not token and not is_loopback(host):
        raise TokenRequiredError(host, token_env)


class BearerAuth:
    """ASGI middleware: every HTTP request must carry ``Authorization: Bearer <token>``."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("bearer authentication needs a non-empty token")
        self._app = app
        self._token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        scheme, _, presented = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented:
            await _error(send, 401, "Unauthorized", "a bearer token is required")
        elif not hmac.compare_digest(presented.strip().encode(), self._token):
            await _error(send, 403, "Forbidden", "the bearer token is not valid here")
        else:
            await self._app(scope, receive, send)


async def _error(send: Send, status: int, error: str, detail: str) -> None:
    body = orjson.dumps({"error": error, "detail": detail})
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})
