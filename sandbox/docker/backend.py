"""``DockerSandbox``: the Docker backend behind the ``Sandbox`` interface.

The sandbox owns the machinery (engine client, warm pool, event follower, workspace transfer,
reaping); a session (``session.DockerSession``) is one single-use container with a workspace
in it. Neither parses tests nor judges: that is the validator's job.
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import Any

from sandbox.base import Sandbox
from sandbox.config import DockerSandboxConfig
from sandbox.docker._engine import Engine
from sandbox.docker.events import ContainerEvents
from sandbox.docker.isolation import (
    SETUP_USER,
    ContainerUser,
    IdleProcess,
    PoolKey,
    container_options,
)
from sandbox.docker.labels import Owner, container_labels
from sandbox.docker.pool import WarmContainer, WarmPool
from sandbox.docker.primer import prime
from sandbox.docker.reaper import reap_orphans
from sandbox.docker.remover import ContainerRemover
from sandbox.docker.session import DockerSession
from sandbox.docker.transfer import Transfer, choose_transfer
from sandbox.errors import SandboxError, SessionError
from sandbox.models import SessionSpec

_log = logging.getLogger(__name__)

_PRIME_TIMEOUT_S = 10.0
"""How long a new pool container's waiter may take to announce itself."""


class DockerSandbox(Sandbox):
    """Isolated sessions in single-use containers, served from a warm pool.

    Starting it reaps containers left by dead runners on this host, subscribes to the engine's
    events, and begins warming ``config.pool_size`` containers for the default image and limits.

    Args:
        config: backend settings; ``DockerSandboxConfig()`` when ``None``.
        client: a ``docker.DockerClient`` to use (not closed by us); one is created from
            ``config.base_url`` (or the SDK's environment defaults) when ``None``.
        run_id: written into the ``evokernel.run_id`` label of every container started.

    Raises:
        EngineUnavailableError: the engine does not answer.
        SandboxConfigError: the configured user is not a numeric non-root uid[:gid].
    """

    name = "docker"
    isolates = True

    def __init__(
        self,
        config: DockerSandboxConfig | None = None,
        client: Any = None,
        *,
        run_id: str | None = None,
    ) -> None:
        self.config = config or DockerSandboxConfig()
        self._user = ContainerUser.parse(self.config.user)
        self._run_id = run_id
        self._owner = Owner.current()
        self._lock = threading.Lock()
        self._sessions: dict[str, DockerSession] = {}
        self._key_locks: dict[str, threading.Lock] = {}
        self._no_python: set[str] = set()
        self._closed = False
        self._events: ContainerEvents | None = None
        self._pool: WarmPool | None = None
        self._transfer: Transfer | None = None
        self._remover: ContainerRemover | None = None
        if client is not None:
            self.engine = Engine(client)
        else:
            self.engine = Engine.connect(self.config.base_url, self.config.engine_timeout_s)
        atexit.register(self.close)
        try:
            self.reaped: list[str] = reap_orphans(self.engine, self._owner)
            """Ids of containers of dead runners removed at start."""
            self._events = ContainerEvents(self.engine)
            self._remover = ContainerRemover(self._remove_container)
            self._transfer = choose_transfer(
                self.config.transfer,
                self.engine,
                self._user,
                slots_dir=self.config.slots_dir,
                cap=self.config.disk_cap,
            )
            self._pool = WarmPool(
                self._start_primed_container,
                self._remove_container,
                size=self.config.pool_size,
                is_dead=self._events.is_dead,
            )
            self._pool.warm(self.default_key)
        except BaseException:
            self.close()
            raise

    @property
    def default_key(self) -> PoolKey:
        """The pool key of a default session: configured image and limits, no network."""
        return PoolKey.from_limits(self.config.image, self.config.limits)

    @property
    def transfer_mode(self) -> str:
        """``bind`` or ``archive``: how workspaces reach containers on this engine."""
        return self._transfer.mode if self._transfer is not None else "none"

    def open(self, spec: SessionSpec) -> DockerSession:
        """Start a session: a warm container if one is ready, else a fresh one.

        Raises:
            EngineUnavailableError: the engine cannot be reached.
            ImageNotFoundError: the image is absent (it is never pulled).
            SessionError: the workspace is not a directory, or the container failed.
        """
        return self._open(PoolKey.for_spec(spec, self.config.image), spec, pooled=True)

    def open_setup(self, spec: SessionSpec) -> DockerSession:
        """Start an unpooled session for env-image setup stages whose result is committed (see
        ``envimage``): a writable root filesystem, and root with ``SETUP_CAPABILITIES`` so that
        a stage can install system packages. Everything else is as in ``open``."""
        key = PoolKey.for_spec(spec, self.config.image, writable_root=True, setup=True)
        return self._open(key, spec, pooled=False)

    def image_id(self, image: str | None = None) -> str | None:
        """The id (``sha256:...``) of ``image`` or the configured image; ``None`` if absent."""
        info = self.engine.inspect_image(image or self.config.image)
        return None if info is None else str(info["Id"])

    def wait_until_warm(self, timeout_s: float = 60.0) -> bool:
        """Block until the default key's pool is full; false at the deadline, with no pool, or
        while its containers fail to start (``pool_error`` says why)."""
        if self._pool is None or self._pool.size <= 0:
            return False
        return self._pool.wait_until_warm(self.default_key, timeout_s)

    def pool_status(self) -> dict[str, int]:
        """Idle warm containers per image (for doctor)."""
        counts: dict[str, int] = {}
        if self._pool is not None:
            for key, idle in self._pool.idle_counts().items():
                counts[key.image] = counts.get(key.image, 0) + idle
        return counts

    def pool_stats(self) -> dict[str, int]:
        """Counts since start: sessions served by a warm container (``warm_hits``) or by one
        started for them (``cold_starts``), and spent containers removed in the background
        (``removed_in_background``) or by the closing session (``removed_inline``)."""
        stats = {"warm_hits": 0, "cold_starts": 0, "removed_in_background": 0}
        stats["removed_inline"] = 0
        if self._pool is not None:
            stats["warm_hits"], stats["cold_starts"] = self._pool.hits, self._pool.misses
        if self._remover is not None:
            stats["removed_in_background"] = self._remover.queued_total
            stats["removed_inline"] = self._remover.inline_total
        return stats

    def drain_removals(self) -> None:
        """Block until every closed session's container is removed (they go in the
        background, see ``remover``)."""
        if self._remover is not None:
            self._remover.drain()

    @property
    def pool_error(self) -> SandboxError | None:
        """The last failure to start a warm container, or ``None`` (for doctor)."""
        return self._pool.last_error if self._pool is not None else None

    def __enter__(self) -> DockerSandbox:
        return self

    def key_lock(self, key: str) -> threading.Lock:
        """A lock per key in this backend, so two threads do not build the same env image."""
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def close(self) -> None:
        """Remove every container this backend started (sessions and pool) and its slots.

        Idempotent; also runs at interpreter exit. Failures are logged, not raised, so that a
        close during an exception does not hide it; the next start reaps what is left.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            sessions = list(self._sessions.values())
        atexit.unregister(self.close)
        for session in sessions:
            session.close()
        if self._pool is not None:
            self._pool.close()
        if self._remover is not None:
            self._remover.close()  # waits for every queued removal: no container outlives us
        if self._events is not None:
            self._events.close()
        if self._transfer is not None:
            self._transfer.close()
        self.engine.close()

    def _open(self, key: PoolKey, spec: SessionSpec, *, pooled: bool) -> DockerSession:
        pool, events, transfer = self._pool, self._events, self._transfer
        if self._closed or pool is None or events is None or transfer is None:
            raise SessionError("DockerSandbox is closed")
        if not spec.workspace.is_dir():
            raise SessionError(f"workspace {spec.workspace} is not a directory")
        warm = pool.take(key) if pooled else None
        if warm is None:
            warm = self._start_container(key)  # a bad image fails here, before it is warmed
        if pooled:
            pool.warm(key)
        session = DockerSession(
            engine=self.engine,
            events=events,
            transfer=transfer,
            user=self._user_for(key),
            warm=warm,
            spec=spec,
            release=self._release,
        )
        with self._lock:
            closing = self._closed
            if not closing:
                self._sessions[warm.id] = session
        if closing:  # close() ran meanwhile and did not see this session
            self._remove_container(warm)
            raise SessionError("DockerSandbox is closed")
        try:
            transfer.upload(warm, spec.workspace)
        except BaseException:
            session.close()
            raise
        return session

    def _start_container(self, key: PoolKey) -> WarmContainer:
        """Start a container for ``key``; pid 1 is Python, or a shell if the image has none."""
        idle = IdleProcess.SHELL if key.image in self._no_python else IdleProcess.PYTHON
        try:
            return self._start_with(key, idle)
        except SessionError as exc:
            if idle is IdleProcess.SHELL or "executable file not found" not in str(exc):
                raise
        _log.info("image %s has no python3: pid 1 is a shell loop", key.image)
        self._no_python.add(key.image)
        return self._start_with(key, IdleProcess.SHELL)

    def _start_with(self, key: PoolKey, idle: IdleProcess) -> WarmContainer:
        if self._transfer is None:
            raise SessionError("DockerSandbox is closed")
        mount, slot = self._transfer.new_mount(key.workdir)
        labels = container_labels(
            self._owner, pool_key=key.digest(), run_id=self._run_id, slot=slot
        )
        create, host = container_options(
            key, user=self._user_for(key), labels=labels, workspace=mount, idle=idle
        )
        try:
            # Created from the id read here, so the receipt's ``image_id`` is the image the
            # commands ran in, without asking the engine again on the validation's path.
            info = self.engine.inspect_image(key.image)
            image_id = None if info is None else str(info["Id"])
            host_config = self.engine.host_config(**host)
            container_id = self.engine.create_container(
                image=image_id or key.image, host_config=host_config, **create
            )
            try:
                self.engine.start(container_id)
            except BaseException:
                self.engine.remove(container_id)
                raise
        except BaseException:
            self._transfer.discard(slot)
            raise
        return WarmContainer(id=container_id, key=key, slot=slot, idle=idle, image_id=image_id)

    def _user_for(self, key: PoolKey) -> ContainerUser:
        """Root for a setup container, else the configured sandbox user."""
        return SETUP_USER if key.setup else self._user

    def _start_primed_container(self, key: PoolKey) -> WarmContainer:
        """Start a container for the pool, with a waiter primed for its first command."""
        warm = self._start_container(key)
        if key.image not in self._no_python:
            try:
                warm.primed = prime(
                    self.engine, warm.id, user=str(self._user), timeout_s=_PRIME_TIMEOUT_S
                )
            except BaseException:
                self._remove_container(warm)
                raise
            if warm.primed is None:
                _log.warning("container %s: the first-command waiter did not start", warm.id[:12])
        return warm

    def _remove_container(self, warm: WarmContainer) -> None:
        if warm.primed is not None:
            warm.primed.close()
            warm.primed = None
        try:
            self.engine.remove(warm.id)
        except SandboxError as exc:
            _log.warning("could not remove container %s: %s", warm.id[:12], exc)
        if self._events is not None:
            self._events.forget(warm.id)
        if self._transfer is not None:
            self._transfer.discard(warm.slot)

    def _release(self, session: DockerSession) -> None:
        """A closed session's container goes to the background remover: it left the pool when
        the session opened, so nothing can take it again while it waits."""
        with self._lock:
            self._sessions.pop(session.container_id, None)
        if self._remover is not None:
            self._remover.submit(session.warm)
        else:
            self._remove_container(session.warm)
