"""``evokernel mcp``: serve EvoKernel's tools to MCP-capable agents (stdio or HTTP)."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evokernel.adapters.cli.errors import ExitCode
from evokernel.adapters.cli.options import StoreOption, TokenEnvOption
from evokernel.adapters.cli.render import stderr
from evokernel.adapters.cli.state import cli_state

if TYPE_CHECKING:  # the SDK is imported only when the command runs
    from mcp.server.mcpserver import MCPServer

DEFAULT_TOKEN_ENV = "EVOKERNEL_MCP_TOKEN"
"""Where ``evokernel mcp --transport http`` reads its bearer token from."""


class Transport(StrEnum):
    """How the MCP client talks to the server."""

    STDIO = "stdio"
    """Over the server's stdin and stdout (the client starts the server)."""
    HTTP = "http"
    """Streamable HTTP on ``--host``/``--port`` (clients connect to ``/mcp``)."""


def mcp(
    ctx: typer.Context,
    repo: Annotated[
        Path | None,
        typer.Option(
            "--repo",
            help="Serve this repository only (tools refuse paths outside it); default: the "
            "working directory, any repository.",
            file_okay=False,
            exists=True,
        ),
    ] = None,
    transport: Annotated[
        Transport, typer.Option("--transport", help="stdio (default) or streamable http.")
    ] = Transport.STDIO,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to bind (http); beyond loopback a token is needed."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (http).")] = 8743,
    token_env: TokenEnvOption = DEFAULT_TOKEN_ENV,
    kernels: Annotated[
        int, typer.Option("--kernels", min=1, max=64, help="Tool calls that may run at once.")
    ] = 4,
    store: StoreOption = None,
) -> None:
    """Serve replay, validate, capture, search and status as MCP tools.

    With --transport stdio (the default) an agent starts this command itself;
    see docs/mcp.md for the `mcpServers` entry. With --transport http the
    server listens on http://HOST:PORT/mcp; bound beyond loopback it needs a
    bearer token, read from the variable named by --token-env.

    \b
    Example:
        evokernel mcp --repo .
        EVOKERNEL_MCP_TOKEN=$(openssl rand -hex 32) evokernel mcp --transport http --port 8743
    """
    try:
        from evokernel.adapters.mcpserver import EvoTools, KernelPool, build_server, check_binding
    except ModuleNotFoundError as exc:
        if exc.name != "mcp" and not (exc.name or "").startswith("mcp."):
            raise
        stderr().print(
            "evokernel mcp needs the mcp extra: pip install 'evokernel-runtime[mcp]'", style="red"
        )
        raise typer.Exit(ExitCode.BAD_INPUT) from exc

    state = cli_state(ctx)
    root = (repo or Path.cwd()).absolute()
    config = state.config_for(root, os.environ)
    store_dir = store.absolute() if store is not None else config.store.path.absolute()
    token = os.environ.get(token_env, "") if transport is Transport.HTTP else ""
    if transport is Transport.HTTP:
        check_binding(host, token, token_env)
    from evokernel.application.runtime import exclude_from_git
    from store import EventLog

    EventLog.open(store_dir).close()  # create it now: the readers need a log to read
    exclude_from_git(store_dir)
    tools = EvoTools(
        config,
        store_dir,
        root,
        confined=repo is not None,
        config_for=lambda path: state.config_for(path, os.environ),
        pool=KernelPool(config, store_dir, size=kernels),
    )
    try:
        server = build_server(tools)
        if transport is Transport.STDIO:
            server.run("stdio")
        else:
            _serve_http(server, host, port, token, verbose=state.verbose > 0)
            stderr().print(f"stopped serving {store_dir}", style="dim")
    finally:
        tools.close()


def _serve_http(server: MCPServer, host: str, port: int, token: str, *, verbose: bool) -> None:
    import uvicorn

    from evokernel.adapters.mcpserver import BearerAuth

    app = server.streamable_http_app(host=host)
    asgi = BearerAuth(app, token) if token else app
    stderr().print(f"serving MCP on http://{host}:{port}/mcp", style="dim")
    # Logging is already configured by the CLI: uvicorn must not install its own.
    uvicorn.run(asgi, host=host, port=port, log_config=None, access_log=verbose)
