"""The executor protocol: run a batch's jobs somewhere, hand outcomes back as they finish.

An executor never writes the store; the driver records each outcome it yields. Outcomes come
in completion order; every job yields exactly one outcome (an infra failure is an ``ERROR``
outcome, not an exception), so the driver's progress and report always add up.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from types import TracebackType

from evokernel.application.eval.job import EvalJob, EvalOutcome, InstanceStatus
from evokernel.domain.models.feedback import ReasonCode


class Executor(ABC):
    """Runs validations; ``name`` is ``local`` or ``ray``."""

    name: str

    @abstractmethod
    def run(self, jobs: Sequence[EvalJob]) -> Iterator[EvalOutcome]:
        """Validate every job; yield one outcome per job as each finishes."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the executor holds (pools, connections)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def error_outcome(job: EvalJob, detail: str, worker: str = "") -> EvalOutcome:
    """The outcome of a job whose validation could not run at all."""
    return EvalOutcome(
        instance_id=job.instance_id,
        model_name=job.model_name,
        key=job.key,
        run_id=job.run_id,
        status=InstanceStatus.ERROR,
        reason_code=ReasonCode.INFRA_FAILURE,
        detail=detail,
        worker=worker,
    )
