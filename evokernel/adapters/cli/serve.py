"""``evokernel serve``: run the node's HTTP server (``/metrics``, ``/healthz``, node API)."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from starlette.routing import BaseRoute

from evokernel.adapters.cli.network import DEFAULT_TOKEN_ENV, NodeDirOption, TofuOption
from evokernel.adapters.cli.options import StoreOption, TokenEnvOption
from evokernel.adapters.cli.render import stderr
from evokernel.adapters.cli.state import cli_state
from evokernel.adapters.network import network_routes, open_node_api
from evokernel.adapters.server import build_app
from evokernel.application.metrics import SandboxLatency, open_store_at_startup

DEFAULT_PORT = 8742
"""Port ``evokernel serve`` listens on when ``--port`` is not given."""

DEFAULT_HEADER_TIMEOUT_S = 10.0
"""Seconds a client may take to send a request's headers (``--header-timeout``)."""

KEEP_ALIVE_S = 5
"""Seconds an idle kept-alive connection stays open."""


def serve(
    ctx: typer.Context,
    store: StoreOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")
    ] = DEFAULT_PORT,
    token_env: TokenEnvOption = DEFAULT_TOKEN_ENV,
    node_dir: NodeDirOption = None,
    tofu: TofuOption = False,
    header_timeout: Annotated[
        float,
        typer.Option(
            "--header-timeout",
            min=0.1,
            help="Seconds a client may take to send a request's headers before it is dropped.",
        ),
    ] = DEFAULT_HEADER_TIMEOUT_S,
    no_node_api: Annotated[
        bool,
        typer.Option("--no-node-api", help="Serve only /metrics and /healthz (no token needed)."),
    ] = False,
) -> None:
    """Serve /metrics, /healthz and the node API until interrupted (Ctrl-C).

    /metrics and /healthz need no token; every /v1/network/... route needs
    `Authorization: Bearer <token>`, the token read from the variable named by
    --token-env. The node key comes from `evokernel network keygen`. The store is
    created if it does not exist yet.

    \b
    Example:
        export EVOKERNEL_NETWORK_TOKEN=$(openssl rand -hex 32)
        evokernel serve --port 8742
        curl -s 127.0.0.1:8742/healthz
    """
    import uvicorn

    from evokernel.adapters.server.deadline import header_deadline_protocol

    state = cli_state(ctx)
    store_dir = state.store_dir(store)
    token = "" if no_node_api else os.environ.get(token_env, "")
    if not no_node_api and not token:
        raise typer.BadParameter(
            f"set the node API's token in ${token_env} (or pass --no-node-api)",
            param_hint="--token-env",
        )
    startup = open_store_at_startup(store_dir)
    routes: list[BaseRoute] = []
    if token:
        node = node_dir.absolute() if node_dir else None
        routes += network_routes(open_node_api(store_dir, token, node_dir=node, tofu=tofu))
    app = build_app(
        store_dir, state.config.sandbox, routes=routes, latency=SandboxLatency(), startup=startup
    )
    stderr().print(f"serving {store_dir} on http://{host}:{port}", style="dim")
    # Logging is already configured by the CLI: uvicorn must not install its own.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=state.verbose > 0,
        http=header_deadline_protocol(header_timeout),
        timeout_keep_alive=KEEP_ALIVE_S,
    )
