"""A pool of kernels for a server that answers several calls at once.

A kernel keeps in-process state between calls (its view, its signal index, recent baselines)
that is not safe to share between threads. The pool hands each call a kernel of its own for
the call's duration and takes it back afterwards, so the state stays warm without being
shared; the store's inter-process writer lock keeps the log consistent between kernels (and
between processes). Every kernel shares the one sandbox backend (its warm container pool is
thread-safe), started on first use so a server that only searches never needs an engine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evokernel.adapters.mcpserver.errors import ServerBusyError
from evokernel.application.config import EvoConfig
from evokernel.application.kernel import EvoKernel
from evokernel.application.metrics import SandboxLatency
from evokernel.application.runtime import build_kernel, open_repository
from sandbox import Sandbox, make_sandbox

DEFAULT_SIZE = 4
"""Kernels a server runs at most at once (more calls wait for one)."""

DEFAULT_WAIT_S = 1800.0
"""Longest a call waits for a free kernel before it fails with ``ServerBusyError``."""


class KernelPool:
    """Up to ``size`` kernels over one store and one sandbox backend.

    Args:
        config: the server's configuration (sandbox backend, kernel settings).
        store_dir: the store every kernel appends to.
        size: kernels at most (calls beyond it wait).
        wait_s: longest a call waits for a free kernel.
    """

    def __init__(
        self,
        config: EvoConfig,
        store_dir: Path,
        *,
        size: int = DEFAULT_SIZE,
        wait_s: float = DEFAULT_WAIT_S,
    ) -> None:
        if size < 1:
            raise ValueError("a kernel pool needs at least one kernel")
        self._config = config
        self._store_dir = store_dir
        self._size = size
        self._wait_s = wait_s
        self._idle: list[EvoKernel] = []
        self._made = 0
        self._changed = threading.Condition()
        self._sandbox: Sandbox | None = None
        self.latency = SandboxLatency()
        """Sandbox start and run latency of every kernel's validations."""

    @contextmanager
    def kernel(self) -> Iterator[EvoKernel]:
        """A kernel for this call alone; returned to the pool afterwards.

        Raises:
            ServerBusyError: no kernel came free within the wait.
            StoreError, EngineUnavailableError: a new kernel could not be built.
        """
        kernel = self._checkout()
        try:
            yield kernel
        finally:
            with self._changed:
                self._idle.append(kernel)
                self._changed.notify()

    def _checkout(self) -> EvoKernel:
        deadline = time.monotonic() + self._wait_s
        with self._changed:
            while not self._idle and self._made >= self._size:
                left = deadline - time.monotonic()
                if left <= 0 or not self._changed.wait(timeout=left):
                    raise ServerBusyError(self._wait_s)
            if self._idle:
                return self._idle.pop()
            self._made += 1  # reserve the slot; build outside the lock
        try:
            return self._build()
        except BaseException:
            with self._changed:
                self._made -= 1
                self._changed.notify()
            raise

    def _build(self) -> EvoKernel:
        with self._changed:
            if self._sandbox is None:
                self._sandbox = make_sandbox(self._config.sandbox)
            sandbox = self._sandbox
        repository = open_repository(self._config, self._store_dir)
        return build_kernel(self._config, repository, sandbox, self.latency)

    def close(self) -> None:
        """Close every idle kernel's store and the sandbox backend (reaping its containers)."""
        with self._changed:
            kernels, self._idle = self._idle, []
            sandbox, self._sandbox = self._sandbox, None
        try:
            for kernel in kernels:
                kernel.close()
        finally:
            if sandbox is not None:
                self.latency.forget_pool(sandbox)
                sandbox.close()
