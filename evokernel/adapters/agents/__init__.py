"""Agents: one protocol, several adapters (scripted, command, chat), built from a spec string."""

from __future__ import annotations

import importlib
from typing import Any

from evokernel.adapters.agents.briefing import AgentBriefing, make_briefing, render_prompt
from evokernel.adapters.agents.command import (
    CommandAgent,
    CommandAgentError,
    CommandRun,
    ProposalNote,
)
from evokernel.adapters.agents.factory import (
    AgentBuilder,
    default_schemes,
    make_agent,
    parse_agent_spec,
)
from evokernel.adapters.agents.scripted import (
    ScriptedAgent,
    ScriptedCall,
    ScriptedHandler,
    ScriptedRule,
    ScriptedRules,
    rules_handler,
)
from evokernel.application.config.agents import AgentsConfig, ChatAgentConfig, CommandAgentConfig
from evokernel.application.kernel.agent import Agent, AgentContext, AgentError, FailedCandidate

# The chat adapter imports the ``openai`` package (over a second of import time); it loads on
# first use so the CLI and the other adapters start fast.
_LAZY = {
    "ChatAgent": "evokernel.adapters.agents.chat",
    "ChatAgentError": "evokernel.adapters.agents.chat",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Agent",
    "AgentBriefing",
    "AgentBuilder",
    "AgentContext",
    "AgentError",
    "AgentsConfig",
    "ChatAgent",
    "ChatAgentConfig",
    "ChatAgentError",
    "CommandAgent",
    "CommandAgentConfig",
    "CommandAgentError",
    "CommandRun",
    "FailedCandidate",
    "ProposalNote",
    "ScriptedAgent",
    "ScriptedCall",
    "ScriptedHandler",
    "ScriptedRule",
    "ScriptedRules",
    "default_schemes",
    "make_agent",
    "make_briefing",
    "parse_agent_spec",
    "render_prompt",
    "rules_handler",
]
