"""Opening the kernel from configuration: store, sandbox backend, validator, settings.

This is the one place that turns an ``EvoConfig`` into live collaborators, so the CLI, the
devloop, the GitHub loop and the scenarios all build the kernel the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from evokernel.application.config import EvoConfig
from evokernel.application.kernel import EvoKernel, KernelSettings
from evokernel.application.metrics import SandboxLatency, TimedSandbox
from evokernel.application.projection import EvolutionRepository
from sandbox import Sandbox, Validator, make_sandbox
from store import EventLog


def kernel_settings(config: EvoConfig) -> KernelSettings:
    """The kernel's policy knobs from the configuration sections."""
    return KernelSettings(
        selection=config.selection,
        replay=config.replay,
        confidence=config.confidence,
        governor=config.governor,
        guard=config.guard,
        economics=config.economics,
        max_attempts=config.policy.max_attempts,
        time_budget_s=config.policy.time_budget_s,
        max_agent_tokens=config.policy.max_agent_tokens,
    )


@dataclass
class Runtime:
    """A kernel with the sandbox and store it owns; close it (or use ``with``) when done."""

    kernel: EvoKernel
    """The kernel facade."""
    sandbox: Sandbox
    """The sandbox backend (its warm pool, if any, lives here)."""
    repository: EvolutionRepository
    """The evolution store (the kernel's): read its view, write with ``record``."""
    latency: SandboxLatency = field(default_factory=SandboxLatency)
    """Sandbox start and run latency of its validations (``evokernel.application.metrics``)."""

    def close(self) -> None:
        """Close the kernel's store and release the sandbox (reaping its containers)."""
        try:
            self.kernel.close()
        finally:
            self.latency.forget_pool(self.sandbox)
            self.sandbox.close()

    @property
    def log(self) -> EventLog:
        """The underlying log, for reading; write through ``repository.record``."""
        return self.repository.log


def exclude_from_git(directory: Path) -> None:
    """Keep a store that lives inside a git work tree out of ``git status``.

    The default store is ``.evokernel/store`` in the repository; without this every command
    would leave the user's tree "dirty". Uses ``.git/info/exclude`` (local, never committed).
    """
    directory = directory.absolute()
    for parent in directory.parents:
        git_dir = parent / ".git"
        if not git_dir.is_dir():
            continue
        relative = directory.relative_to(parent).parts[0]
        exclude = git_dir / "info" / "exclude"
        line = f"/{relative}/"
        existing = exclude.read_text().splitlines() if exclude.exists() else []
        if line not in existing:
            exclude.parent.mkdir(parents=True, exist_ok=True)
            with exclude.open("a") as handle:
                handle.write(("\n" if existing and existing[-1] else "") + line + "\n")
        return


def open_repository(
    config: EvoConfig, store_dir: Path | None = None, *, readonly: bool = False
) -> EvolutionRepository:
    """The store of ``config`` (or at ``store_dir``) with its durability and snapshot schedule.

    Raises:
        StoreNotFoundError: ``readonly`` and there is no store there.
        StoreError: the store cannot be opened.
    """
    store = config.store
    return EvolutionRepository.open(
        Path(store_dir or store.path),
        readonly=readonly,
        durability=store.durability,
        snapshots=store.snapshots,
        snapshot_every=store.snapshot_every,
        max_record_bytes=store.max_record_bytes,
    )


def build_kernel(
    config: EvoConfig,
    repository: EvolutionRepository,
    sandbox: Sandbox,
    latency: SandboxLatency,
    *,
    workspace_root: Path | None = None,
) -> EvoKernel:
    """A kernel over ``repository`` that validates on ``sandbox``.

    The sandbox stays the caller's (a server shares one between several kernels).
    """
    return EvoKernel(
        repository,
        Validator(TimedSandbox(sandbox, latency)),
        settings=kernel_settings(config),
        workspace_root=workspace_root,
    )


@contextmanager
def open_runtime(
    config: EvoConfig,
    store_dir: Path | None = None,
    *,
    workspace_root: Path | None = None,
    latency: SandboxLatency | None = None,
) -> Iterator[Runtime]:
    """Open the store and the configured sandbox backend and build the kernel.

    Every sandbox session the kernel opens is timed into ``latency`` (a fresh
    ``SandboxLatency`` when omitted; pass one to share it, e.g. with a metrics server).

    Raises:
        StoreError: the store cannot be opened.
        EngineUnavailableError / SandboxError: the sandbox backend cannot start.
    """
    directory = Path(store_dir or config.store.path)
    repository = open_repository(config, directory)
    exclude_from_git(directory)
    try:
        sandbox = make_sandbox(config.sandbox)
    except BaseException:
        repository.close()
        raise
    latency = latency or SandboxLatency()
    kernel = build_kernel(config, repository, sandbox, latency, workspace_root=workspace_root)
    runtime = Runtime(kernel=kernel, sandbox=sandbox, repository=repository, latency=latency)
    try:
        yield runtime
    finally:
        runtime.close()
