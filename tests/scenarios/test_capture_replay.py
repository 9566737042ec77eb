"""The capture/replay scenario runs end to end and checks its own outcomes."""

from __future__ import annotations

from scenarios import capture_replay


def test_capture_replay_scenario_outcomes(docker_engine: object) -> None:
    result = capture_replay.run()
    data = result.to_json()
    assert data["scenario"] == "capture-replay" and data["ok"] is True, data
    tasks = data["tasks"]
    assert [t["outcome"] for t in tasks] == ["captured", "replayed", "fallback"]
    assert [t["agent_calls"] for t in tasks] == [1, 0, 1]
    first, second, _third = tasks
    assert second["capsule_id"] == first["capsule_id"]
    assert second["replay_run_id"] == second["run_id"] != first["run_id"]
    assert second["original_run_id"] == first["run_id"]
    for task in tasks:
        assert set(task) >= {
            "name",
            "outcome",
            "agent_calls",
            "capsule_id",
            "run_id",
            "replay_run_id",
            "seconds",
        }
