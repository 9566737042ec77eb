"""How the node directory's JSON files (``peers.json``, ``cursors.json``) are written.

Each file is replaced whole: written to a temporary file beside it, then renamed over it, so
a reader sees the old file or the new one, never half of either. The directory is created
private (0700) before anything, lock files included, lands in it.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from evokernel.adapters.network.errors import NetworkError


def make_node_dir(directory: Path) -> None:
    """Create ``directory`` (mode 0700) if it does not exist.

    Raises:
        NetworkError: it cannot be created.
    """
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise NetworkError(f"{directory}: cannot create: {exc}") from exc


def replace_json(path: Path, value: BaseModel, what: str) -> None:
    """Replace ``path`` with ``value`` as indented JSON (call it under the file's lock).

    Raises:
        NetworkError: the file cannot be written (``what`` names it in the message).
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(value.model_dump_json(indent=2) + "\n")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise NetworkError(f"{path}: cannot write the {what}: {exc}") from exc
