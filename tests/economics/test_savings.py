"""Savings of a reuse are measured here: a peer's claimed capture cost is never counted."""

from __future__ import annotations

from pathlib import Path

from evokernel.application.economics import reuse_savings
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.events import (
    AgentCalled,
    AssetType,
    CapsuleCommitted,
    GeneSolidified,
    RemoteAssetImported,
)
from evokernel.domain.views import EvolutionView
from tests.network.conftest import assets


def _view(store_dir: Path, events: list[object]) -> EvolutionView:
    with EvolutionRepository.open(store_dir) as repository:
        repository.record(events)  # type: ignore[arg-type]
        return repository.view()


def _local(n: int, **claims: object) -> list[object]:
    genes, capsules = assets(n)
    capsule = capsules[0].model_copy(update=claims)
    return [GeneSolidified(run_id=f"run-{n}", gene=genes[0]), CapsuleCommitted(capsule=capsule)]


def _remote(n: int, **claims: object) -> list[object]:
    genes, capsules = assets(n)
    capsule = capsules[0].model_copy(update=claims)
    common = {"sender_id": "node-peer", "message_id": f"m-{n}", "bundle_hash": "h"}
    return [
        RemoteAssetImported(
            asset_id=genes[0].gene_id, asset_type=AssetType.GENE, gene=genes[0], **common
        ),
        RemoteAssetImported(
            asset_id=capsule.capsule_id, asset_type=AssetType.CAPSULE, capsule=capsule, **common
        ),
    ]


def test_a_peers_claimed_cost_is_replaced_by_this_nodes_averages(tmp_path: Path) -> None:
    local = [*_local(1, capture_seconds=10.0), *_local(2, capture_seconds=30.0)]
    calls = [
        AgentCalled(run_id="r1", task_id="t", agent="a", tokens_in=900, tokens_out=100),
        AgentCalled(run_id="r2", task_id="t", agent="a", tokens_in=2500, tokens_out=500),
    ]
    view = _view(
        tmp_path / "s", [*local, *calls, *_remote(7, capture_seconds=1e6, capture_tokens=10**9)]
    )
    remote = next(c for c in view.capsules.values() if c.imported_from is not None)

    saved = reuse_savings(remote, view, replay_s=5.0)

    assert saved.basis == "local_average"
    assert saved.tokens_saved == 2000  # (1000 + 3000) / 2 agent calls here, not 1e9
    assert saved.seconds_saved == 15.0  # mean local capture cost 20 s minus the 5 s replay


def test_a_remote_capsule_saves_nothing_on_a_node_that_measured_nothing(tmp_path: Path) -> None:
    view = _view(tmp_path / "s", _remote(7, capture_seconds=1e6, capture_tokens=10**9))
    remote = next(iter(view.capsules.values()))

    saved = reuse_savings(remote, view, replay_s=5.0)

    assert (saved.seconds_saved, saved.tokens_saved, saved.basis) == (0.0, None, "none")


def test_a_local_capsule_saves_its_own_capture_cost(tmp_path: Path) -> None:
    view = _view(tmp_path / "s", _local(1, capture_seconds=12.5, capture_tokens=4000))
    local = next(iter(view.capsules.values()))

    assert reuse_savings(local, view, replay_s=2.5) == (10.0, 4000, "capsule")


def test_a_bad_number_stored_before_import_checks_is_not_counted(tmp_path: Path) -> None:
    """A capsule stored by an older version with a negative token claim never crashes a run."""
    view = _view(tmp_path / "s", _local(1, capture_seconds=-4.0, capture_tokens=-5))

    assert reuse_savings(next(iter(view.capsules.values())), view, 1.0) == (0.0, None, "none")
