"""Rebased variants: a capsule's diff as it applied on another tree, tried strictly first.

When a replay validates through a looser rung (relocated, symbol-anchored, a moved file...),
the diff as applied there differs from the stored one. It is kept as a ``RebasedVariant`` of
the capsule, so the next replay on that code line finds a variant that applies strictly (a
``git apply --check`` on a throw-away index, milliseconds) and never walks the ladder again.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from evokernel.domain.models import RebasedVariant
from evokernel.domain.models.patchtext import patch_bytes
from evokernel.domain.views import CapsuleView
from store import sha256_hex


def patch_key(diff: str) -> str:
    """sha256 of a patch's exact bytes without its ``index`` lines (blob ids say nothing of
    the change): two diffs with the same key change the same lines, byte for byte."""
    kept = [line for line in patch_bytes(diff).split(b"\n") if not line.startswith(b"index ")]
    return sha256_hex(b"\n".join(kept))


def applies_strictly(repo: Path, base_rev: str, diff: str) -> bool:
    """Whether ``diff`` applies to ``base_rev`` exactly as written (no worktree touched)."""
    with tempfile.TemporaryDirectory(prefix="evokernel-index-") as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        read = subprocess.run(
            ["git", "read-tree", base_rev], cwd=repo, env=env, capture_output=True, check=False
        )
        if read.returncode != 0:
            return False
        check = subprocess.run(
            ["git", "apply", "--cached", "--check", "-"],
            cwd=repo,
            env=env,
            input=patch_bytes(diff),
            capture_output=True,
            timeout=60,
            check=False,
        )
        return check.returncode == 0


def strict_variant(capsule: CapsuleView, repo: Path, base_rev: str) -> RebasedVariant | None:
    """The variant to replay on ``base_rev``: one validated on that very revision, else the
    newest that applies strictly; ``None`` when none does (the stored diff is tried)."""
    ordered = sorted(
        capsule.variants,
        key=lambda v: (v.base_rev != base_rev, -capsule.variants.index(v)),
    )
    for variant in ordered:
        if applies_strictly(repo, base_rev, variant.diff):
            return variant
    return None


def is_new_variant(capsule: CapsuleView, applied_diff: str) -> bool:
    """Whether ``applied_diff`` differs from the capsule's diff and every known variant."""
    key = patch_key(applied_diff)
    if key == patch_key(capsule.capsule.diff):
        return False
    return all(patch_key(v.diff) != key for v in capsule.variants)
