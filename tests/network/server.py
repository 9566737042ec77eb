"""A real uvicorn server on 127.0.0.1 in a thread, for tests (httpx's ``server`` fixture idea)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

STARTUP_DEADLINE_S = 120.0


class _Server(uvicorn.Server):
    """A uvicorn server that says when it is listening (or has given up)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.settled = threading.Event()

    async def startup(self, sockets: Any = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.settled.set()


@contextmanager
def serving(routes: list[BaseRoute]) -> Iterator[str]:
    """Serve ``routes`` on a free loopback port; yields the base URL; stops on exit."""
    config = uvicorn.Config(
        Starlette(routes=routes),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
        ws="none",
    )
    server = _Server(config)

    def run() -> None:
        try:
            server.run()
        finally:
            server.settled.set()

    thread = threading.Thread(target=run, name="test-uvicorn", daemon=True)
    thread.start()
    assert server.settled.wait(STARTUP_DEADLINE_S), "uvicorn did not start within the deadline"
    assert server.started, "uvicorn failed to start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_DEADLINE_S)
        assert not thread.is_alive(), "uvicorn did not stop within the deadline"
