"""``evokernel store``: effects and exit codes checked against the real store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson

from evokernel.application.projection import EvolutionRepository
from store import EventLog
from tests.cli.conftest import Invoke
from tests.tampering import tamper


def files_of(directory: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_verify_ok(invoke: Invoke, store_dir: Path) -> None:
    result = invoke("store", "verify", "--store", str(store_dir))

    assert result.exit_code == 0
    assert "OK" in result.stdout


def test_verify_json_is_the_verify_report(invoke: Invoke, store_dir: Path) -> None:
    result = invoke("store", "verify", "--store", str(store_dir), "--json")

    report = orjson.loads(result.stdout)
    with EventLog.open_readonly(store_dir) as log:
        assert report == log.verify().model_dump(mode="json")
    assert report["ok"] is True and report["records"] == 300


def test_verify_of_a_tampered_store_exits_1_naming_the_seq(invoke: Invoke, store_dir: Path) -> None:
    tamper(store_dir, line=150)
    before = files_of(store_dir)

    human = invoke("store", "verify", "--store", str(store_dir))
    machine = invoke("store", "verify", "--store", str(store_dir), "--json")

    assert human.exit_code == machine.exit_code == 1
    assert "FAILED at seq 150" in human.stdout
    report = orjson.loads(machine.stdout)
    assert (report["ok"], report["first_bad_seq"], report["records"]) == (False, 150, 149)
    assert files_of(store_dir) == before, "verify must not repair or rewrite anything"


def test_store_location_from_global_option_and_environment(invoke: Invoke, store_dir: Path) -> None:
    by_option = invoke("--store", str(store_dir), "store", "verify", "--json")
    by_env = invoke("store", "verify", "--json", env={"EVOKERNEL_STORE": str(store_dir)})

    assert by_option.exit_code == by_env.exit_code == 0
    assert (
        orjson.loads(by_option.stdout)["records"] == orjson.loads(by_env.stdout)["records"] == 300
    )


def test_missing_store_is_bad_input_with_the_error_class_on_stderr(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("store", "stats", "--store", str(tmp_path / "nowhere"))

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("StoreNotFoundError: ")
    assert "Traceback" not in result.stderr


def test_traceback_only_with_verbose(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("-v", "store", "stats", "--store", str(tmp_path / "nowhere"))

    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.stderr


def test_stats_reports_the_projection_and_writes_nothing(invoke: Invoke, store_dir: Path) -> None:
    before = files_of(store_dir)

    result = invoke("store", "stats", "--store", str(store_dir), "--json")

    stats = orjson.loads(result.stdout)
    with EvolutionRepository.open(store_dir, readonly=True) as repository:
        view = repository.view()
    assert stats["records"] == 300
    assert stats["counters"] == view.counters.model_dump(mode="json")
    assert sum(stats["capsules"].values()) == len(view.capsules)
    assert files_of(store_dir) == before
    assert "counters.replay_hits" in invoke("store", "stats", "--store", str(store_dir)).stdout


def test_tail_prints_the_last_records(invoke: Invoke, store_dir: Path) -> None:
    result = invoke("store", "tail", "--store", str(store_dir), "-n", "3", "--json")

    entries = orjson.loads(result.stdout)
    with EventLog.open_readonly(store_dir) as log:
        last = list(log.scan(298))
    assert [e["seq"] for e in entries] == [298, 299, 300]
    assert [(e["kind"], e["payload"]) for e in entries] == [(r.kind, r.payload) for r in last]


def test_stale_snapshot_warning_is_logged_as_json_on_stderr(
    invoke: Invoke, store_dir: Path, tmp_path: Path
) -> None:
    """--log-format json reaches library log records (here the snapshot's warning)."""
    from evokernel.application.projection import default_snapshot_path
    from tests.evokernel.samples import fill_store, mixed_stream

    with EvolutionRepository.open(store_dir) as repository:
        repository.view()  # closing a writer saves the snapshot
    snapshot = default_snapshot_path(store_dir).read_bytes()
    other = tmp_path / "other"
    fill_store(other, mixed_stream(300, seed=99))
    default_snapshot_path(other).write_bytes(snapshot)

    result = invoke("--log-format", "json", "store", "stats", "--store", str(other), "--json")

    assert result.exit_code == 0
    warnings = [orjson.loads(line) for line in result.stderr.splitlines()]
    assert any("does not match the log" in w["message"] for w in warnings)
    assert all(w["level"] == "WARNING" for w in warnings)
