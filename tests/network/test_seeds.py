"""Seed files: ids computed here, assets quarantined, importing twice writes nothing."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest

from evokernel.adapters.network import (
    BundleContentError,
    MessageFormatError,
    import_seeds,
    load_seed_file,
)
from evokernel.adapters.network.seeds import Seed, SeedFile
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.models import AssetState
from tests.network.conftest import change


def test_seeds_arrive_quarantined_from_the_seed_publisher(tmp_path: Path) -> None:
    seeds = SeedFile(
        name="demo", seeds=[Seed(signature=["exception:E", "lint:F1"], diff=change(1))]
    )
    with EvolutionRepository.open(tmp_path / "store") as store:
        report = import_seeds(store, seeds)
        view = store.view()

    (capsule,) = view.capsules.values()
    assert report.imported_capsules == [capsule.capsule.capsule_id]
    assert capsule.state is AssetState.QUARANTINED and capsule.imported_from == "seed:demo"
    assert capsule.capsule.blast_radius.files == ["pkg/m1.py"]


def test_importing_a_seed_file_twice_writes_nothing_the_second_time(tmp_path: Path) -> None:
    seeds = SeedFile(name="demo", seeds=[Seed(signature=["exception:E"], diff=change(1))])
    with EvolutionRepository.open(tmp_path / "store") as store:
        import_seeds(store, seeds)
        before = (tmp_path / "store" / "events.jsonl").read_bytes()

        again = import_seeds(store, seeds)

    assert again.already_received and again.imported_capsules == []
    assert (tmp_path / "store" / "events.jsonl").read_bytes() == before


def test_a_hostile_seed_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    hostile = "diff --git a/../x b/../x\n--- a/../x\n+++ b/../x\n@@ -1 +1 @@\n-a\n+b\n"
    seeds = SeedFile(
        name="demo",
        seeds=[
            Seed(signature=["exception:E"], diff=change(1)),
            Seed(signature=["exception:F"], diff=hostile),
        ],
    )
    with EvolutionRepository.open(tmp_path / "store") as store:
        with pytest.raises(BundleContentError, match="leaves the repository"):
            import_seeds(store, seeds)
        assert store.log.position() is None


def test_a_file_that_is_not_a_seed_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "seeds.json"
    path.write_text('{"format": "something-else", "name": "x"}')

    with pytest.raises(MessageFormatError, match="format"):
        load_seed_file(path)


def test_the_bootstrap_seed_file_ships_with_the_scenarios() -> None:
    resource = importlib.resources.files("scenarios") / "bootstrap_seeds.json"
    with importlib.resources.as_file(resource) as path:
        seeds = load_seed_file(path)

    assert seeds.name == "shop" and len(seeds.seeds) == 2
