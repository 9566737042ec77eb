"""Content identity of diffs and environment fingerprints of validations."""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Callable
from pathlib import Path

from evokernel.domain.models import EnvFingerprint
from sandbox import Receipt
from store import sha256_hex

LOCKFILES = (
    "requirements.txt",
    "requirements-dev.txt",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "pdm.lock",
    "package-lock.json",
    "yarn.lock",
    "Cargo.lock",
    "go.sum",
)
"""Files whose content pins dependencies; their hashes go into the env fingerprint."""


def normalized_diff(diff: str) -> str:
    """The diff without noise that does not change its effect (``index`` lines, trailing
    spaces and tabs). Carriage returns are kept: a CRLF change is not the LF one (patches are
    bytes), so a fix captured from CRLF files is a capsule of its own."""
    lines = diff.split("\n")
    kept = [line.rstrip(" \t") for line in lines if not line.startswith("index ")]
    return "\n".join(kept).strip(" \t\n") + "\n"


def diff_hash(diff: str) -> str:
    """sha256 of the normalized diff: the same change hashes the same wherever it came from."""
    return sha256_hex(normalized_diff(diff).encode("utf-8", "surrogateescape"))


def file_at(repo: Path, rev: str, path: str) -> bytes | None:
    """The content of ``path`` at ``rev`` (``None`` when absent), without touching the tree."""
    done = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=repo, capture_output=True, timeout=30, check=False
    )
    return done.stdout if done.returncode == 0 else None


def file_reader(repo: Path, rev: str) -> Callable[[str], bytes | None]:
    """``file_at`` for one revision, remembering what it read (a traceback names few files,
    often many times)."""
    cache: dict[str, bytes | None] = {}

    def read(path: str) -> bytes | None:
        if path not in cache:
            cache[path] = file_at(repo, rev, path) if path and not path.startswith("-") else None
        return cache[path]

    return read


def lockfile_hashes(repo: Path, rev: str) -> dict[str, str]:
    """sha256 of each known lockfile at the repository root at ``rev`` (absent ones skipped).

    One ``git ls-tree`` says which are there, so a repository without lockfiles costs one
    process, not one per known lockfile name.
    """
    listed = subprocess.run(
        ["git", "ls-tree", "--name-only", rev, "--", *LOCKFILES],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    present = set(listed.stdout.split()) if listed.returncode == 0 else set(LOCKFILES)
    hashes: dict[str, str] = {}
    for name in LOCKFILES:
        content = file_at(repo, rev, name) if name in present else None
        if content is not None:
            hashes[name] = sha256_hex(content)
    return hashes


def env_fingerprint(repo: Path, rev: str, receipt: Receipt) -> EnvFingerprint:
    """The environment a receipt was produced in: image, lockfiles, os and arch."""
    return EnvFingerprint(
        image_id=receipt.image_id,
        lockfile_hashes=lockfile_hashes(repo, rev),
        os="linux" if receipt.isolated else platform.system().lower(),
        arch=platform.machine(),
    )
