"""The background remover: spent containers leave the validation's path, in order, never
more than its capacity at once, and none is left when it closes."""

from __future__ import annotations

import threading
from pathlib import Path

from sandbox.docker.isolation import PoolKey
from sandbox.docker.pool import WarmContainer
from sandbox.docker.remover import ContainerRemover
from sandbox.models import Limits


def _container(name: str) -> WarmContainer:
    return WarmContainer(id=name, key=PoolKey.from_limits("img:1", Limits()), slot=Path("/x"))


class _Removals:
    """Records removals (and by which thread); holds the first one until released."""

    def __init__(self) -> None:
        self.removed: list[tuple[str, str]] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, container: WarmContainer) -> None:
        self.started.set()
        if threading.current_thread().name == "evokernel-remover":
            assert self.release.wait(60), "the test never released the remover"
        self.removed.append((container.id, threading.current_thread().name))


def test_removals_run_on_the_background_thread_in_order_and_close_drains_them() -> None:
    removals = _Removals()
    remover = ContainerRemover(removals, capacity=4)
    for name in ("a", "b", "c"):
        remover.submit(_container(name))
    assert removals.started.wait(60)
    assert remover.pending == 3  # nothing removed while the first removal is held
    removals.release.set()
    remover.close()
    assert removals.removed == [(n, "evokernel-remover") for n in ("a", "b", "c")]
    assert remover.pending == 0
    assert (remover.queued_total, remover.inline_total) == (3, 0)


def test_a_full_queue_makes_the_caller_remove_it_itself() -> None:
    removals = _Removals()
    remover = ContainerRemover(removals, capacity=1)
    remover.submit(_container("held"))  # taken by the thread, which then waits
    assert removals.started.wait(60)
    remover.submit(_container("queued"))  # fills the one place
    remover.submit(_container("overflow"))  # no room: removed here, now
    assert removals.removed == [("overflow", threading.current_thread().name)]
    removals.release.set()
    remover.drain()
    assert [name for name, _ in removals.removed] == ["overflow", "held", "queued"]
    assert (remover.queued_total, remover.inline_total) == (2, 1)
    remover.close()


def test_after_close_a_submit_removes_inline() -> None:
    removals = _Removals()
    removals.release.set()
    remover = ContainerRemover(removals)
    remover.close()
    remover.close()  # idempotent
    remover.submit(_container("late"))
    assert removals.removed == [("late", threading.current_thread().name)]
