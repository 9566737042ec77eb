"""``evokernel store tail``: filters, narrowed JSON, and --follow as a real process."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from evokernel.domain.events import AgentCalled, CapsuleReused, event_payload
from store import EventLog
from tests.cli.conftest import Invoke
from tests.report.conftest import write_known_store

EVOKERNEL = str(Path(sys.executable).with_name("evokernel"))


def _known(tmp_path: Path) -> Path:
    store = tmp_path / "known-store"
    write_known_store(store)
    return store


def test_kind_and_run_filters(invoke: Invoke, tmp_path: Path) -> None:
    store = str(_known(tmp_path))
    result = invoke(
        "--store", store, "store", "tail", "-n", "10", "--kind", "capsule_reused",
        "--run", "run_reuse_", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert [e["payload"]["replay_run_id"] for e in entries] == [
        "run_reuse_1", "run_reuse_2", "run_reuse_3",
    ]  # fmt: skip


def test_fields_narrow_the_json(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(
        "--store", str(_known(tmp_path)), "store", "tail", "-n", "1",
        "--fields", "seq,kind,payload.run_id",
    )  # fmt: skip
    assert json.loads(result.stdout) == [
        {"seq": 22, "kind": "asset_state_changed", "payload": {"run_id": None}}
    ]


def test_jq_filters_and_prints_strings_raw(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(
        "--store", str(_known(tmp_path)), "store", "tail", "-n", "100",
        "--jq", '.[] | select(.kind == "capsule_reused") | .payload.capsule_id',
    )  # fmt: skip
    assert result.stdout.splitlines() == ["capsule_a1", "capsule_a1", "capsule_c1"]


def test_a_bad_jq_expression_is_bad_input(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--store", str(_known(tmp_path)), "store", "tail", "--jq", ".[")
    assert result.exit_code == 2
    assert "syntax error" in result.output


def _lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            found.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return found


def test_follow_prints_new_matching_records_until_ctrl_c(tmp_path: Path) -> None:
    store = _known(tmp_path)
    process = subprocess.Popen(
        [EVOKERNEL, "--store", str(store), "store", "tail", "-n", "1", "--follow", "--json",
         "--kind", "capsule_reused"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)},
    )  # fmt: skip
    try:
        lines = _lines(process)
        first = json.loads(lines.get(timeout=120))  # the tail has been read: follow from here
        assert first["payload"]["replay_run_id"] == "run_reuse_3"
        with EventLog.open(store) as log:
            log.append(*event_payload(AgentCalled(run_id="r9", task_id="t9", agent="x")))
            log.append(
                *event_payload(
                    CapsuleReused(
                        capsule_id="capsule_a1", gene_id="gene_aaaa1111", run_id="run_origin_a",
                        replay_run_id="run_reuse_9",
                    )
                )
            )  # fmt: skip
        followed = json.loads(lines.get(timeout=120))
        assert (followed["seq"], followed["kind"]) == (24, "capsule_reused")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()  # never leave a follower behind, whatever failed
    assert process.returncode == 0, err
