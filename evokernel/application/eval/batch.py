"""The driver of a batch: plan jobs, skip what the store already judged, run the rest on an
executor, record each verdict once, write the harness's report.

The driver is the only writer of the store (the hash chain stays single-writer); executors
return outcomes. Each instance's verdict is keyed by content (base commit, diff hash, plan,
image digest) and recorded under a run id derived from it, so re-running a batch, or a task
Ray retried after a lost node, never records a verdict twice, and an interrupted batch resumes
where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evokernel.application.eval.errors import EvalInputError
from evokernel.application.eval.executors.base import Executor
from evokernel.application.eval.instances import Instance, Prediction
from evokernel.application.eval.job import (
    EvalJob,
    EvalOutcome,
    InstanceStatus,
    patch_hash,
    plan_for,
)
from evokernel.application.eval.record import recorded_verdicts, verdict_events
from evokernel.application.eval.report import (
    InstanceVerdict,
    RunReport,
    build_report,
    model_dir_name,
    write_instance_logs,
    write_run_report,
)
from evokernel.application.eval.repos import RepoCache
from evokernel.application.kernel import EvoKernel
from evokernel.application.projection import EvolutionRepository
from evokernel.application.tasks import repo_identity
from evokernel.domain.guards import GuardConfig
from evokernel.domain.ids import content_id
from evokernel.domain.models import (
    AgentTask,
    MutationProposal,
    OriginKind,
    Proposer,
    ScopeConstraints,
    TaskOrigin,
)
from sandbox import PatchPolicy

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchPlan:
    """One prediction ready to run: its job, instance, prediction and local repository."""

    job: EvalJob
    instance: Instance
    prediction: Prediction
    repo_path: Path


def validation_key(base_commit: str, patch: str, plan_json: object, image_digest: str) -> str:
    """The content key of a validation: the same four inputs give the same verdict."""
    return content_id(
        "validation",
        {
            "base_commit": base_commit,
            "diff_hash": patch_hash(patch) if patch.strip() else "",
            "plan": plan_json,
            "image": image_digest,
        },
    )


def check_batch(
    instances: Sequence[Instance], predictions: Sequence[Prediction], repos: RepoCache
) -> dict[str, Instance]:
    """The instances by id, once every prediction has one and every repository is found.

    Raises:
        EvalInputError: a prediction for an unknown instance, or a repository that cannot be
            found or cloned (or lacks its commit).
    """
    by_id = {instance.instance_id: instance for instance in instances}
    unknown = sorted(p.instance_id for p in predictions if p.instance_id not in by_id)
    if unknown:
        raise EvalInputError(f"predictions for unknown instances: {', '.join(unknown[:10])}")
    for prediction in predictions:
        instance = by_id[prediction.instance_id]
        repos.path(instance.repo, instance.base_commit)
    return by_id


def plan_batch(
    instances: Sequence[Instance],
    predictions: Sequence[Prediction],
    repos: RepoCache,
    *,
    image_digest: str,
    capture: bool,
    timeout_s: float,
    guard: GuardConfig | None = None,
    patch_policy: PatchPolicy | None = None,
) -> list[BatchPlan]:
    """Pair predictions with instances and build their jobs (repositories resolved now, so a
    bad path or URL fails before anything runs).

    Raises:
        EvalInputError: a prediction for an unknown instance, or a repository that cannot be
            found or cloned.
    """
    by_id = check_batch(instances, predictions, repos)
    planned = []
    for prediction in predictions:
        instance = by_id[prediction.instance_id]
        path = repos.path(instance.repo, instance.base_commit)
        plan = plan_for(instance, timeout_s)
        patch = prediction.model_patch or ""
        key = validation_key(
            instance.base_commit, patch, plan.model_dump(mode="json"), image_digest
        )
        job = EvalJob(
            instance_id=instance.instance_id,
            model_name=prediction.model_name_or_path,
            repo=instance.repo,
            base_commit=instance.base_commit,
            patch=patch,
            plan=plan,
            key=key,
            run_id="run_" + key.rsplit("_", 1)[-1][:16],
            need_baseline=capture or not instance.fail_to_pass,
            guard=guard or GuardConfig(),
            patch_policy=patch_policy or PatchPolicy(),
        )
        planned.append(BatchPlan(job, instance, prediction, path))
    return planned


def run_batch(
    planned: Sequence[BatchPlan],
    all_instance_ids: Sequence[str],
    executor: Executor,
    kernel: EvoKernel,
    repository: EvolutionRepository,
    *,
    run_id: str,
    output_dir: Path,
    capture: bool = False,
    scope: ScopeConstraints | None = None,
    on_verdict: Callable[[InstanceVerdict], None] | None = None,
) -> RunReport:
    """Run the batch on ``executor`` and record each verdict; the report is written too.

    Args:
        planned: from ``plan_batch``.
        all_instance_ids: every instance of the instances file (for the report's counts).
        executor: where validations run.
        kernel: records captures (``capture_validated``); its store is ``repository``.
        repository: the store verdicts are recorded in (the driver is its only writer).
        run_id: the batch's name in the log directory and the report file.
        output_dir: where ``logs/run_evaluation/...`` and the report go.
        capture: record each resolved prediction as a capsule through the capture flow.
        scope: the project's scope policy for captured tasks.
        on_verdict: called once per instance as its verdict is known (progress).
    """
    log_dir = output_dir / "logs" / "run_evaluation" / run_id
    model = planned[0].prediction.model_name_or_path if planned else "evokernel"
    report_path = output_dir / f"{model_dir_name(model)}.{run_id}.json"
    runs = {p.job.run_id: (p.job.instance_id, p.job.model_name) for p in planned}
    done = recorded_verdicts(repository, runs)
    verdicts: list[InstanceVerdict] = []
    # Instances with the same content share one validation; the first one runs it.
    first_of_key: dict[str, BatchPlan] = {}
    followers: dict[str, list[BatchPlan]] = {}
    for plan in planned:
        if plan.job.run_id in done:
            found = done[plan.job.run_id].model_copy(
                update={"instance_id": plan.job.instance_id, "model_name": plan.job.model_name}
            )
            verdicts.append(found)
            if on_verdict:
                on_verdict(found)
        elif plan.job.key in first_of_key:
            followers.setdefault(plan.job.key, []).append(plan)
        else:
            first_of_key[plan.job.key] = plan
    by_key = {plan.job.key: plan for plan in first_of_key.values()}
    if done:
        _log.info(
            "%d instance(s) already judged in the store; %d to validate", len(done), len(by_key)
        )
    for outcome in executor.run([plan.job for plan in by_key.values()]):
        plan = by_key[outcome.key]
        for member in [plan, *followers.get(outcome.key, [])]:
            mine = outcome.model_copy(
                update={"instance_id": member.job.instance_id, "model_name": member.job.model_name}
            )
            write_instance_logs(
                log_dir,
                mine,
                member.job.patch,
                list(member.instance.fail_to_pass),
                list(member.instance.pass_to_pass),
            )
            verdict = InstanceVerdict(
                instance_id=mine.instance_id,
                model_name=mine.model_name,
                status=mine.status,
                reason_code=mine.reason_code.value,
                detail=mine.detail,
                run_id=mine.run_id,
            )
            verdicts.append(verdict)
            if on_verdict:
                on_verdict(verdict)
        _record(kernel, repository, plan, outcome, capture, scope or ScopeConstraints())
    report = build_report(verdicts, list(all_instance_ids), run_id, report_path, log_dir)
    write_run_report(report)
    return report


def task_of(plan: BatchPlan, scope: ScopeConstraints) -> AgentTask:
    """The kernel task an instance is recorded (and captured) as."""
    identity = repo_identity(plan.repo_path)
    return AgentTask(
        task_id=content_id(
            "task",
            {"instance": plan.job.instance_id, "repo": identity, "rev": plan.job.base_commit},
        ),
        repo_path=str(plan.repo_path),
        repo_identity=identity,
        base_rev=plan.job.base_commit,
        description=f"batch evaluation of {plan.job.instance_id}",
        plan=plan.job.plan,
        scope=scope,
        origin=TaskOrigin(kind=OriginKind.CLI, ref=f"eval:{plan.job.instance_id}"),
    )


def proposal_of(plan: BatchPlan) -> MutationProposal:
    """The prediction as a kernel proposal."""
    model = plan.prediction.model_name_or_path
    return MutationProposal(
        diff=plan.job.patch,
        intent=f"prediction of {model} for {plan.job.instance_id}",
        proposer=Proposer(agent="eval", model=model),
    )


def _record(
    kernel: EvoKernel,
    repository: EvolutionRepository,
    plan: BatchPlan,
    outcome: EvalOutcome,
    capture: bool,
    scope: ScopeConstraints,
) -> None:
    task, proposal = task_of(plan, scope), proposal_of(plan)
    resolved = outcome.status is InstanceStatus.RESOLVED
    if capture and resolved and outcome.baseline is not None and outcome.patched is not None:
        result = kernel.capture_validated(
            task, proposal, outcome.run_id, outcome.baseline, outcome.patched
        )
        _log.info("%s: %s", plan.job.instance_id, result.detail)
        return
    repository.record(verdict_events(task, proposal, outcome))
