"""The GitHub-loop scenario runs end to end and checks its own outcomes."""

from __future__ import annotations

from evokernel import EvoConfig
from scenarios import github_loop


def test_github_loop_scenario_outcomes(docker_engine: object) -> None:
    default = EvoConfig()
    config = default.model_copy(
        update={"sandbox": default.sandbox.model_copy(update={"pool_size": 0})}
    )
    data = github_loop.run(config).to_json()

    assert data["scenario"] == "github-loop" and data["ok"] is True, data
    assert (data["issues_opened"], data["prs_opened"]) == (2, 2)
    assert data["replayed"] == 1 and data["duplicates"] == 0
    steps = {step["name"]: step for step in data["steps"]}
    assert steps["run opens a validated pull request"]["agent_calls"] == 1
    assert steps["same failure elsewhere is replayed"]["agent_calls"] == 0
    assert steps["the merge raises confidence"]["confidence"] is not None
    assert all(step["ok"] for step in data["steps"])
