"""The supervised-devloop scenario runs end to end, checks its own outcomes and cleans up."""

from __future__ import annotations

from pathlib import Path

from scenarios import supervised_devloop


def test_supervised_devloop_scenario_outcomes(docker_engine: object, tmp_path: Path) -> None:
    result = supervised_devloop.run(workdir=tmp_path)
    data = result.to_json()

    assert data["scenario"] == "supervised-devloop" and data["ok"] is True, data
    steps = data["steps"]
    assert [s["status"] for s in steps] == ["rejected", "approved", "rejected_by_policy"]
    assert [s["branch"] for s in steps] == [None, "evo/fix-the-cart-discount", None]
    assert steps[0]["commit"] is None and steps[2]["commit"] is None
    assert len(steps[1]["commit"]) == 40
    for step in steps:
        assert set(step) >= {"name", "status", "branch", "commit"}
    assert list(tmp_path.iterdir()) == []  # sample repository and store removed
