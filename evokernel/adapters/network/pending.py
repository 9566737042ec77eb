"""Revokes that arrive before the capsule they revoke: kept, and applied when it arrives.

Messages cross the network in any order: a publisher's revoke can reach a node before the
bundle that carries the capsule (from the publisher, or forwarded by another peer). Refusing
it then would let the capsule in later, unrevoked. A verified revoke (trusted signer, good
signature) for an unknown capsule is kept as its signed message in
``<store>/pending-revokes/<message_id>.json``; every import then applies the pending revokes
whose capsule is now known, through ``apply_revocation`` again (all checks re-run, the
publisher check included), and deletes each file once it is applied or refused.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from evokernel.adapters.network.errors import MessageRefusedError, NetworkError
from evokernel.errors import AssetNotFoundError

logger = logging.getLogger(__name__)

PENDING_DIR = "pending-revokes"
"""Directory in the store directory that holds revokes waiting for their capsule."""

MAX_PENDING = 1000
"""Most revokes kept waiting; more are refused (a peer cannot fill the disk with them)."""

_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]{1,128}\Z")


def remember(store_dir: Path, message_id: str, raw: Mapping[str, Any]) -> Path:
    """Keep a verified revoke whose capsule is not here yet; returns its file.

    Raises:
        MessageRefusedError: the message id cannot name a file, or too many are waiting.
    """
    if not _SAFE_ID.match(message_id) or message_id.startswith("."):
        raise MessageRefusedError(f"revoke message id {message_id!r} is not a plain name")
    directory = store_dir / PENDING_DIR
    directory.mkdir(exist_ok=True)
    target = directory / f"{message_id}.json"
    if not target.exists() and len(list(directory.glob("*.json"))) >= MAX_PENDING:
        raise MessageRefusedError(f"{MAX_PENDING} revokes already wait for their capsule")
    fd, tmp = tempfile.mkstemp(prefix=".pending-", dir=directory)
    with os.fdopen(fd, "wb") as file:
        file.write(orjson.dumps(dict(raw)))
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, target)
    return target


def waiting(store_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The revokes waiting in ``store_dir``, oldest message id first (unreadable ones dropped)."""
    directory = store_dir / PENDING_DIR
    found: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            logger.warning("dropping unreadable pending revoke %s: %s", path, exc)
            path.unlink(missing_ok=True)
            continue
        if isinstance(data, dict):
            found.append((path, data))
    return found


def settle(path: Path, outcome: BaseException | None) -> None:
    """Forget a pending revoke once applied or refused; keep it while its capsule is absent."""
    if isinstance(outcome, AssetNotFoundError):
        return
    if isinstance(outcome, MessageRefusedError | NetworkError):
        logger.warning("pending revoke %s refused now that its capsule is here: %s", path, outcome)
    path.unlink(missing_ok=True)
