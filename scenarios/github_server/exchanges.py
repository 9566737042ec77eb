"""The request log: an ASGI middleware that records every exchange, byte for byte.

Tests read it to count calls, and the conformance check validates each recorded request and
response against GitHub's OpenAPI description. The ``Authorization`` header is never recorded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class Exchange:
    """One request and the response the server gave to it."""

    method: str
    path: str
    """The raw (still percent-encoded) API path, without the server's API prefix."""
    query: tuple[tuple[str, str], ...]
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes

    def header(self, name: str) -> str | None:
        """A response header by case-insensitive name."""
        for key, value in self.response_headers:
            if key.lower() == name.lower():
                return value
        return None

    def request_header(self, name: str) -> str | None:
        for key, value in self.request_headers:
            if key.lower() == name.lower():
                return value
        return None


class ExchangeLog:
    """A thread-safe, append-only list of exchanges."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Exchange] = []

    def append(self, exchange: Exchange) -> None:
        with self._lock:
            self._items.append(exchange)

    def snapshot(self) -> list[Exchange]:
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class ExchangeRecorder:
    """ASGI middleware: pass the exchange through unchanged and append it to ``log``."""

    def __init__(self, app: ASGIApp, log: ExchangeLog, prefix: str = "") -> None:
        self.app = app
        self.log = log
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        reply: dict[str, Any] = {"status": 0, "headers": [], "body": []}

        async def recording_receive() -> Message:
            message: Message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                reply["status"] = message["status"]
                reply["headers"] = [(k.decode(), v.decode()) for k, v in message["headers"]]
            elif message["type"] == "http.response.body":
                reply["body"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    # logged before the last byte leaves: a client that has its answer
                    # always finds the exchange in the log
                    self._record(scope, b"".join(chunks), reply)
            await send(message)

        await self.app(scope, recording_receive, recording_send)

    def _record(self, scope: Scope, request_body: bytes, reply: dict[str, Any]) -> None:
        raw = scope.get("raw_path") or scope["path"].encode()
        path = raw.decode("latin-1").split("?", 1)[0]
        if self.prefix and path.startswith(self.prefix):
            path = path[len(self.prefix) :] or "/"
        headers = tuple(
            (k.decode(), v.decode("latin-1"))
            for k, v in scope["headers"]
            if k.decode().lower() != "authorization"
        )
        self.log.append(
            Exchange(
                method=scope["method"],
                path=path,
                query=tuple(parse_qsl(scope.get("query_string", b"").decode(), True)),
                request_headers=headers,
                request_body=request_body,
                status=int(reply["status"]),
                response_headers=tuple(reply["headers"]),
                response_body=b"".join(reply["body"]),
            )
        )
