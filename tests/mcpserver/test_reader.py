"""``StoreReader``: what ``status`` reads stays right as the store grows under it."""

from __future__ import annotations

from pathlib import Path

from evokernel.adapters.mcpserver.reader import StoreReader
from evokernel.application.metrics import HealthCheck
from evokernel.domain.views import EvolutionView
from sandbox import LocalSandboxConfig
from tests.evokernel.samples import fill_store, mixed_stream
from tests.tampering import tamper


def append(store_dir: Path, count: int, seed: int) -> None:
    fill_store(store_dir, mixed_stream(count, seed=seed))


def store_check(reader: StoreReader) -> HealthCheck:
    report = reader.health(LocalSandboxConfig())
    return next(check for check in report.checks if check.name == "store")


def test_the_store_check_verifies_the_new_tail_from_an_earlier_head_and_finds_tampering(
    tmp_path: Path,
) -> None:
    store_dir = tmp_path / "store"
    append(store_dir, 100, seed=1)
    reader = StoreReader(store_dir)

    first = store_check(reader)
    append(store_dir, 70, seed=2)
    grown = store_check(reader)
    tamper(store_dir, 150)  # inside the last 64 records
    tampered = store_check(reader)

    assert (first.status, first.details) == ("ok", {"last_seq": 100, "verified": 64})
    # read on from the head the first check saw: the 70 new records, hashes and links
    assert (grown.status, grown.details) == ("ok", {"last_seq": 170, "verified": 70})
    assert tampered.status == "failing" and tampered.details["seq"] == 150


def test_capsule_states_are_counted_again_when_a_capsule_changed(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    append(store_dir, 300, seed=5)
    reader = StoreReader(store_dir)
    before = reader.capsule_states(reader.view())
    append(store_dir, 300, seed=6)

    view = reader.view()

    assert reader.capsule_states(view) == count_states(view)
    assert sum(before.values()) < sum(reader.capsule_states(view).values())


def count_states(view: EvolutionView) -> dict[str, int]:
    counted: dict[str, int] = {}
    for capsule in view.capsules.values():
        counted[capsule.state.value] = counted.get(capsule.state.value, 0) + 1
    return counted
