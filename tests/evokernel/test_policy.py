"""Scope policy over a blast radius and touched paths."""

from __future__ import annotations

from evokernel.domain.models.feedback import NextAction, ReasonCode
from evokernel.domain.models.task import ScopeConstraints
from evokernel.domain.policy import PolicyLimit, check_scope
from sandbox import BlastRadius

SMALL_FIX = BlastRadius(files=["app/cart.py", "app/util.py"], lines_added=6, lines_removed=2)


def test_default_scope_lets_an_ordinary_fix_through() -> None:
    verdict = check_scope(SMALL_FIX, ScopeConstraints())
    assert verdict.ok and verdict.reason_code is None and verdict.limit is None


def test_paths_outside_allowed_globs_are_rejected() -> None:
    scope = ScopeConstraints(allowed_paths=["app/**"])
    radius = BlastRadius(files=["app/cart.py", "docs/index.md"], lines_added=1)
    verdict = check_scope(radius, scope)
    assert not verdict.ok
    assert verdict.reason_code is ReasonCode.REJECTED_BY_POLICY
    assert verdict.next_action is NextAction.REDUCE_SCOPE
    assert verdict.limit is PolicyLimit.ALLOWED_PATHS
    assert verdict.paths == ["docs/index.md"]
    assert "docs/index.md" in verdict.detail


def test_forbidden_globs_win_over_allowed_ones() -> None:
    scope = ScopeConstraints(forbidden_paths=["*.lock", ".github/**"])
    radius = BlastRadius(files=["app/cart.py", "deps/poetry.lock", ".github/workflows/ci.yml"])
    verdict = check_scope(radius, scope)
    assert verdict.limit is PolicyLimit.FORBIDDEN_PATHS
    assert verdict.paths == [".github/workflows/ci.yml", "deps/poetry.lock"]


def test_allowed_is_checked_before_forbidden() -> None:
    scope = ScopeConstraints(allowed_paths=["app/**"], forbidden_paths=["**/secrets.py"])
    radius = BlastRadius(files=["app/secrets.py", "lib/x.py"])
    assert check_scope(radius, scope).limit is PolicyLimit.ALLOWED_PATHS


def test_touched_paths_count_too() -> None:
    """The old side of a rename is not in the blast radius but was touched."""
    scope = ScopeConstraints(forbidden_paths=["migrations/**"])
    radius = BlastRadius(files=["app/new_name.py"], lines_added=1)
    verdict = check_scope(radius, scope, touched_paths=["./migrations/0001.py"])
    assert verdict.limit is PolicyLimit.FORBIDDEN_PATHS
    assert verdict.paths == ["migrations/0001.py"]


def test_too_many_files_then_too_many_lines() -> None:
    scope = ScopeConstraints(max_files=2, max_changed_lines=10)
    many = BlastRadius(files=["a.py", "b.py", "c.py"], lines_added=3)
    assert check_scope(many, scope).limit is PolicyLimit.MAX_FILES
    long = BlastRadius(files=["a.py"], lines_added=8, lines_removed=3)
    verdict = check_scope(long, scope)
    assert verdict.limit is PolicyLimit.MAX_CHANGED_LINES
    assert "11 lines" in verdict.detail
    exact = BlastRadius(files=["a.py", "b.py"], lines_added=5, lines_removed=5)
    assert check_scope(exact, scope).ok
