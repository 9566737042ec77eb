"""The economics scenario runs end to end and checks its own outcomes."""

from __future__ import annotations

from scenarios import economics


def test_economics_scenario_outcomes(docker_engine: object) -> None:
    data = economics.run().to_json()

    assert data["scenario"] == "economics" and data["ok"] is True, data
    steps = {step["name"]: step for step in data["steps"]}
    assert [s["outcome"] for s in data["steps"]] == [
        "published",
        "ranked",
        "penalised",
        "ranked",
        "rewarded",
        "restarted",
    ]
    assert steps["publish"]["balances"] == {"seed:alice": -20.0, "seed:bob": -10.0}
    assert steps["rank before"]["scores"][0] == steps["rank before"]["scores"][1]
    assert steps["rank after"]["ranking"] == ["seed:bob", "seed:alice"]
    assert steps["after restart"]["balances"] == {
        "local": 1.0,
        "seed:alice": -22.0,
        "seed:bob": -9.0,
    }
    reputation = steps["after restart"]["reputation"]
    assert reputation["seed:bob"] > 0.5 > reputation["seed:alice"]
