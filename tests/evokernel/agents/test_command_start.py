"""A ``cmd:`` agent is checked when it is made, and named by what it runs."""

from __future__ import annotations

import pytest

from evokernel.adapters.agents import make_agent
from evokernel.adapters.agents.command import command_name
from evokernel.errors import ConfigError


@pytest.mark.parametrize(
    ("command", "name"),
    [
        ("python3 agents/fix_it.py --task {task_file}", "cmd:fix_it.py"),
        ("/usr/bin/python3 -u ./agent.py", "cmd:agent.py"),
        ("python -m my_agent --yes", "cmd:my_agent"),
        ("node ./bin/agent.js", "cmd:agent.js"),
        ("bash -c 'echo hi'", "cmd:bash"),
        ("aider --yes", "cmd:aider"),
    ],
)
def test_a_script_run_by_an_interpreter_names_the_agent(command: str, name: str) -> None:
    assert command_name(command) == name


def test_an_unbalanced_quote_is_a_config_error_before_anything_runs() -> None:
    with pytest.raises(ConfigError, match="cannot parse the agent command"):
        make_agent("cmd:my-agent --msg 'unbalanced", environ={})
