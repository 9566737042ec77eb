"""``GitHubLoop``: the kernel, a GitHub client and a local clone, serving one repository.

The facade of the GitHub loop, as ``EvoKernel`` is the kernel's: each method is a few lines
calling one flow module (``detect``, ``tick``, ``status``) with exactly what that flow uses;
no flow module imports this one. ``open_github_loop`` builds it
from configuration the way ``open_runtime`` builds the kernel.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from evokernel.adapters.github.client import GitHubClient
from evokernel.adapters.github.clone import LocalClone
from evokernel.adapters.github.detect import detect_failure
from evokernel.adapters.github.errors import GitHubAuthError, GitHubError
from evokernel.adapters.github.facts import StoreFacts
from evokernel.adapters.github.reports import DetectReport, LoopStatus, TickReport
from evokernel.adapters.github.settings import DEFAULT_API_URL, GitHubLoopSettings
from evokernel.adapters.github.status import loop_status
from evokernel.adapters.github.target import TargetRepo
from evokernel.adapters.github.tick import run_tick
from evokernel.application.config import EvoConfig
from evokernel.application.kernel import EvoKernel
from evokernel.application.kernel.agent import Agent
from evokernel.application.projection import EvolutionRepository
from evokernel.application.runtime import Runtime, open_runtime
from evokernel.domain.confidence import utc_now
from evokernel.errors import ConfigError
from sandbox import SandboxError

logger = logging.getLogger(__name__)


@dataclass
class GitHubLoop:
    """One repository's loop: detect failures, deliver fixes, feed verdicts back.

    Args:
        client: the GitHub adapter (its rate-limit waits and create cap apply).
        runtime: the kernel with its store and sandbox.
        config: the project's configuration (policy, plan, scope).
        settings: the repository, clone, labels and cooldown.
        token: pushes and fetches authenticate with it; kept out of ``repr``.
        agent: called when no stored capsule validates; ``None`` means replay only.
        clock: now, in UTC (the cooldown is measured with it).
    """

    client: GitHubClient
    runtime: Runtime
    config: EvoConfig
    settings: GitHubLoopSettings
    token: str | None = field(default=None, repr=False)
    agent: Agent | None = None
    clock: Callable[[], datetime] = utc_now

    @property
    def repo(self) -> str:
        """``OWNER/NAME``."""
        return self.settings.repo

    @property
    def target(self) -> TargetRepo:
        """The repository on GitHub, as the loop's steps see it."""
        return TargetRepo(self.client, self.settings)

    @property
    def kernel(self) -> EvoKernel:
        """The kernel facade."""
        return self.runtime.kernel

    @property
    def repository(self) -> EvolutionRepository:
        """The evolution store."""
        return self.runtime.repository

    @cached_property
    def clone(self) -> LocalClone:
        """The local clone validations and commits are made in.

        Raises:
            ConfigError: the settings give no clone URL.
        """
        url = self.settings.clone_url
        if url is None:
            raise ConfigError("the GitHub loop needs a clone URL (--clone)", key="clone_url")
        return LocalClone(self.settings.clone_dir, url, self.token)

    # -- the commands -------------------------------------------------------------------------

    def detect(self) -> DetectReport:
        """Validate the default branch; open one issue per failure signature."""
        return detect_failure(self.target, self.clone, self.kernel, self.config, self.clock)

    def tick(self) -> TickReport:
        """One pass: reconcile verdicts, then deliver every labelled issue."""
        return run_tick(
            self.target,
            self.clone,
            self.kernel,
            config=self.config,
            agent=self.agent,
            token=self.token,
        )

    def status(self) -> LoopStatus:
        """What GitHub and the store say about the loop's issues."""
        return loop_status(
            self.client,
            self.settings,
            self.kernel.view(),
            StoreFacts.scan(self.repository),
            self.kernel.settings.confidence,
            self.clock(),
        )

    def run(
        self,
        interval: float,
        *,
        max_ticks: int | None = None,
        on_tick: Callable[[TickReport], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> int:
        """Tick every ``interval`` seconds (``max_ticks`` times, or until interrupted).

        A tick that fails on GitHub or in the sandbox is logged and the next one tries again;
        a rejected token stops the loop.

        Raises:
            GitHubAuthError: the token is invalid or lacks permission.
        """
        ticks = 0
        while max_ticks is None or ticks < max_ticks:
            if ticks:
                sleep(interval)
            ticks += 1
            try:
                report = self.tick()
            except GitHubAuthError:
                raise
            except (GitHubError, SandboxError) as exc:
                logger.warning("tick %d failed, trying again in %.0fs: %s", ticks, interval, exc)
                continue
            if on_tick is not None:
                on_tick(report)
        return ticks

    def confidence_of(self, capsule_id: str | None) -> float | None:
        """A capsule's confidence now (the kernel's clock and settings), or None if unknown."""
        return self.kernel.confidence_of(capsule_id)


@contextmanager
def open_github_loop(
    config: EvoConfig,
    settings: GitHubLoopSettings,
    *,
    token: str,
    api_url: str = DEFAULT_API_URL,
    store_dir: Path | None = None,
    agent: Agent | None = None,
    client: GitHubClient | None = None,
    runtime: Runtime | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Iterator[GitHubLoop]:
    """Open the store, the sandbox and a GitHub client, and build the loop.

    Args:
        config: the project's configuration.
        settings: the repository and how its work is named.
        token: the GitHub token (read at the CLI boundary; never logged or stored).
        api_url: the REST base: ``https://api.github.com`` or an Enterprise ``.../api/v3``.
        store_dir: the evolution store (default ``store.path``).
        agent: the fallback agent; ``None`` means replay only.
        client: a ready client (tests pass one with a fake clock); made from ``api_url`` and
            ``token`` otherwise, and closed on exit.
        runtime: an open runtime to share (several repositories, one store); opened from
            ``config`` and ``store_dir`` otherwise, and closed on exit.
        clock: now, in UTC.

    Raises:
        GitHubAuthError: no token.
        StoreError / SandboxError: the store or the sandbox could not be opened.
    """
    with ExitStack() as stack:
        if client is None:
            client = stack.enter_context(GitHubClient(api_url, token))
        if runtime is None:
            runtime = stack.enter_context(open_runtime(config, store_dir))
        yield GitHubLoop(
            client=client,
            runtime=runtime,
            config=config,
            settings=settings,
            token=token,
            agent=agent,
            clock=clock or utc_now,
        )
