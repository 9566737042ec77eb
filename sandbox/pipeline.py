"""One call from a repository, a revision and a diff to a receipt (used by the CLI and kernel).

``validate_patch``: a fresh worktree at the base revision, the diff refused or applied through
the fallback chain, blast radius measured, the plan validated, the files the run itself changed
reported, and the worktree removed whatever happened. ``validate_patch_applied`` also returns
how the diff applied and the diff *as it applied to this tree* (what a replay returns and lands).
``validate_baseline`` is the same without a diff.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sandbox._unidiff import ParsedPatch
from sandbox.harness import HarnessPolicy, reset_harness
from sandbox.patch import ApplyResult, apply_patch
from sandbox.pathsafety import PatchPolicy, check_diff
from sandbox.plan import ValidationPlan
from sandbox.receipt import Receipt
from sandbox.validator import Validator
from sandbox.workspace import Workspaces, applied_change, snapshot


@dataclass(frozen=True)
class PatchValidation:
    """A validated patch: the receipt, how the diff applied, and the diff as applied here."""

    receipt: Receipt
    """The receipt (``apply_step``, ``blast_radius``, ``files_changed_by_run`` set)."""
    applied: ApplyResult | None
    """How the diff applied (rung, attempts); ``None`` for a baseline run."""
    applied_diff: str | None
    """``git diff`` of the worktree right after applying, before validation ran (untracked
    added files included, byte-faithful, see ``worktree_diff``); ``None`` for a baseline."""


def validate_patch(
    repo: Path,
    base_rev: str,
    diff: str | None,
    plan: ValidationPlan,
    validator: Validator,
    policy: PatchPolicy | None = None,
    *,
    run_id: str | None = None,
    workspace_root: Path | None = None,
    harness: HarnessPolicy | None = None,
    background_removal: bool = False,
) -> Receipt:
    """Validate ``diff`` applied to ``repo`` at ``base_rev`` (or the bare revision if ``None``).

    Args:
        repo: the git repository.
        base_rev: the revision to start from (any name git resolves to a commit).
        diff: a unified diff, or ``None`` for a baseline run.
        plan: the validation plan.
        validator: runs the plan (it holds the sandbox backend).
        policy: path-safety policy; ``PatchPolicy()`` when ``None``.
        run_id: written into the receipt and the sandbox's labels.
        workspace_root: where the temporary worktree goes (the system temp dir when ``None``).
        harness: what the patch may not change for the judged run (test files, test
            configuration...: reset to ``base_rev`` after applying); ``HarnessPolicy()``
            when ``None``. The blast radius still counts every change the patch makes.
        background_removal: remove the worktree on the background remover after the receipt
            exists (``Workspaces(background=True)``): a batch does not wait for it.

    Returns:
        The receipt, with ``apply_step``, ``blast_radius`` and ``files_changed_by_run`` set.

    Raises:
        PatchRefusedError: the diff is hostile; nothing ran.
        PatchApplyError: no step of the fallback chain applied it; nothing ran.
        WorkspaceError: the repository or revision is bad, or git failed.
    """
    return validate_patch_applied(
        repo,
        base_rev,
        diff,
        plan,
        validator,
        policy,
        run_id=run_id,
        workspace_root=workspace_root,
        harness=harness,
        background_removal=background_removal,
    ).receipt


def validate_patch_applied(
    repo: Path,
    base_rev: str,
    diff: str | None,
    plan: ValidationPlan,
    validator: Validator,
    policy: PatchPolicy | None = None,
    *,
    run_id: str | None = None,
    workspace_root: Path | None = None,
    harness: HarnessPolicy | None = None,
    parsed: ParsedPatch | None = None,
    background_removal: bool = False,
) -> PatchValidation:
    """``validate_patch``, also returning how the diff applied and the diff as applied.

    ``parsed``: ``parse_patch(diff)`` when the caller already has it, so that a diff is parsed
    once per capture or replay (guard, path safety and the apply ladder share it).

    The applied diff is taken before the plan runs, so files the run writes never enter it.

    Raises:
        PatchRefusedError: the diff is hostile; nothing ran.
        PatchApplyError: no step of the fallback chain applied it; nothing ran.
        WorkspaceError: the repository or revision is bad, or git failed.
    """
    policy = policy or PatchPolicy()
    workspaces = Workspaces(repo, root=workspace_root, background=background_removal)
    with workspaces.create(base_rev) as workspace:
        applied = radius = applied_diff = None
        if diff is not None:
            # Checked against the worktree, whose symlinks are the ones the diff will meet.
            check_diff(diff, workspace.path, policy, parsed=parsed)
            # The worktree was made at base_rev just above; nothing has written to it.
            applied = apply_patch(workspace.path, diff, parsed=parsed, known_clean=True)
            # The patch as it applied here (what is returned and landed), then the judged
            # tree: everything that decides how tests run comes back from the base revision.
            radius, applied_diff = applied_change(workspace.path)
            reset_harness(workspace.path, harness or HarnessPolicy())
        # Hashed again in the session after the run: the run happens in its copy.
        watch = _regular_files(snapshot(workspace.path).files, workspace.path)
        receipt = validator.validate(workspace.path, plan, run_id=run_id, watch=watch)
    receipt = receipt.model_copy(
        update={"apply_step": applied.step if applied else None, "blast_radius": radius}
    )
    return PatchValidation(receipt=receipt, applied=applied, applied_diff=applied_diff)


def _regular_files(files: dict[str, str | None], root: Path) -> dict[str, str | None]:
    """The snapshot without symlinks (sessions report only regular files)."""
    return {path: blob for path, blob in files.items() if not (root / path).is_symlink()}


def validate_baseline(
    repo: Path,
    base_rev: str,
    plan: ValidationPlan,
    validator: Validator,
    *,
    run_id: str | None = None,
    workspace_root: Path | None = None,
    background_removal: bool = False,
) -> Receipt:
    """Validate ``repo`` at ``base_rev`` as it is: the baseline a patch is compared with."""
    return validate_patch(
        repo,
        base_rev,
        None,
        plan,
        validator,
        run_id=run_id,
        workspace_root=workspace_root,
        background_removal=background_removal,
    )
