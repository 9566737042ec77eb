"""The node's HTTP app: ``/metrics``, ``/healthz`` and the node API, in one Starlette app.

Who may call what:

- ``GET /metrics`` and ``GET /healthz`` need no token. They expose aggregate figures and
  check results, never assets, and scrapers and probes should not have to hold a secret.
  Keep the default bind address (127.0.0.1), or put the server behind a proxy, where these
  figures must stay private.
- Every node API route (``/v1/network/...``, from ``evokernel.adapters.network.network_routes``)
  requires ``Authorization: Bearer <token>`` and checks it itself: 401 without one, 403 with
  a wrong one.

Store and engine work runs in Starlette's thread pool (the endpoints are plain functions),
never on the event loop. Metrics come from a ``LiveView`` that folds only new records on
each scrape; nothing here writes to the store.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from evokernel.application.metrics import (
    CONTENT_TYPE,
    LiveView,
    SandboxLatency,
    StartupCheck,
    check_health,
    metrics_registry,
    render_metrics,
    render_unhealthy_store,
    snapshot_from_view,
)
from evokernel.application.projection import read_append_latency
from evokernel.errors import EvoKernelError
from sandbox import ClientFactory, DockerSandboxConfig, LocalSandboxConfig
from store import StoreError

logger = logging.getLogger(__name__)


def build_app(
    store_dir: Path,
    sandbox_config: DockerSandboxConfig | LocalSandboxConfig,
    *,
    routes: Sequence[BaseRoute] = (),
    latency: SandboxLatency | None = None,
    client_factory: ClientFactory | None = None,
    startup: StartupCheck | None = None,
) -> Starlette:
    """The app of the node whose store is ``store_dir``.

    Args:
        store_dir: the node's store (read by ``/metrics`` and ``/healthz``).
        sandbox_config: the sandbox backend ``/healthz`` checks.
        routes: more routes, e.g. ``network_routes(open_node_api(store_dir, token))``; they
            guard themselves with the bearer token.
        latency: sandbox latency measured in this process, shown in ``/metrics``.
        client_factory: engine clients for ``/healthz`` (the configured engine by default).
        startup: what opening the store at start-up found (``open_store_at_startup``);
            ``/healthz`` reports it as the ``store_startup`` check.
    """
    live = LiveView(store_dir)
    registry = metrics_registry(
        lambda: snapshot_from_view(live.current(), latency, read_append_latency(store_dir))
    )

    def metrics(request: Request) -> Response:
        try:
            body = render_metrics(registry)
        except (StoreError, EvoKernelError) as exc:
            # Still an answer a scraper can read: the health gauge at 0, the counters left out.
            logger.warning("/metrics: the store cannot be read: %s", exc)
            return Response(render_unhealthy_store(), media_type=CONTENT_TYPE)
        return Response(body, media_type=CONTENT_TYPE)

    def healthz(request: Request) -> Response:
        extra = [startup.check()] if startup is not None else []
        report = check_health(store_dir, sandbox_config, client_factory=client_factory, extra=extra)
        return Response(
            orjson.dumps(report.model_dump(mode="json")),
            status_code=report.http_status,
            media_type="application/json",
        )

    return Starlette(
        routes=[
            Route("/metrics", metrics, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            *routes,
        ]
    )
