"""``make_agent(spec)``: schemes, quoting, configuration errors, plugging in a new scheme."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from pydantic import ValidationError

import evokernel.adapters.agents as agents_package
from evokernel.adapters.agents import (
    Agent,
    AgentContext,
    AgentsConfig,
    ChatAgent,
    CommandAgent,
    CommandAgentConfig,
    ScriptedAgent,
    ScriptedRule,
    default_schemes,
    make_agent,
    parse_agent_spec,
)
from evokernel.domain.models import AgentTask
from evokernel.errors import ConfigError


def test_scripted_scheme_loads_the_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": [{"task_id": "t", "diff": "x"}]}))
    agent = make_agent(f"scripted:{path}", AgentsConfig())
    assert isinstance(agent, ScriptedAgent) and agent.calls == 0


def test_cmd_scheme_strips_one_pair_of_quotes_and_takes_its_config() -> None:
    config = AgentsConfig(command=CommandAgentConfig(timeout_s=42))
    agent = make_agent('cmd:"my-agent --task-file {task_file}"', config, environ={})
    assert isinstance(agent, CommandAgent)
    assert agent.command == "my-agent --task-file {task_file}"
    assert agent.config.timeout_s == 42 and agent.name == "cmd:my-agent"


def test_chat_scheme_reads_the_key_from_the_given_environment() -> None:
    agent = make_agent("chat:gpt-4o-mini", AgentsConfig(), environ={"OPENAI_API_KEY": "sk-x"})
    assert isinstance(agent, ChatAgent) and agent.name == "chat:gpt-4o-mini"
    agent.close()


def test_chat_scheme_without_its_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        make_agent("chat:gpt-4o-mini", AgentsConfig(), environ={})
    assert caught.value.key == "agents.chat.api_key_env"


@pytest.mark.parametrize("spec", ["gpt-4o", "cmd:", "cmd:''", ":x", "llm:gpt-4o"])
def test_bad_specs_are_config_errors_naming_the_agent_key(spec: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_agent(spec, AgentsConfig(), environ={})
    assert caught.value.key == "agent"


def test_missing_scripted_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        make_agent(f"scripted:{tmp_path / 'absent.toml'}", AgentsConfig())


def test_a_new_scheme_plugs_in_without_touching_anything_else() -> None:
    def build_echo(value: str, config: AgentsConfig, environ: Mapping[str, str]) -> Agent:
        return ScriptedAgent.from_rules([ScriptedRule(diff=value)], name=f"echo:{value}")

    schemes = {**default_schemes(), "echo": build_echo}
    agent = make_agent("echo:hello", AgentsConfig(), schemes=schemes)
    task = AgentTask(task_id="t", repo_path="/r", repo_identity="r", base_rev="0" * 40)
    proposal = agent.propose(task, AgentContext(worktree=Path("/tmp")))

    assert proposal.diff == "hello" and agent.name == "echo:hello"
    assert "echo" not in default_schemes()  # the caller's mapping, not a global registry


def test_parse_agent_spec_keeps_colons_in_the_value() -> None:
    assert parse_agent_spec("cmd:python -c 'print(1)' --url http://x:1") == (
        "cmd",
        "python -c 'print(1)' --url http://x:1",
    )


def test_secret_looking_names_must_be_declared_as_secrets() -> None:
    with pytest.raises(ValidationError, match="secret_env"):
        CommandAgentConfig(env=["PATH", "GITHUB_TOKEN"])
    assert CommandAgentConfig(secret_env=["GITHUB_TOKEN"]).secret_env == ["GITHUB_TOKEN"]


def test_config_rejects_unknown_keys_and_bad_names() -> None:
    with pytest.raises(ValidationError):
        AgentsConfig.model_validate({"command": {"timeout": 5}})
    with pytest.raises(ValidationError):
        CommandAgentConfig(secret_env=["NOT A NAME"])


def test_all_is_sorted_and_complete() -> None:
    exported = agents_package.__all__
    assert exported == sorted(exported)
    public = {
        name
        for name, value in vars(agents_package).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("evokernel")
    }
    assert public - {"annotations"} <= set(exported)
