"""Applying a diff to a worktree through a re-anchoring ladder, and saying which rung applied.

Agents and replays produce diffs against slightly different code than the one at hand: a later
release where the function moved down, a context line changed, the module became a package.
The ladder, each rung tried only when the one before failed, each all-or-nothing:

1. ``strict``: ``git apply`` exactly as written.
2. ``already_applied``: the reverse applies cleanly (with ``git apply``, or by content: every
   postimage found once and no preimage), so the change is already there; nothing is written
   (recognised before looser rungs, which could apply it twice).
3. ``relocate``: each hunk's preimage (context and removed lines) found by content anywhere in
   the file, header line numbers and start/end-of-file pinning ignored; exactly one match.
4. ``reduced_context``: up to 2 context lines dropped per side (GNU patch's fuzz 2, never
   more), fewest first, with the same unique-match rule.
5. ``symbol``: for Python, the hunk's enclosing function or class (qualified name) is found
   in the target with ``ast`` and the hunk placed inside that span only, re-indented to it
   (a function that became a method).
6. ``three_way``: ``git apply --3way``, a merge using the blobs the diff names.

A hunk whose preimage matches more than once at a rung is refused at that rung (the attempt's
detail says where), so a patch never lands on a look-alike line in another function. Rungs 3-5
also look for a file whose path is gone (or whose code left it) in the other tracked files of
the same kind: exactly one must take every hunk, and ``ApplyResult.path_map`` records it.
Path safety is not checked here; call ``pathsafety.check_diff`` first.
"""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict, Field

from sandbox._diffnames import DiffSyntaxError
from sandbox._git import NO_HOOKS, GitResult, check_git, run_git
from sandbox._unidiff import ParsedPatch, parse_patch, patch_bytes
from sandbox.errors import PatchApplyError, WorkspaceError
from sandbox.reanchor import Method, RungOutcome, Tree, already_applied, apply_rung

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
_DETAIL_CAP = 2000


class ApplyStep(StrEnum):
    """Which rung of the ladder applied the diff."""

    STRICT = "strict"
    """``git apply`` as written."""
    ALREADY_APPLIED = "already_applied"
    """The change was already present (the reverse applies); nothing was written."""
    RELOCATE = "relocate"
    """Each hunk's whole preimage found once by content, wherever it now is."""
    REDUCED_CONTEXT = "reduced_context"
    """At most 2 context lines per side dropped, the rest found once by content."""
    SYMBOL = "symbol"
    """Placed inside its enclosing Python function or class, found by qualified name."""
    THREE_WAY = "three_way"
    """``git apply --3way``."""


_GIT_FIRST: tuple[tuple[ApplyStep, tuple[str, ...]], ...] = (
    (ApplyStep.STRICT, ()),
    (ApplyStep.ALREADY_APPLIED, ("--reverse", "--check")),
)
_CONTENT_RUNGS: tuple[tuple[ApplyStep, Method], ...] = (
    (ApplyStep.RELOCATE, Method.RELOCATE),
    (ApplyStep.REDUCED_CONTEXT, Method.REDUCED_CONTEXT),
    (ApplyStep.SYMBOL, Method.SYMBOL),
)


class ApplyAttempt(BaseModel):
    """One rung tried."""

    model_config = _MODEL_CONFIG

    step: ApplyStep
    """The rung."""
    ok: bool
    """Whether it applied (or, for ``already_applied``, whether the reverse check passed)."""
    detail: str = ""
    """Why it did not (git's complaint, or which hunk was not found or was ambiguous), or
    notes on how it did (a moved file); capped."""


class ApplyResult(BaseModel):
    """How a diff was applied."""

    model_config = _MODEL_CONFIG

    step: ApplyStep
    """The rung that applied."""
    attempts: list[ApplyAttempt] = Field(default_factory=list)
    """Every rung tried, in order, the successful one last."""
    path_map: dict[str, str] = Field(default_factory=dict)
    """Files that applied elsewhere: path in the diff -> path in this tree (a module moved
    into a package, a ``src/`` layout). Empty when every file applied at its own path."""


