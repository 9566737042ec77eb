"""Agents: one protocol, several adapters (scripted, command, chat), built from a spec string."""

from __future__ import annotations

from evokernel.agents.base import Agent, AgentContext, AgentError, FailedCandidate
from evokernel.agents.briefing import AgentBriefing, make_briefing, render_prompt
from evokernel.agents.chat import ChatAgent, ChatAgentError
from evokernel.agents.command import CommandAgent, CommandAgentError, CommandRun, ProposalNote
from evokernel.agents.config import AgentsConfig, ChatAgentConfig, CommandAgentConfig
from evokernel.agents.factory import AgentBuilder, default_schemes, make_agent, parse_agent_spec
from evokernel.agents.scripted import (
    ScriptedAgent,
    ScriptedCall,
    ScriptedHandler,
    ScriptedRule,
    ScriptedRules,
    rules_handler,
)

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
