"""MCP fixtures: real repositories with a real failing test, a real store, the SDK's client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest

from evokernel.adapters.mcpserver import EvoTools
from evokernel.application.config import EvoConfig
from evokernel.demo.repos import CART_BUGGY, CART_TESTS, unified_diff
from store import EventLog
from tests.conftest import GitRepoFactory

T = TypeVar("T")

CALL_TIMEOUT_S = 300.0
"""Longest any one test waits for a tool call (a baseline plus a validation in Docker)."""

MOVED_PREFIX = '"""A tiny shopping cart."""\n\nCURRENCY = "EUR"\n\n\ndef describe(prices):\n' + (
    '    """Human-readable summary."""\n    return f"{len(prices)} items in {CURRENCY}"\n'
)


def cart_files(moved: bool = False) -> dict[str, str]:
    """A shop whose cart ignores the discount's fraction (one failing test)."""
    cart = (
        CART_BUGGY.replace('"""A tiny shopping cart."""\n', MOVED_PREFIX) if moved else CART_BUGGY
    )
    return {"shop/__init__.py": "", "shop/cart.py": cart, "tests/test_cart.py": CART_TESTS}


def fix_for(repo: Path) -> str:
    """The right fix for ``repo``'s cart, as a diff against HEAD."""
    text = (repo / "shop/cart.py").read_text()
    return unified_diff(
        repo, "shop/cart.py", text.replace("subtotal - discount", "subtotal * (1 - discount)")
    )


def wrong_fix_for(repo: Path) -> str:
    """A wrong fix for ``repo``'s cart."""
    text = (repo / "shop/cart.py").read_text()
    return unified_diff(
        repo, "shop/cart.py", text.replace("subtotal - discount", "subtotal - discount * 2")
    )


def run_async(work: Callable[[], Awaitable[T]], timeout: float = CALL_TIMEOUT_S * 4) -> T:
    """Run ``work`` on an event loop, failing if it takes longer than ``timeout``."""

    async def bounded() -> T:
        with anyio.fail_after(timeout):
            return await work()

    return anyio.run(bounded)


def run_side_by_side(work: Callable[[int], Awaitable[None]], count: int = 2) -> None:
    """Run ``work(0)`` ... ``work(count - 1)`` concurrently on one event loop (bounded)."""

    async def all_of_them() -> None:
        async with anyio.create_task_group() as group:
            for slot in range(count):
                group.start_soon(work, slot)

    run_async(all_of_them)


def store_records(store_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every record of the store as ``(kind, payload)``, after checking its chain."""
    with EventLog.open_readonly(store_dir) as log:
        assert log.verify().ok
        return [(record.kind, record.payload) for record in log.scan()]


@pytest.fixture
def cart_repo(git_repo: GitRepoFactory) -> Path:
    """A repository with the cart bug on ``main``."""
    return git_repo(cart_files(), name="shop")


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    """An empty store, created as ``evokernel mcp`` creates it."""
    directory = tmp_path / "store"
    EventLog.open(directory).close()
    return directory


@pytest.fixture
def tools(cart_repo: Path, store_dir: Path) -> Iterator[EvoTools]:
    """The tools over ``cart_repo`` (confined to it) and ``store_dir``, on the configured
    sandbox (Docker)."""
    evo = EvoTools(EvoConfig(), store_dir, cart_repo, confined=True)
    try:
        yield evo
    finally:
        evo.close()
