"""One run's scope: log context, the root span, and a record when the run is interrupted.

Every public kernel call that works for a run enters it, so a run interrupted by Ctrl-C says
so in the store (``run_interrupted``) instead of staying open-ended in the audit trail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from evokernel.application.kernel.context import KernelContext
from evokernel.domain.events import RunInterrupted
from evokernel.domain.models import AgentTask
from evokernel.logs import bind_run
from store import StoreError

logger = logging.getLogger(__name__)


@contextmanager
def run_scope(ctx: KernelContext, task: AgentTask, run_id: str, during: str) -> Iterator[None]:
    """Bind ``run_id`` and ``task``'s id to logs and the ``evokernel.run`` span while the run
    works; record ``RunInterrupted`` if a ``KeyboardInterrupt`` ends it, then let it go on."""
    with bind_run(run_id, task.task_id), ctx.tracing.run(run_id, task.task_id):
        try:
            yield
        except KeyboardInterrupt:
            try:
                ctx.record([RunInterrupted(run_id=run_id, task_id=task.task_id, during=during)])
            except StoreError:
                logger.exception("could not record that run %s was interrupted", run_id)
            raise
