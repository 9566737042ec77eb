"""``evokernel metrics``: the /metrics figures read from the store, as a table, JSON or text."""

from __future__ import annotations

from pathlib import Path

import orjson
from prometheus_client.parser import text_string_to_metric_families

from evokernel.application.metrics import read_metrics
from tests.cli.conftest import Invoke


def test_json_is_the_snapshot_of_the_store(invoke: Invoke, store_dir: Path) -> None:
    result = invoke("metrics", "--store", str(store_dir), "--json")

    assert result.exit_code == 0
    shown = orjson.loads(result.stdout)
    assert shown == read_metrics(store_dir).model_dump(mode="json")
    assert shown["store_last_seq"] == 300 and shown["latency"] is None


def test_prometheus_text_and_table_show_the_same_figures(invoke: Invoke, store_dir: Path) -> None:
    text = invoke("metrics", "--store", str(store_dir), "--prometheus").stdout
    table = invoke("metrics", "--store", str(store_dir)).stdout

    lookups = next(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "evokernel_replay_lookups_total"
    )
    assert lookups == read_metrics(store_dir).replay_lookups
    assert "evokernel_replay_lookups_total" in table and "evokernel_store_last_seq" in table


def test_metrics_never_write_to_the_store(invoke: Invoke, store_dir: Path) -> None:
    before = {p.name: p.read_bytes() for p in store_dir.iterdir() if p.is_file()}

    invoke("metrics", "--store", str(store_dir), "--json")

    assert {p.name: p.read_bytes() for p in store_dir.iterdir() if p.is_file()} == before


def test_a_missing_store_is_bad_input(invoke: Invoke, tmp_path: Path) -> None:
    assert invoke("metrics", "--store", str(tmp_path / "nothing")).exit_code == 2
