"""``--agent SCHEME:VALUE`` -> an Agent. The kernel never imports a concrete agent; this does.

Schemes are a plain mapping from name to builder, so a new kind of agent plugs in by passing
``schemes={**default_schemes(), "mine": build_mine}``; nothing in the kernel changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from evokernel.adapters.agents.command import CommandAgent
from evokernel.adapters.agents.scripted import ScriptedAgent
from evokernel.application.config.agents import AgentsConfig
from evokernel.application.kernel.agent import Agent
from evokernel.errors import ConfigError

AgentBuilder = Callable[[str, AgentsConfig, Mapping[str, str]], Agent]
"""Builds an agent from the part of the spec after ``scheme:``, the config and the environment."""


def _scripted(value: str, config: AgentsConfig, environ: Mapping[str, str]) -> Agent:
    return ScriptedAgent.from_file(Path(value))


def _command(value: str, config: AgentsConfig, environ: Mapping[str, str]) -> Agent:
    return CommandAgent(value, config=config.command, environ=environ)


def _chat(value: str, config: AgentsConfig, environ: Mapping[str, str]) -> Agent:
    from evokernel.adapters.agents.chat import ChatAgent  # lazy: openai is slow to import

    return ChatAgent(value, config=config.chat, environ=environ)


def default_schemes() -> dict[str, AgentBuilder]:
    """A fresh mapping of the built-in schemes: ``scripted``, ``cmd``, ``chat``."""
    return {"chat": _chat, "cmd": _command, "scripted": _scripted}


def parse_agent_spec(spec: str) -> tuple[str, str]:
    """Split ``scheme:value``; one pair of quotes around the value is removed.

    Raises:
        ConfigError: no scheme, or nothing after it.
    """
    scheme, sep, value = spec.partition(":")
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    if not sep or not scheme.strip() or not value:
        raise ConfigError(
            f"agent spec {spec!r} must look like scripted:FILE, cmd:COMMAND or chat:MODEL",
            key="agent",
        )
    return scheme.strip(), value


def make_agent(
    spec: str,
    config: AgentsConfig | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    schemes: Mapping[str, AgentBuilder] | None = None,
) -> Agent:
    """Build the agent ``spec`` names.

    Args:
        spec: ``scripted:FILE``, ``cmd:COMMAND`` or ``chat:MODEL`` (or a scheme you add).
        config: the ``[agents]`` configuration; defaults when omitted.
        environ: the environment agents read their allowed variables and keys from, once;
            ``None`` means this process's environment.
        schemes: builders by scheme; ``default_schemes()`` when omitted.

    Raises:
        ConfigError: malformed spec, unknown scheme, or a builder's configuration problem.
    """
    scheme, value = parse_agent_spec(spec)
    builders = default_schemes() if schemes is None else schemes
    builder = builders.get(scheme)
    if builder is None:
        known = ", ".join(sorted(builders))
        raise ConfigError(f"unknown agent scheme {scheme!r} (known: {known})", key="agent")
    host = dict(os.environ if environ is None else environ)
    try:
        return builder(value, config or AgentsConfig(), host)
    except ConfigError:
        raise
    except ValueError as exc:
        raise ConfigError(f"agent {spec!r}: {exc}", key="agent") from exc
