"""The bootstrap scenario runs end to end and checks its own outcomes."""

from __future__ import annotations

from scenarios import bootstrap


def test_bootstrap_scenario_outcomes(docker_engine: object) -> None:
    data = bootstrap.run().to_json()

    assert data["scenario"] == "bootstrap" and data["ok"] is True, data
    seeded, again, cart, slug = data["steps"]
    assert seeded["state"] == "quarantined" and again["outcome"] == "unchanged"
    assert (cart["outcome"], cart["agent_calls"], cart["state"]) == ("replayed", 0, "promoted")
    assert (slug["outcome"], slug["agent_calls"], slug["state"]) == ("fallback", 1, "quarantined")
    assert cart["capsule_id"] != slug["capsule_id"]
