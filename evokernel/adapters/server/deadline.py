"""A header deadline for uvicorn's h11 protocol: a client that trickles headers is dropped.

uvicorn times out idle keep-alive connections, but a connection that sends a request's
headers one byte at a time stays open for as long as the bytes keep coming: a handful of such
clients hold every connection slot (slowloris). Here the request's headers must be complete
within ``header_timeout_s`` of the connection opening or of the request's first byte; when
they are not, the connection is closed. Bodies, responses and keep-alive are left to uvicorn.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)

DEFAULT_HEADER_TIMEOUT_S = 10.0
"""How long a client may take to send a request's headers, by default."""


class HeaderDeadlineProtocol(H11Protocol):
    """``H11Protocol`` that closes a connection whose request headers are late.

    Use ``header_deadline_protocol(seconds)`` to get a subclass with another deadline.
    """

    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            if self._header_timer is None:
                self._arm()  # the first bytes of a request on a kept-alive connection
        else:
            self._disarm()  # the headers are in

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _late(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            logger.info(
                "closing a connection whose request headers took over %ss", self.header_timeout_s
            )
            self.transport.close()


def header_deadline_protocol(timeout_s: float) -> type[HeaderDeadlineProtocol]:
    """A ``HeaderDeadlineProtocol`` subclass whose deadline is ``timeout_s`` seconds."""
    if not timeout_s > 0:
        raise ValueError(f"the header timeout must be positive, got {timeout_s}")
    return type(
        "HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout_s": timeout_s}
    )
