"""The reward-hacking guard: the one check every path that validates a diff calls.

``guard_proposal`` reads a diff against the base revision and says whether it may be judged:

- **refused** ``test_edits_refused``: it adds, edits or deletes tests or anything deciding how
  tests run (``evokernel.domain.guards``); new regression tests are admitted instead when
  the project allows them, to be proven by ``prove_regression_tests``;
- **refused** ``module_shadowed``: it adds a module that would be imported instead of a
  standard-library, test-runner or project module (``sandbox.shadowing``);
- **flagged** ``suspicious``: its non-test code reaches into the runner
  (``evokernel.domain.tampering``); the kernel captures it quarantined for a person's review and
  never replays it (or refuses it, by configuration).

Capture (``capture``, ``run``, devloop, the GitHub loop, and any caller of the kernel's
capture flow) and replay (stored capsules are re-checked before each replay) call it;
``sandbox run --patch`` too. Whatever it says, the sandbox resets the harness to the base
revision before the judged run (``harness_policy``), so a bypassed guard still judges nothing
the patch wrote into the harness.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import Field

from evokernel.application.kernel.fingerprint import file_at
from evokernel.domain.diffparse import DiffFileChange, DiffParseError, changes_of, parse_diff
from evokernel.domain.events import AssetStateChanged, AssetType, EvolutionEvent
from evokernel.domain.globs import match_any
from evokernel.domain.guards import (
    GuardConfig,
    GuardFinding,
    apply_hunks,
    check_test_edits,
    harness_policy,
    split_lines,
)
from evokernel.domain.models import AgentTask, AssetState, Model, TransitionReason
from evokernel.domain.models.feedback import NextAction, ReasonCode
from evokernel.domain.tampering import TamperFinding, scan_source, scan_tokens
from evokernel.domain.views import CapsuleView
from sandbox import (
    RUNNER_MODULES,
    HarnessPolicy,
    ParsedPatch,
    ShadowingModule,
    shadowing_modules,
    top_level_names,
)


class GuardReport(Model):
    """What the guard found in a diff."""

    refused: ReasonCode | None = None
    """``test_edits_refused``, ``module_shadowed`` or ``suspicious``; ``None``: may be judged."""
    next_action: NextAction = NextAction.NONE
    """What the proposer should do when refused."""
    detail: str = ""
    """One sentence for the proposer (or the reviewer, when only flagged)."""
    test_edits: list[GuardFinding] = Field(default_factory=list)
    """Changes to tests and to what decides how they run."""
    shadows: list[ShadowingModule] = Field(default_factory=list)
    """Added modules that shadow another."""
    suspicious: list[TamperFinding] = Field(default_factory=list)
    """Places where added non-test code reaches into the test runner."""
    admitted: list[str] = Field(default_factory=list)
    """New regression test modules admitted; each must be proven before a capture."""

    @property
    def ok(self) -> bool:
        """Nothing refused (it may still be ``suspicious``)."""
        return self.refused is None


def guard_proposal(
    repo: Path,
    base_rev: str,
    diff: str,
    config: GuardConfig,
    *,
    allow_test_edits: bool = False,
    parsed: ParsedPatch | None = None,
) -> GuardReport:
    """Check ``diff`` against ``repo`` at ``base_rev`` (see module doc); reads only.

    Args:
        repo: the git repository.
        base_rev: the revision the diff applies to.
        diff: the unified diff.
        config: the project's guard configuration.
        allow_test_edits: the task's scope allows test edits (the test-edit rule is off).
        parsed: ``parse_patch(diff)`` when the caller already has it (parsed once).

    Raises:
        DiffParseError: ``diff`` is not a readable unified diff.
    """
    files = changes_of(parsed) if parsed is not None else parse_diff(diff)

    def read_base(path: str) -> str | None:
        content = file_at(repo, base_rev, path)
        return content.decode("utf-8", "replace") if content is not None else None

    rules = config.model_copy(update={"enabled": False}) if allow_test_edits else config
    verdict = check_test_edits(files, rules, read_base)
    shadows = _shadows(repo, base_rev, files)
    suspicious = [
        finding
        for change in files
        if _is_code(change, config)
        for finding in _scan(change, read_base)
    ]
    report = GuardReport(
        test_edits=verdict.findings,
        shadows=shadows,
        suspicious=suspicious,
        admitted=verdict.admitted,
    )
    if not verdict.ok:
        return report.model_copy(
            update={
                "refused": ReasonCode.TEST_EDITS_REFUSED,
                "next_action": NextAction.REVERT_TEST_EDITS,
                "detail": verdict.detail,
            }
        )
    if shadows:
        named = ", ".join(f"{s.path} shadows {s.shadows} module {s.module!r}" for s in shadows)
        return report.model_copy(
            update={
                "refused": ReasonCode.MODULE_SHADOWED,
                "next_action": NextAction.RENAME_MODULE,
                "detail": f"the proposal adds a module imported in place of another: {named}",
            }
        )
    if suspicious:
        listed = ", ".join(f"{f.path}:{f.line} {f.rule} ({f.detail})" for f in suspicious[:5])
        detail = f"the proposal's code reaches into the test runner: {listed}"
        if config.suspicious == "refuse":
            return report.model_copy(
                update={
                    "refused": ReasonCode.SUSPICIOUS,
                    "next_action": NextAction.RETRY_WITH_FEEDBACK,
                    "detail": detail,
                }
            )
        return report.model_copy(update={"detail": detail})
    return report


def _shadows(repo: Path, base_rev: str, files: list[DiffFileChange]) -> list[ShadowingModule]:
    listed = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "-z", base_rev],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    base = {p for p in listed.stdout.split("\0") if p}
    added = [
        c.new_path
        for c in files
        if c.new_path and (c.added or c.copied or c.renamed or c.new_path not in base)
    ]
    gone = {c.old_path for c in files if c.old_path and (c.deleted or c.renamed)}
    after = (base - gone) | set(added)
    names = top_level_names(base) | RUNNER_MODULES
    return shadowing_modules(added, after, names)


def _is_code(change: DiffFileChange, config: GuardConfig) -> bool:
    """Non-test Python code the proposal adds to (test files never take part in a judged run)."""
    path = change.new_path
    if path is None or change.binary or not path.endswith((".py", ".pyw")):
        return False
    return match_any(path, [*config.test_files, *config.test_config_files]) is None


def _scan(change: DiffFileChange, read_base: Callable[[str], str | None]) -> list[TamperFinding]:
    path = change.new_path or ""
    added_text = [
        text for hunk in change.hunks for op, _old, _new, text in hunk.numbered() if op == "+"
    ]
    added_lines = [
        new for hunk in change.hunks for op, _old, new, _text in hunk.numbered() if op == "+"
    ]
    base = read_base(change.old_path) if change.old_path and not change.added else ""
    new_lines = apply_hunks(split_lines(base or ""), change.hunks) if base is not None else None
    if new_lines is None:
        return scan_tokens(path, added_text)
    return scan_source(path, "\n".join(new_lines) + "\n", [n for n in added_lines if n])


def task_harness(
    config: GuardConfig, task: AgentTask, admitted: Sequence[str] = ()
) -> HarnessPolicy:
    """The harness reset for validating on ``task`` (off when its scope allows test edits)."""
    policy = harness_policy(config, admitted)
    if task.scope.allow_test_edits:
        return policy.model_copy(update={"enabled": False})
    return policy


def task_guard(
    repo_diff: str, task: AgentTask, config: GuardConfig, parsed: ParsedPatch | None = None
) -> GuardReport:
    """``guard_proposal`` for a diff proposed on ``task``."""
    return guard_proposal(
        Path(task.repo_path),
        task.base_rev,
        repo_diff,
        config,
        allow_test_edits=task.scope.allow_test_edits,
        parsed=parsed,
    )


def held_for_review(
    view: CapsuleView, detail: str, run_id: str | None
) -> tuple[list[EvolutionEvent], AssetState]:
    """A suspicious capture: quarantined for a person's review, whatever its evidence says.

    No governor decision is taken (a re-capture would otherwise count as a success).
    """
    if view.state is AssetState.QUARANTINED or view.state is AssetState.REVOKED:
        return [], view.state
    event = AssetStateChanged(
        asset_id=view.capsule.capsule_id,
        asset_type=AssetType.CAPSULE,
        from_state=view.state,
        to_state=AssetState.QUARANTINED,
        reason_code=TransitionReason.QUARANTINED_SUSPICIOUS,
        evidence={"from_state": view.state.value, "detail": detail[:500]},
        run_id=run_id,
    )
    return [event], AssetState.QUARANTINED


def replay_refusal(
    diff: str, task: AgentTask, config: GuardConfig, parsed: ParsedPatch | None = None
) -> ReasonCode | None:
    """Why a stored capsule's diff may not be replayed on ``task`` (``None``: it may).

    Capsules stored before the guard existed, or by a more lenient project, are checked as a
    new proposal would be; a suspicious one is never replayed automatically, whatever the
    configuration says about capturing it.
    """
    try:
        report = task_guard(diff, task, config, parsed)
    except DiffParseError:
        return ReasonCode.UNPARSABLE_DIFF
    if report.refused is not None:
        return report.refused
    if report.suspicious:
        return ReasonCode.SUSPICIOUS
    return None  # new regression tests may ride along: the judged run never sees them