def apply_patch(
    worktree: Path,
    diff: bytes | str,
    *,
    timeout_s: float = 120.0,
    parsed: ParsedPatch | None = None,
    known_clean: bool = False,
) -> ApplyResult:
    """Apply ``diff`` to a clean worktree through the ladder.

    Args:
        worktree: a git worktree with no uncommitted changes to tracked files.
        diff: a unified diff (``a/`` and ``b/`` prefixes, as ``git diff`` writes), as bytes or
            as text whose non-UTF-8 bytes are surrogate escapes; every byte is kept.
        timeout_s: deadline for each git command.
        parsed: ``parse_patch(diff)`` when the caller already has it (parsed once per apply).
        known_clean: the caller has just created ``worktree`` at its HEAD and changed nothing,
            so the check for local changes (a git process) is skipped.

    Returns:
        The rung that applied, every attempt, and moved files. Changes are left unstaged in
        the worktree; files the diff adds are untracked.

    Raises:
        PatchApplyError: no rung applied; ``attempts`` lists what each rung said.
        WorkspaceError: the worktree has local changes or git could not run.
    """
    dirty = "" if known_clean else check_git(worktree, "status", "--porcelain", "-uno")
    if dirty.strip():
        raise WorkspaceError(f"worktree {worktree} has local changes; apply needs a clean one")
    raw = patch_bytes(diff)
    if parsed is None:
        try:
            parsed = parse_patch(raw)
        except DiffSyntaxError:
            parsed = ParsedPatch(raw=raw)  # git's rungs still say what they make of it
    # Every line of a diff ends in a newline (a file without one says so with "\ No newline");
    # a last line cut short is completed for git, which our parser does too.
    for_git = raw if raw.endswith(b"\n") else raw + b"\n"
    attempts: list[ApplyAttempt] = []
    with tempfile.TemporaryFile() as patch_file:
        patch_file.write(for_git)
        tree = Tree(worktree, timeout_s)
        for step, options in _GIT_FIRST:
            result = _git_apply(worktree, patch_file, options, timeout_s)
            ok = result.ok or (step is ApplyStep.ALREADY_APPLIED and already_applied(tree, parsed))
            detail = "the reverse diff relocates by content" if ok and not result.ok else ""
            attempts.append(ApplyAttempt(step=step, ok=ok, detail=detail or _detail(result)))
            if ok:
                return ApplyResult(step=step, attempts=attempts)
        for step, method in _CONTENT_RUNGS:
            outcome = apply_rung(tree, parsed, method)
            attempts.append(ApplyAttempt(step=step, ok=outcome.ok, detail=_cap(outcome.detail)))
            if outcome.ok:
                _write(worktree, outcome, timeout_s)
                return ApplyResult(step=step, attempts=attempts, path_map=outcome.path_map)
        if parsed.files and not _has_base_blob(tree, parsed):
            # Without a base blob git's --3way only repeats the strict apply that failed.
            skipped = "skipped: the repository has none of the diff's base blobs"
            attempts.append(ApplyAttempt(step=ApplyStep.THREE_WAY, ok=False, detail=skipped))
        else:
            result = _git_apply(worktree, patch_file, ("--3way",), timeout_s)
            three_way = ApplyAttempt(step=ApplyStep.THREE_WAY, ok=result.ok, detail=_detail(result))
            attempts.append(three_way)
            if result.ok:
                check_git(worktree, "reset", "-q", timeout_s=timeout_s)  # unstage
                return ApplyResult(step=ApplyStep.THREE_WAY, attempts=attempts)
            # A conflicted merge leaves markers and unmerged entries; restore HEAD.
            check_git(worktree, *NO_HOOKS, "reset", "-q", "--hard", timeout_s=timeout_s)
    summary = "; ".join(
        f"{a.step}: {a.detail.splitlines()[0] if a.detail else 'failed'}" for a in attempts
    )
    raise PatchApplyError(
        f"no rung of the apply ladder applied the diff ({summary})",
        attempts=[f"{a.step}: {a.detail}" for a in attempts],
    )


def _write(worktree: Path, outcome: RungOutcome, timeout_s: float) -> None:
    """Write a rung's files; if the disk refuses midway, put the tree back and say so."""
    created: list[Path] = []
    try:
        for path, data in outcome.writes.items():
            target = worktree / path
            if data is None:
                target.unlink()
                continue
            if not target.exists():
                created.append(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for path, mode in outcome.modes.items():
            executable = mode == "100755"
            current = os.stat(worktree / path).st_mode
            os.chmod(worktree / path, current | 0o111 if executable else current & ~0o111)
    except OSError as exc:
        check_git(worktree, *NO_HOOKS, "reset", "-q", "--hard", timeout_s=timeout_s)
        for target in created:
            target.unlink(missing_ok=True)
        raise WorkspaceError(f"could not write the patched files in {worktree}: {exc}") from exc


def _has_base_blob(tree: Tree, parsed: ParsedPatch) -> bool:
    """Whether any file of the diff names (``index`` line) a base blob this repository has."""
    return any(tree.blob(fp.old_blob) is not None for fp in parsed.files if fp.old_blob)


def _git_apply(
    worktree: Path, patch_file: IO[bytes], options: tuple[str, ...], timeout_s: float
) -> GitResult:
    patch_file.seek(0)
    return run_git(
        worktree,
        "apply",
        "--whitespace=nowarn",
        *options,
        "-",
        stdin=patch_file,
        timeout_s=timeout_s,
    )


def _detail(result: GitResult) -> str:
    return _cap((result.stderr or result.stdout).strip())


def _cap(text: str) -> str:
    return text if len(text) <= _DETAIL_CAP else text[:_DETAIL_CAP] + " ..."
