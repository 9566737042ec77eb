"""The checks a proposal passes before it is judged, shared by capture and validation.

First the refusals that need no sandbox (empty, unparsable, hostile paths, refused by the
guard), then the sandboxed run of the patched tree. Either stops the flow with a
``Rejection``; capture and ``validate_proposal`` turn it into a ``MutationRejected``.
"""

from __future__ import annotations

from pathlib import Path

from evokernel.application.kernel.context import KernelContext
from evokernel.application.kernel.guard import GuardReport, task_guard, task_harness
from evokernel.domain.diffparse import DiffParseError
from evokernel.domain.models import AgentTask, MutationProposal
from evokernel.domain.models.feedback import ReasonCode
from evokernel.domain.policy import PolicyLimit
from sandbox import (
    DiffSyntaxError,
    Evaluation,
    HarnessPolicy,
    ParsedPatch,
    PatchApplyError,
    PatchRefusedError,
    PatchValidation,
    Receipt,
    RefusalReason,
    check_diff,
    parse_patch,
    validate_patch_applied,
)


class Rejection(Exception):
    """Stops a capture or a validation with a reason code (never escapes the kernel)."""

    def __init__(
        self,
        code: ReasonCode,
        detail: str,
        receipt: Receipt | None = None,
        evaluation: Evaluation | None = None,
        failing_tests: list[str] | None = None,
        limit: PolicyLimit | None = None,
    ) -> None:
        self.code = code
        self.limit = limit
        self.detail = detail
        self.receipt = receipt
        self.evaluation = evaluation
        self.failing_tests = failing_tests or []
        super().__init__(detail)


def refuse_early(
    ctx: KernelContext, task: AgentTask, proposal: MutationProposal
) -> tuple[list[str], GuardReport, ParsedPatch]:
    """Refusals that need no sandbox: empty, unparsable, hostile, or refused by the guard.

    Returns every path the diff names (old and new), for the scope check after validation,
    the guard's report (suspicious code, new regression tests to prove), and the parsed diff
    (parsed here once; path safety, the guard and the apply ladder all read it).
    """
    if not proposal.diff.strip():
        raise Rejection(ReasonCode.EMPTY_DIFF, "the proposal's diff is empty")
    repo = Path(task.repo_path)
    try:
        parsed = parse_patch(proposal.diff)
    except DiffSyntaxError as exc:
        raise Rejection(ReasonCode.UNPARSABLE_DIFF, str(exc)) from exc
    try:
        files = check_diff(proposal.diff, repo, ctx.settings.patch, parsed=parsed)
    except PatchRefusedError as exc:
        # A text with no file headers (or headers git cannot read) is not a diff at all.
        unreadable = exc.reason in {RefusalReason.UNPARSABLE, RefusalReason.EMPTY_DIFF}
        code = ReasonCode.UNPARSABLE_DIFF if unreadable else ReasonCode.PATCH_REFUSED
        raise Rejection(code, str(exc)) from exc
    try:
        guard = task_guard(proposal.diff, task, ctx.settings.guard, parsed)
    except DiffParseError as exc:
        raise Rejection(ReasonCode.UNPARSABLE_DIFF, str(exc)) from exc
    if guard.refused is not None:
        raise Rejection(guard.refused, guard.detail)
    touched = sorted({p for f in files for p in (f.old_path, f.new_path) if p is not None})
    return touched, guard, parsed


def run_patched(
    ctx: KernelContext,
    task: AgentTask,
    proposal: MutationProposal,
    run_id: str,
    parsed: ParsedPatch | None = None,
) -> tuple[Receipt, str | None]:
    """The receipt, and the diff as it applied (``git diff`` of the validated worktree)."""
    try:
        done = sandboxed_run(ctx, task, proposal.diff, run_id, parsed)
    except PatchRefusedError as exc:
        raise Rejection(ReasonCode.PATCH_REFUSED, str(exc)) from exc
    except PatchApplyError as exc:
        raise Rejection(ReasonCode.PATCH_APPLY_FAILED, str(exc)) from exc
    return done.receipt, done.applied_diff


def sandboxed_run(
    ctx: KernelContext, task: AgentTask, diff: str, run_id: str, parsed: ParsedPatch | None
) -> PatchValidation:
    """Apply ``diff`` to the task's tree and run its plan in the sandbox (capture and replay).

    Raises:
        PatchRefusedError / PatchApplyError: the diff is refused or does not apply.
    """
    with ctx.tracing.span("evokernel.validate"):
        harness = task_harness(ctx.settings.guard, task)
        return patched_tree_run(ctx, task, diff, run_id, harness=harness, parsed=parsed)


def patched_tree_run(
    ctx: KernelContext,
    task: AgentTask,
    diff: str,
    run_id: str,
    *,
    harness: HarnessPolicy,
    parsed: ParsedPatch | None = None,
) -> PatchValidation:
    """Run ``task``'s plan on its tree with ``diff`` applied, under the kernel's patch policy.

    No span of its own: ``sandboxed_run`` names the judged run; the regression proof's two
    runs stay inside their caller's span, as ``docs/observability.md`` draws them.

    Raises:
        PatchRefusedError / PatchApplyError: the diff is refused or does not apply.
    """
    return validate_patch_applied(
        Path(task.repo_path),
        task.base_rev,
        diff,
        task.plan,
        ctx.validator,
        ctx.settings.patch,
        run_id=run_id,
        workspace_root=ctx.workspace_root,
        harness=harness,
        parsed=parsed,
    )
