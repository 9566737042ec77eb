"""The code in docs/agents.md runs: Python examples execute, the plain-script agent fixes a bug."""

from __future__ import annotations

import re
import shlex
import sys
import tomllib
from pathlib import Path

import pytest

from evokernel.adapters.agents import AgentContext, AgentsConfig, CommandAgent, ScriptedRules
from evokernel.domain.models import AgentTask
from tests.evokernel.agents.conftest import CalcRepo, applies_cleanly

DOC = Path(__file__).resolve().parents[3] / "docs" / "agents.md"
_BLOCK = re.compile(r"(?:<!-- example: ([\w-]+) -->\n)?```(\w+)\n(.*?)^```$", re.S | re.M)


def _blocks(lang: str) -> list[tuple[str | None, str]]:
    text = DOC.read_text()
    return [(name or None, body) for name, tag, body in _BLOCK.findall(text) if tag == lang]


def _python_examples() -> list[str]:
    return [body for name, body in _blocks("python") if name is None]


@pytest.mark.parametrize("source", _python_examples())
def test_python_examples_run(source: str) -> None:
    exec(compile(source, str(DOC), "exec"), {"__name__": "docs_example"})


def test_configuration_example_is_the_defaults_plus_a_base_url() -> None:
    (config_toml,) = [body for _, body in _blocks("toml") if "[agents.command]" in body]
    config = AgentsConfig.model_validate(tomllib.loads(config_toml)["agents"])
    defaults = AgentsConfig()
    assert config.command == defaults.command
    assert config.chat.model_copy(update={"base_url": None}) == defaults.chat


def test_rules_file_example_is_valid() -> None:
    (rules_toml,) = [body for _, body in _blocks("toml") if "[[rules]]" in body]
    data = tomllib.loads(rules_toml)
    rules = ScriptedRules.model_validate(data)
    assert rules.name == "demo-agent" and len(rules.rules) == 3


def test_plain_script_agent_fixes_the_sample_bug(
    tmp_path: Path, task: AgentTask, context: AgentContext, calc_repo: CalcRepo
) -> None:
    (source,) = [body for name, body in _blocks("python") if name == "plain-script-agent"]
    script = tmp_path / "fix_agent.py"
    script.write_text(source)
    agent = CommandAgent(f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")

    proposal = agent.propose(task, context)

    assert proposal.intent == "add() subtracted; make it add"
    assert "+    return a + b\n" in proposal.diff
    assert applies_cleanly(calc_repo.root, proposal.diff)
