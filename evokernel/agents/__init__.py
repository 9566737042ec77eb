"""Agents: one protocol, several adapters (scripted, command, chat)."""

from __future__ import annotations

from evokernel.agents.base import Agent, AgentContext, AgentError, FailedCandidate

__all__ = ["Agent", "AgentContext", "AgentError", "FailedCandidate"]
