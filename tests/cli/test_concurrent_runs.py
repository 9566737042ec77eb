"""Concurrent ``evokernel run`` processes on one repository and one store.

Runs that meet the same failure at the same time pay the agent once: the others wait for
the capture and replay it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

from evokernel.demo.repos import SampleRepo, build_shop
from store import EventLog

RUNS = 4
DEADLINE_S = 600.0
"""Bounds a hang only: four runs of a small sample take seconds even on a busy machine."""

AGENT = """
import subprocess, sys
with open(sys.argv[1], "a") as calls:
    calls.write("called\\n")
subprocess.run(["git", "apply", sys.argv[2]], check=True)
"""


def test_simultaneous_runs_on_one_failure_call_the_agent_once(
    tmp_path: Path, docker_engine: object
) -> None:
    shop: SampleRepo = build_shop(tmp_path / "shop")
    patch = tmp_path / "cart.patch"
    patch.write_text(shop.fixes["cart"])
    agent = tmp_path / "agent.py"
    agent.write_text(AGENT)
    calls = tmp_path / "calls.txt"
    evokernel = str(Path(sys.executable).parent / "evokernel")
    command = [
        evokernel, "run", "--repo", str(shop.path), "--task", "fix cart", "--json",
        "--store", str(tmp_path / "store"),
        "--agent", f"cmd:{sys.executable} {agent} {calls} {patch}",
    ]  # fmt: skip
    runs = [
        subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env={**os.environ, "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
        for _ in range(RUNS)
    ]
    outcomes = []
    for run in runs:
        out, err = run.communicate(timeout=DEADLINE_S)
        assert run.returncode == 0, err.decode()[-2000:]
        outcomes.append(orjson.loads(out)["outcome"])
    assert calls.read_text().count("called") == 1, outcomes
    assert sorted(outcomes) == ["captured"] + ["replayed"] * (RUNS - 1)
    with EventLog.open_readonly(tmp_path / "store") as log:
        assert log.verify().ok
