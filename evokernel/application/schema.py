"""JSON Schemas of the public models and events (what ``evokernel schema`` prints).

An agent written in any language reads these to hand in a ``MutationProposal`` or to parse
``AgentFeedback``; field docstrings reach the schemas as descriptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from evokernel.application.config import EvoConfig
from evokernel.domain.events import EVENT_ADAPTER, EVENT_TYPES
from evokernel.domain.models import (
    AgentTask,
    Capsule,
    EnvFingerprint,
    Evidence,
    Gene,
    MutationProposal,
    ScopeConstraints,
    ValidationEvidence,
)
from evokernel.domain.models.feedback import AgentFeedback
from evokernel.domain.views import EvolutionView
from sandbox import BlastRadius, Receipt, ValidationPlan
from store import VerifyReport

_MODELS: tuple[type[BaseModel], ...] = (
    AgentTask,
    ScopeConstraints,
    ValidationPlan,
    MutationProposal,
    AgentFeedback,
    Receipt,
    BlastRadius,
    EnvFingerprint,
    ValidationEvidence,
    Gene,
    Capsule,
    Evidence,
    EvolutionView,
    EvoConfig,
    VerifyReport,
    *EVENT_TYPES.values(),
)

SCHEMA_MODELS: Mapping[str, type[BaseModel]] = {model.__name__: model for model in _MODELS}
"""Every model ``evokernel schema`` describes, by name."""

EVENT_UNION_NAME = "Event"
"""Name under which the discriminated union of all events is listed."""


def schema_names() -> list[str]:
    """Names ``json_schemas`` accepts, models first, then the event union."""
    return [*SCHEMA_MODELS, EVENT_UNION_NAME]


def json_schemas(names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """The JSON Schema (validation mode) of each named model; all of them by default.

    Raises:
        KeyError: a name that is not in ``schema_names()``.
    """
    wanted = list(names) if names is not None else schema_names()
    unknown = [name for name in wanted if name not in SCHEMA_MODELS and name != EVENT_UNION_NAME]
    if unknown:
        raise KeyError(f"no schema named {unknown[0]!r}; known: {', '.join(schema_names())}")
    return {
        name: (
            EVENT_ADAPTER.json_schema()
            if name == EVENT_UNION_NAME
            else SCHEMA_MODELS[name].model_json_schema()
        )
        for name in wanted
    }
