"""The kernel's view folds only new records, and always equals a cold rebuild."""

from __future__ import annotations

from pathlib import Path

from evokernel.application.kernel import KernelContext
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import event_payload
from sandbox import LocalSandbox, Validator
from store import EventLog
from tests.evokernel.samples import mixed_stream


def test_incremental_view_equals_a_cold_rebuild_after_appends_from_another_writer(
    tmp_path: Path,
) -> None:
    events = [event_payload(event) for event in mixed_stream(300)]
    with EventLog.open(tmp_path / "store") as log, LocalSandbox() as sandbox:
        log.append_many(events[:100])
        ctx = KernelContext(repository=EvolutionRepository(log), validator=Validator(sandbox))
        first = ctx.view()
        assert ctx.view() is first  # nothing new: the same view, no fold at all
        # Another handle (as another process would) appends behind the kernel's back.
        with EventLog.open(tmp_path / "store") as other:
            other.append_many(events[100:])
        caught_up = ctx.view()
        with EvolutionRepository.open(tmp_path / "store", readonly=True, snapshots=False) as reader:
            cold = reader.view()
    assert caught_up.last_seq == 300 and first.last_seq == 100
    assert caught_up == cold
