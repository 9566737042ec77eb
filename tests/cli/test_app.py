"""Global options, usage errors, schema and config commands."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import orjson
import pytest

from evokernel.domain.events import EVENT_TYPES
from evokernel.domain.models import MutationProposal
from tests.cli.conftest import Invoke


def test_version(invoke: Invoke) -> None:
    result = invoke("--version")

    assert result.exit_code == 0
    assert result.stdout.strip() == f"evokernel {importlib.metadata.version('evokernel-runtime')}"


@pytest.mark.parametrize(
    "args",
    [
        ["--no-such-option"],
        ["no-such-command"],
        ["store", "tail", "-n", "-1"],
        ["-v", "-q", "config", "show"],
        ["schema", "NoSuchModel"],
        ["--log-format", "yaml", "config", "show"],
    ],
)
def test_usage_errors_exit_2(invoke: Invoke, args: list[str]) -> None:
    assert invoke(*args).exit_code == 2


def test_schema_json_holds_models_and_every_event(invoke: Invoke) -> None:
    result = invoke("schema", "--json")

    schemas = orjson.loads(result.stdout)
    assert schemas["MutationProposal"] == MutationProposal.model_json_schema()
    assert all(model.__name__ in schemas for model in EVENT_TYPES.values())
    assert set(schemas["Event"]["discriminator"]["mapping"]) == set(EVENT_TYPES)


def test_schema_by_name_and_table(invoke: Invoke) -> None:
    one = orjson.loads(invoke("schema", "AgentFeedback", "--json").stdout)
    table = invoke("schema").stdout

    assert list(one) == ["AgentFeedback"]
    assert "Machine-readable verdict" in one["AgentFeedback"]["description"]
    assert "CapsuleReused" in table and "MutationProposal" in table


def test_config_show_names_the_source_of_each_value(invoke: Invoke, isolated_cwd: Path) -> None:
    (isolated_cwd / "evokernel.toml").write_text("[policy]\nmax_files = 7\n")

    result = invoke(
        "--log-format",
        "json",
        "config",
        "show",
        "--json",
        env={"EVOKERNEL_SANDBOX__KIND": "local"},
    )

    shown = orjson.loads(result.stdout)
    assert shown["config"]["policy"]["max_files"] == 7
    assert shown["sources"]["policy.max_files"] == "evokernel.toml"
    assert shown["config"]["sandbox"]["kind"] == "local"
    assert shown["sources"]["sandbox.kind"] == "env EVOKERNEL_SANDBOX__KIND"
    assert shown["sources"]["log.format"] == "cli"
    assert shown["config"]["store"]["path"] == str(isolated_cwd / ".evokernel/store")


def test_config_show_table(invoke: Invoke) -> None:
    result = invoke("config", "show")

    assert result.exit_code == 0
    assert "policy.max_changed_lines" in result.stdout and "default" in result.stdout


def test_unknown_config_key_exits_2_naming_key_and_file(invoke: Invoke, isolated_cwd: Path) -> None:
    (isolated_cwd / "pyproject.toml").write_text("[tool.evokernel.store]\npaht = 'x'\n")

    result = invoke("config", "show")

    assert result.exit_code == 2
    assert result.stderr.startswith("ConfigError: ")
    assert "store.paht" in result.stderr and "pyproject.toml" in result.stderr


def test_bench_store_reports_the_issue_keys(invoke: Invoke, tmp_path: Path) -> None:
    workdir = tmp_path / "bench"

    result = invoke("bench", "store", "--events", "200", "--workdir", str(workdir), "--json")

    figures = orjson.loads(result.stdout)
    assert result.exit_code == 0
    for key in (
        "append_fsync_us_p50",
        "raw_fsync_us_p50",
        "batched_events_per_s",
        "sqlite_batched_events_per_s",
        "open_cold_s",
        "open_snapshot_s",
    ):
        assert figures[key] > 0, key
    assert (workdir / "store" / "events.jsonl").exists(), "--workdir keeps the files"
