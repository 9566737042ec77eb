"""Scope policy: does a change stay within the task's allowed paths and size limits?

Checked in a fixed order, and the first limit broken is reported: allowed paths, forbidden
paths (checked after allowed ones), number of files, changed lines. The defaults of
``ScopeConstraints`` (``**`` allowed, nothing forbidden, 20 files, 500 lines) let ordinary
small code fixes through. Globs follow ``evokernel.domain.globs`` (``**`` spans directories; a
pattern without ``/`` matches at any depth).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import Field

from evokernel.domain.globs import match_any, normalize_repo_path
from evokernel.domain.models import Model
from evokernel.domain.models.feedback import NextAction, ReasonCode
from evokernel.domain.models.task import ScopeConstraints
from sandbox import BlastRadius

_LISTED = 5


class PolicyLimit(StrEnum):
    """Which scope limit a change broke."""

    ALLOWED_PATHS = "allowed_paths"
    """A path matches none of the allowed globs."""
    FORBIDDEN_PATHS = "forbidden_paths"
    """A path matches a forbidden glob."""
    MAX_FILES = "max_files"
    """Too many files changed."""
    MAX_CHANGED_LINES = "max_changed_lines"
    """Too many lines added plus removed."""


class PolicyVerdict(Model):
    """The scope decision on one change."""

    ok: bool
    """True when the change is within every limit."""
    reason_code: ReasonCode | None = None
    """``REJECTED_BY_POLICY`` when not ok."""
    next_action: NextAction = NextAction.NONE
    """``REDUCE_SCOPE`` when not ok."""
    limit: PolicyLimit | None = None
    """The first limit broken."""
    detail: str = ""
    """One sentence: what was over the limit, and the limit."""
    paths: list[str] = Field(default_factory=list)
    """Offending paths (for path limits), sorted."""


def _reject(limit: PolicyLimit, detail: str, paths: Iterable[str] = ()) -> PolicyVerdict:
    return PolicyVerdict(
        ok=False,
        reason_code=ReasonCode.REJECTED_BY_POLICY,
        next_action=NextAction.REDUCE_SCOPE,
        limit=limit,
        detail=detail,
        paths=sorted(paths),
    )


def _listed(paths: list[str]) -> str:
    more = f" and {len(paths) - _LISTED} more" if len(paths) > _LISTED else ""
    return ", ".join(paths[:_LISTED]) + more


def check_scope(
    blast_radius: BlastRadius, scope: ScopeConstraints, touched_paths: Iterable[str] = ()
) -> PolicyVerdict:
    """Check a change against ``scope``.

    ``touched_paths`` adds paths the blast radius may not list (the old side of a rename,
    deleted files, paths named by the diff before it was applied).
    """
    paths = sorted({normalize_repo_path(p) for p in [*blast_radius.files, *touched_paths] if p})
    outside = [p for p in paths if match_any(p, scope.allowed_paths) is None]
    if outside:
        allowed = ", ".join(scope.allowed_paths) or "(none)"
        return _reject(
            PolicyLimit.ALLOWED_PATHS,
            f"outside the allowed paths ({allowed}): {_listed(outside)}",
            outside,
        )
    forbidden = [p for p in paths if match_any(p, scope.forbidden_paths) is not None]
    if forbidden:
        return _reject(
            PolicyLimit.FORBIDDEN_PATHS, f"forbidden paths touched: {_listed(forbidden)}", forbidden
        )
    if len(paths) > scope.max_files:
        return _reject(
            PolicyLimit.MAX_FILES, f"{len(paths)} files changed; the limit is {scope.max_files}"
        )
    if blast_radius.changed_lines > scope.max_changed_lines:
        return _reject(
            PolicyLimit.MAX_CHANGED_LINES,
            f"{blast_radius.changed_lines} lines changed; the limit is {scope.max_changed_lines}",
        )
    return PolicyVerdict(ok=True)
