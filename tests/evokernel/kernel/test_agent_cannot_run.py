"""An agent that cannot run at all (missing command, shell syntax error) is asked once, not
``max_attempts`` times, and says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from evokernel.adapters.agents import CommandAgent
from evokernel.application.kernel import KernelSettings
from evokernel.demo.repos import SampleRepo
from store import EventLog
from tests.evokernel.kernel.conftest import kinds, shop_task


@pytest.mark.docker
@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("no-such-agent-anywhere --task {task_file}", "command was not found (exit 127)"),
        ("if then fi", "shell cannot parse the command"),
    ],
)
def test_unrunnable_agent_is_not_retried(
    make_kernel, shop: SampleRepo, event_log: EventLog, tmp_path: Path, command: str, said: str
) -> None:  # type: ignore[no-untyped-def]
    kernel = make_kernel(KernelSettings(max_attempts=3))
    agent = CommandAgent(command, environ={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})

    result = kernel.solve(shop_task(shop, "cart_bug"), agent)

    assert kinds(event_log).count("agent_called") == 1
    assert result.capsule_id is None
    assert any(said in item.message for item in result.feedback)
