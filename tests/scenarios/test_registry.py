"""Every registered scenario can be listed and run the same way by ``evokernel scenario``."""

from __future__ import annotations

import importlib
import inspect

from evokernel.demo.scenario_runner import list_scenarios, load_scenario


def test_economics_and_metrics_are_registered() -> None:
    names = {info.name for info in list_scenarios()}

    assert {"capture-replay", "economics", "metrics"} <= names


def test_every_scenario_runs_with_config_and_has_a_main() -> None:
    for info in list_scenarios():
        run = load_scenario(info.name)
        module = importlib.import_module(info.target.partition(":")[0])

        assert info.summary.startswith("Scenario:"), info
        assert "config" in inspect.signature(run).parameters, info
        assert callable(getattr(module, "main", None)), info
