"""One call from a repository, a revision and a diff to a receipt (used by the CLI and kernel).

``validate_patch``: a fresh worktree at the base revision, the diff refused or applied through
the fallback chain, blast radius measured, the plan validated, the files the run itself changed
reported, and the worktree removed whatever happened. ``validate_baseline`` is the same without
a diff.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.patch import apply_patch
from sandbox.pathsafety import PatchPolicy, check_diff
from sandbox.plan import ValidationPlan
from sandbox.receipt import Receipt
from sandbox.validator import Validator
from sandbox.workspace import Workspaces, blast_radius, snapshot


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

    Returns:
        The receipt, with ``apply_step``, ``blast_radius`` and ``files_changed_by_run`` set.

    Raises:
        PatchRefusedError: the diff is hostile; nothing ran.
        PatchApplyError: no step of the fallback chain applied it; nothing ran.
        WorkspaceError: the repository or revision is bad, or git failed.
    """
    policy = policy or PatchPolicy()
    workspaces = Workspaces(repo, root=workspace_root)
    with workspaces.create(base_rev) as workspace:
        apply_step = radius = None
        if diff is not None:
            # Checked against the worktree, whose symlinks are the ones the diff will meet.
            check_diff(diff, workspace.path, policy)
            apply_step = apply_patch(workspace.path, diff).step
            radius = blast_radius(workspace.path)
        # Hashed again in the session after the run: the run happens in its copy.
        watch = _regular_files(snapshot(workspace.path).files, workspace.path)
        receipt = validator.validate(workspace.path, plan, run_id=run_id, watch=watch)
    return receipt.model_copy(update={"apply_step": apply_step, "blast_radius": radius})


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
) -> Receipt:
    """Validate ``repo`` at ``base_rev`` as it is: the baseline a patch is compared with."""
    return validate_patch(
        repo, base_rev, None, plan, validator, run_id=run_id, workspace_root=workspace_root
    )
