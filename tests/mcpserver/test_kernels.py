"""The kernel pool: one kernel per call at a time, a bounded wait, kernels reused."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from evokernel.adapters.mcpserver import KernelPool, ServerBusyError
from evokernel.application.config import EvoConfig
from sandbox import LocalSandboxConfig


def _pool(tmp_path: Path, size: int, wait_s: float) -> KernelPool:
    config = EvoConfig(sandbox=LocalSandboxConfig())
    return KernelPool(config, tmp_path / "store", size=size, wait_s=wait_s)


def test_a_call_waits_for_a_free_kernel_and_fails_typed_when_none_comes(tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=1, wait_s=0.2)
    try:
        busy = pytest.raises(ServerBusyError, match="every kernel was busy")
        with pool.kernel() as first, busy, pool.kernel():
            pass
        with pool.kernel() as again:
            assert again is first  # returned to the pool, and reused with its warm state
    finally:
        pool.close()


def test_concurrent_calls_never_share_a_kernel(tmp_path: Path) -> None:
    pool = _pool(tmp_path, size=2, wait_s=60)
    both_in = threading.Barrier(2, timeout=60)
    seen: list[object] = []

    def call() -> None:
        with pool.kernel() as kernel:
            seen.append(kernel)
            both_in.wait()  # each holds its kernel while the other takes one

    threads = [threading.Thread(target=call) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        assert len(seen) == 2 and seen[0] is not seen[1]
    finally:
        pool.close()
