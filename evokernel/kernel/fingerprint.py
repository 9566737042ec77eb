"""Content identity of diffs and environment fingerprints of validations."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path

from evokernel.models import EnvFingerprint
from sandbox.receipt import Receipt
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
    """The diff without noise that does not change its effect (``index`` lines, trailing space)."""
    kept = [line.rstrip() for line in diff.splitlines() if not line.startswith("index ")]
    return "\n".join(kept).strip() + "\n"


def diff_hash(diff: str) -> str:
    """sha256 of the normalized diff: the same change hashes the same wherever it came from."""
    return sha256_hex(normalized_diff(diff).encode())


def lockfile_hashes(repo: Path, rev: str) -> dict[str, str]:
    """sha256 of each known lockfile at the repository root at ``rev`` (absent ones skipped)."""
    hashes: dict[str, str] = {}
    for name in LOCKFILES:
        done = subprocess.run(
            ["git", "show", f"{rev}:{name}"], cwd=repo, capture_output=True, timeout=30, check=False
        )
        if done.returncode == 0:
            hashes[name] = sha256_hex(done.stdout)
    return hashes


def env_fingerprint(repo: Path, rev: str, receipt: Receipt) -> EnvFingerprint:
    """The environment a receipt was produced in: image, lockfiles, os and arch."""
    return EnvFingerprint(
        image_id=receipt.image_id,
        lockfile_hashes=lockfile_hashes(repo, rev),
        os="linux" if receipt.isolated else platform.system().lower(),
        arch=platform.machine(),
    )
