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
