"""Options shared by several commands, so each means the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON (stdout) instead of a table.")
]
"""``--json``: print the library's return value as JSON."""

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Store directory (default: the configured store.path, .evokernel/store).",
        file_okay=False,
    ),
]
"""``--store PATH`` on a command; overrides the global ``--store`` and the configuration."""

GitRepoOption = Annotated[
    Path,
    typer.Option("--repo", help="The git repository to work on.", file_okay=False, exists=True),
]
"""``--repo PATH``: a local git repository (``run``, ``replay``, ``capture``, ``devloop``...)."""

RevOption = Annotated[str, typer.Option("--rev", help="Base revision.")]
"""``--rev REV``: the commit a task or a validation starts from."""

AgentOption = Annotated[
    str | None,
    typer.Option(
        "--agent",
        help='scripted:FILE, cmd:"COMMAND" or chat:MODEL; without it only stored '
        "capsules are tried (replay only).",
    ),
]
"""``--agent SPEC`` where an agent is optional (``devloop``, ``github run``)."""

TokenEnvOption = Annotated[
    str, typer.Option("--token-env", help="Environment variable that holds the token.")
]
"""``--token-env NAME``: a token is read from the environment, never from the command line."""

RepoStoreOption = Annotated[
    Path | None,
    typer.Option(
        "--repo",
        help="Read the store this repository's configuration names (the one `run --repo` uses).",
        file_okay=False,
        exists=True,
    ),
]
"""``--repo PATH`` on a store-reading command: find the store the way ``run --repo`` does."""
