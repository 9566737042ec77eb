"""The kernel facade: EvoKernel, our ``httpx.Client``.

Constructed with its collaborators (store, validator, settings, clock, id factory); each public
method is a few lines that call into one flow module. The names are kept from the origin
project so its users recognise them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path

from evokernel.application.assets import revoke_capsule
from evokernel.application.economics.ledger import false_replay_entries
from evokernel.application.kernel.agent import Agent
from evokernel.application.kernel.candidates import candidate_scores
from evokernel.application.kernel.capture import capture
from evokernel.application.kernel.context import KernelContext, KernelSettings
from evokernel.application.kernel.detect import detect, detection_from_receipt
from evokernel.application.kernel.evidence import task_detected
from evokernel.application.kernel.feedback import feedback_for_agent
from evokernel.application.kernel.fingerprint import file_reader
from evokernel.application.kernel.inflight import single_capture
from evokernel.application.kernel.land import land_capture, with_landing
from evokernel.application.kernel.replay import replay
from evokernel.application.kernel.results import (
    CandidateScore,
    CaptureResult,
    Detection,
    ReplayDecision,
    SolveOutcome,
    SolveResult,
    ValidationResult,
)
from evokernel.application.kernel.runscope import run_scope
from evokernel.application.kernel.solidify import governor_events
from evokernel.application.kernel.solve import solve
from evokernel.application.kernel.validate import validate_proposal
from evokernel.application.landing import Lander
from evokernel.application.projection import EvolutionRepository
from evokernel.application.tracing import Tracing
from evokernel.domain.closing import Closing
from evokernel.domain.events import (
    ApprovalDecision,
    ApprovalRecorded,
    ApprovalSource,
    EvolutionEvent,
)
from evokernel.domain.models import AgentTask, EvidenceKind, MutationProposal
from evokernel.domain.models.feedback import AgentFeedback
from evokernel.domain.views import EvolutionView
from evokernel.logs import bind_run
from sandbox import Receipt, Validator
from store import EventLog, Record

_RECENT_DETECTIONS = 8
"""Detections kept for reuse: a run detects once and reuses it for replay and capture."""


class EvoKernel(Closing):
    """Capture, replay-first reuse and the solve loop over one store and one validator.

    Args:
        log: the evolution store: an ``EvolutionRepository``, or an open ``EventLog`` that
            the kernel wraps in one (with ``snapshot_path``).
        validator: runs validation plans in the sandbox.
        settings: policy knobs; documented defaults when omitted.
        snapshot_path: view snapshot file when ``log`` is an ``EventLog`` (``None``: no
            snapshot; the view is rebuilt from the log).
        workspace_root: where temporary worktrees go.
        clock: current time (UTC); injectable for tests of confidence decay.
        new_id: run id factory.
    """

    def __init__(
        self,
        log: EvolutionRepository | EventLog,
        validator: Validator,
        *,
        settings: KernelSettings | None = None,
        snapshot_path: Path | None = None,
        workspace_root: Path | None = None,
        clock: Callable[[], datetime] | None = None,
        new_id: Callable[[], str] | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        repository = (
            log
            if isinstance(log, EvolutionRepository)
            else EvolutionRepository(log, snapshot_path=snapshot_path)
        )
        ctx = KernelContext(
            repository=repository, validator=validator, settings=settings or KernelSettings()
        )
        ctx.workspace_root = workspace_root
        if clock is not None:
            ctx.clock = clock
        if new_id is not None:
            ctx.new_id = new_id
        if tracing is not None:
            ctx.tracing = tracing
        self._ctx = ctx
        # Detections of recent runs (each holds a baseline receipt with its logs); bounded so a
        # long-lived kernel (the GitHub loop ticks for days) does not keep every one.
        self._detections: OrderedDict[tuple[str, str], tuple[AgentTask, Detection]] = OrderedDict()

    @property
    def settings(self) -> KernelSettings:
        """The settings in force."""
        return self._ctx.settings

    def new_run_id(self) -> str:
        """A fresh run id from the kernel's id factory."""
        return self._ctx.new_id()

    @property
    def repository(self) -> EvolutionRepository:
        """The evolution store this kernel reads and records through."""
        return self._ctx.repository

    def view(self) -> EvolutionView:
        """Genes, capsules and counters as of now. Never writes."""
        return self._ctx.view()

    def record(self, events: Sequence[EvolutionEvent]) -> list[Record]:
        """Append ``events`` to the store in one group commit (see ``EvolutionRepository``)."""
        return self._ctx.record(events)

    def confidence_of(self, capsule_id: str | None) -> float | None:
        """A capsule's confidence now (the kernel's clock), or None when it is unknown."""
        return self._ctx.confidence(capsule_id)

    # -- the origin's public calls ----------------------------------------------------------

    def capture_from_proposal(
        self, task: AgentTask, proposal: MutationProposal, run_id: str | None = None
    ) -> CaptureResult:
        """Validate ``proposal`` (baseline vs patched) and solidify it, or record why not."""
        run_id = run_id or self._ctx.new_id()
        with run_scope(self._ctx, task, run_id, "capture"):
            return capture(self._ctx, task, proposal, run_id, self.detect(task, run_id))

    def validate_proposal(
        self,
        task: AgentTask,
        proposal: MutationProposal,
        run_id: str | None = None,
        failing_before: Collection[str] | None = None,
    ) -> ValidationResult:
        """Judge ``proposal`` against the baseline test by test; record the run, capture nothing.

        ``failing_before`` (the caller's previous attempt; the baseline when ``None``) is what
        ``fixed_since_last`` and ``broken_since_last`` are measured against.
        """
        run_id = run_id or self._ctx.new_id()
        with run_scope(self._ctx, task, run_id, "validate"):
            detection = self.detect(task, run_id)
            return validate_proposal(self._ctx, task, proposal, run_id, detection, failing_before)

    def capture_validated(
        self,
        task: AgentTask,
        proposal: MutationProposal,
        run_id: str,
        baseline: Receipt,
        patched: Receipt,
    ) -> CaptureResult:
        """``capture_from_proposal`` for a proposal already validated elsewhere (a batch worker).

        The refusals, judgement, policy and solidification are the capture flow's own; the
        task, its signals and the verdict are recorded in one group commit.
        """
        with bind_run(run_id, task.task_id):
            detection = detection_from_receipt(task, baseline, self.settings.log_excerpt_chars)
            prelude = task_detected(run_id, task, detection)
            return capture(
                self._ctx, task, proposal, run_id, detection, receipt=patched, prelude=prelude
            )

    def feedback_for_agent(
        self, result: CaptureResult | ReplayDecision | SolveResult | ValidationResult
    ) -> AgentFeedback:
        """The structured verdict an agent iterates on; unknown reasons fail closed."""
        return feedback_for_agent(result)

    def replay_or_fallback(self, task: AgentTask) -> ReplayDecision:
        """``replay_or_fallback_for_run`` with a freshly generated replay run id."""
        return self.replay_or_fallback_for_run(task, self._ctx.new_id())

    def replay_or_fallback_for_run(
        self, task: AgentTask, run_id: str, lander: Lander | None = None
    ) -> ReplayDecision:
        """Try stored capsules on ``task`` within the caller's run ``run_id``.

        On a hit the decision carries the patch as it applied to this tree, the receipt and
        both run ids (the capsule's original ``run_id`` and this ``replay_run_id``); on a miss
        a reason code and a next action. No agent is called. With ``lander`` the validated
        diff is committed before the reuse is recorded (``landing_failed`` records no saving).
        """
        with run_scope(self._ctx, task, run_id, "replay_or_fallback"):
            return replay(self._ctx, task, run_id, self.detect(task, run_id), lander)

    def candidates(self, task: AgentTask, run_id: str) -> list[CandidateScore]:
        """The capsules replay would try on ``task`` now, best first, with their score factors.

        Nothing is validated and no replay is recorded; only the task's baseline is detected
        (once per run, as every call here does). Useful to see why a capsule ranks where it
        does (confidence, environment, publisher reputation).
        """
        detection = self.detect(task, run_id)
        return candidate_scores(self._ctx, self._ctx.view(), task, detection.signature)

    def solve(
        self,
        task: AgentTask,
        agent: Agent | None,
        run_id: str | None = None,
        max_attempts: int | None = None,
        lander: Lander | None = None,
    ) -> SolveResult:
        """Replay first, then ``agent`` with feedback for at most ``max_attempts`` attempts.

        ``agent=None`` makes the run replay only (the result has the same shape). With
        ``lander`` the validated change (replayed or captured) is committed on its branch.
        """
        run_id = run_id or self._ctx.new_id()
        with run_scope(self._ctx, task, run_id, "solve"):
            detection = self.detect(task, run_id)
            decision = replay(self._ctx, task, run_id, detection, lander)
            if agent is None:
                result = solve(self._ctx, task, agent, run_id, detection, decision, max_attempts)
            else:
                # Another run capturing the same failure: wait for it, then replay its capsule.
                again = partial(replay, self._ctx, task, run_id, detection, lander)
                with single_capture(self._ctx, task, detection, decision, again) as decision:
                    result = solve(
                        self._ctx, task, agent, run_id, detection, decision, max_attempts
                    )
            if lander is None:
                return result
            if decision.hit:
                return with_landing(result, decision.landing)
            if result.outcome is SolveOutcome.CAPTURED and result.diff:
                landing = land_capture(self._ctx, task, result, lander)
                return with_landing(result, landing)
            return result

    # -- supporting calls -------------------------------------------------------------------

    def detect(self, task: AgentTask, run_id: str) -> Detection:
        """The baseline of ``task`` (run once per task and run; recorded once per run)."""
        key = (run_id, task.task_id)
        found = self._detections.get(key)
        if found is not None:
            return found[1]
        baseline = self._baseline_of(task, run_id)
        if baseline is not None:
            # The same code and plan in the same run (a task re-keyed with a declared signal):
            # the baseline does not change, only the signals read from it.
            detection = detection_from_receipt(
                task,
                baseline.receipt,
                self._ctx.settings.log_excerpt_chars,
                file_reader(Path(task.repo_path), task.base_rev),
            )
        else:
            with self._ctx.tracing.span("evokernel.detect") as span:
                detection = detect(self._ctx, task, run_id)
                span.set_attribute("evokernel.failing_tests", len(detection.failing_tests))
        self._ctx.record(task_detected(run_id, task, detection))
        self._detections[key] = (task, detection)
        while len(self._detections) > _RECENT_DETECTIONS:
            self._detections.popitem(last=False)
        return detection

    def _baseline_of(self, task: AgentTask, run_id: str) -> Detection | None:
        """A detection this run already made of the same repository, revision and plan."""
        for (run, _task_id), (seen, found) in self._detections.items():
            same_code = (seen.repo_path, seen.base_rev, seen.plan) == (
                task.repo_path,
                task.base_rev,
                task.plan,
            )
            if run == run_id and same_code:
                return found
        return None

    def revoke(self, capsule_id: str, *, by: str, note: str = "") -> bool:
        """Revoke a capsule: it is never replayed again. False when it already was.

        Raises:
            AssetNotFoundError: no capsule with that id.
        """
        return revoke_capsule(self._ctx.repository, capsule_id, by=by, note=note).revoked

    def record_approval(
        self,
        *,
        run_id: str,
        capsule_id: str | None,
        approver: str,
        decision: ApprovalDecision,
        source: ApprovalSource,
        note: str = "",
    ) -> None:
        """Record a human verdict; it moves the capsule's confidence (and maybe its state)."""
        events: list[EvolutionEvent] = [
            ApprovalRecorded(
                approver=approver,
                decision=decision,
                note=note,
                capsule_id=capsule_id,
                run_id=run_id,
                source=source,
            )
        ]
        view = self._ctx.view().capsules.get(capsule_id) if capsule_id else None
        if view is not None:
            kind = (
                EvidenceKind.HUMAN_APPROVED
                if decision is ApprovalDecision.APPROVE
                else EvidenceKind.HUMAN_REJECTED
            )
            changes, _state = governor_events(view, kind, self._ctx.clock(), self.settings, run_id)
            events += changes
            if decision is ApprovalDecision.REJECT:
                events += false_replay_entries(view, run_id, self.settings.economics)
        self._ctx.record(events)

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the store (saving its view snapshot); the sandbox belongs to the caller."""
        self._ctx.repository.close()
