"""The network scenario runs end to end and checks its own outcomes."""

from __future__ import annotations

from scenarios import network


def test_network_scenario_outcomes(docker_engine: object) -> None:
    data = network.run().to_json()

    assert data["scenario"] == "network" and data["ok"] is True, data
    steps = {s["name"]: s for s in data["steps"]}
    assert steps["B imports the bundle"]["state"] == "quarantined"
    reuse = steps["B reuses it after local validation"]
    assert (reuse["outcome"], reuse["agent_calls"], reuse["state"]) == ("replayed", 0, "promoted")
    refusals = [s for s in data["steps"] if s["outcome"] == "refused"]
    assert [s["detail"].split(":")[0] for s in refusals] == [
        "BundleHashError",
        "BundleReplayError",
        "NotPublisherError",
    ]
    assert data["steps"][-1]["state"] == "revoked"
