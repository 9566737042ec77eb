"""Domain models (pydantic v2, frozen, documented fields)."""

from __future__ import annotations

from evokernel.domain.models.assets import (
    AssetState,
    Capsule,
    EnvFingerprint,
    Gene,
    RebasedVariant,
    TransitionReason,
    ValidationEvidence,
)
from evokernel.domain.models.base import Model
from evokernel.domain.models.evidence import Evidence, EvidenceKind
from evokernel.domain.models.patchtext import PatchFieldsModel, patch_bytes, patch_text
from evokernel.domain.models.proposal import MutationProposal, Proposer, parse_proposal
from evokernel.domain.models.task import AgentTask, OriginKind, ScopeConstraints, TaskOrigin
from sandbox import BlastRadius

__all__ = [
    "AgentTask",
    "AssetState",
    "BlastRadius",
    "Capsule",
    "EnvFingerprint",
    "Evidence",
    "EvidenceKind",
    "Gene",
    "Model",
    "MutationProposal",
    "OriginKind",
    "PatchFieldsModel",
    "Proposer",
    "RebasedVariant",
    "ScopeConstraints",
    "TaskOrigin",
    "TransitionReason",
    "ValidationEvidence",
    "parse_proposal",
    "patch_bytes",
    "patch_text",
]
