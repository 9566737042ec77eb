"""The metrics scenario runs end to end: exact counters, measured latency, a healthy node."""

from __future__ import annotations

from scenarios import metrics


def test_metrics_scenario_outcomes(docker_engine: object) -> None:
    data = metrics.run().to_json()

    assert data["scenario"] == "metrics" and data["ok"] is True, data
    figures = data["metrics"]
    assert {name: figures[name] for name in metrics.EXPECTED} == metrics.EXPECTED
    assert figures["replay_lookups"] > figures["replay_validations"] > figures["replay_hits"]
    assert figures["latency"]["start"]["count"] > 0
    assert data["health"]["status"] == "ok" and data["health"]["http_status"] == 200
    assert [c["name"] for c in data["health"]["checks"]] == ["store", "engine", "image"]
