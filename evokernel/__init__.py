"""EvoKernel: make coding agents learn from verified experience.

Import from here (``from evokernel import EvolutionRepository, load_config``); deep modules are not
public API. Names load on first use (PEP 562), so ``import evokernel`` is cheap and each command
pays only for what it touches.

The public names are written once, in ``_PUBLIC`` (module -> names); it drives ``__getattr__``,
``__dir__`` and ``__all__``. The ``TYPE_CHECKING`` imports repeat them for type checkers only
(mypy reads them as re-exports: ``implicit_reexport`` for this module in pyproject.toml), and
tests/test_meta.py checks that the two agree.
"""

# ruff: noqa: F401 (the TYPE_CHECKING imports are re-exports; __all__ is built from _PUBLIC)

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first use
    from evokernel.agents import Agent, AgentContext, AgentError
    from evokernel.agents.config import AgentsConfig
    from evokernel.agents.factory import make_agent
    from evokernel.agents.scripted import ScriptedAgent, ScriptedRule
    from evokernel.assets import (
        AssetDetail,
        AssetListing,
        RevokeResult,
        list_assets,
        revoke_asset,
        show_asset,
    )
    from evokernel.config import EvoConfig, LoadedConfig, find_repo_root, load_config
    from evokernel.devloop import (
        Approval,
        ApprovalAbortedError,
        ApprovalFileError,
        Approver,
        BranchNameError,
        DevloopError,
        DevloopResult,
        DevloopStatus,
        DevloopStep,
        DirtyTreeError,
        FileApprover,
        FixedApprover,
        PromptApprover,
        Review,
        approver_from_spec,
        run_devloop,
    )
    from evokernel.economics import (
        AccountReport,
        EconomicsConfig,
        LedgerEntry,
        LedgerReport,
        Reputation,
        ledger_report,
        read_ledger,
        record_stake,
        reputation_of,
        stake_entries,
    )
    from evokernel.errors import (
        AssetNotFoundError,
        ConfigError,
        EventPayloadError,
        EvoKernelError,
        ProposalError,
        UnknownEventKindError,
    )
    from evokernel.events import (
        AgentCalled,
        ApprovalDecision,
        ApprovalRecorded,
        ApprovalSource,
        AssetStateChanged,
        AssetType,
        BundleImported,
        CapsuleCommitted,
        CapsuleReused,
        DeliveryState,
        DeliveryUpdated,
        Event,
        EvolutionEvent,
        GeneSolidified,
        LedgerEntryKind,
        LedgerEntryRecorded,
        MutationProposed,
        MutationRejected,
        RemoteAssetImported,
        RemoteRevocationReceived,
        ReplayAttempted,
        ReplayEconomicsRecorded,
        ReplayLookupRecorded,
        ReplayOutcome,
        SignalsDetected,
        TaskReceived,
        ValidationCompleted,
        ValidationPurpose,
        event_payload,
        parse_event,
    )
    from evokernel.github import (
        DetectAction,
        DetectReport,
        GitHubLoop,
        GitHubLoopSettings,
        IssueAction,
        TickReport,
        open_github_loop,
    )
    from evokernel.guards import GuardConfig, harness_policy
    from evokernel.kernel import (
        CandidateScore,
        CaptureReport,
        CaptureResult,
        Detection,
        EvoKernel,
        KernelSettings,
        ReplayDecision,
        SolveOutcome,
        SolveResult,
        feedback_for_agent,
        new_run_id,
    )
    from evokernel.kernel.guard import GuardReport, guard_proposal
    from evokernel.landing import LandingError, commit_on_branch
    from evokernel.logs import bind_run, current_run
    from evokernel.metrics import (
        HealthReport,
        HealthStatus,
        MetricsSnapshot,
        SandboxLatency,
        check_health,
        read_metrics,
    )
    from evokernel.models import (
        AgentTask,
        AssetState,
        Capsule,
        EnvFingerprint,
        Evidence,
        EvidenceKind,
        Gene,
        Model,
        MutationProposal,
        OriginKind,
        Proposer,
        ScopeConstraints,
        TaskOrigin,
        ValidationEvidence,
        parse_proposal,
    )
    from evokernel.models.feedback import AgentFeedback, NextAction, ReasonCode
    from evokernel.network import (
        Bundle,
        BundleContentError,
        BundleHashError,
        BundleReplayError,
        BundleSignatureError,
        ImportReport,
        MessageFormatError,
        MessageRefusedError,
        NetworkError,
        NodeApiState,
        NodeIdentity,
        NotPublisherError,
        PeerError,
        Revocation,
        RevocationReport,
        SeedFile,
        SyncReport,
        TrustStore,
        UntrustedSenderError,
        apply_revocation,
        export_bundle,
        import_bundle,
        import_seeds,
        load_seed_file,
        network_routes,
        open_node_api,
        sign_revocation,
        sync_from_peer,
    )
    from evokernel.projection import EvolutionRepository
    from evokernel.runtime import Runtime, open_repository, open_runtime
    from evokernel.schema import json_schemas
    from evokernel.server import build_app
    from evokernel.store_report import StoreStats, TailEntry, store_stats, tail_store
    from evokernel.tasks import RepositoryError, task_for_repo
    from evokernel.views import CapsuleView, Counters, EvolutionView, GeneView

# Every public name, by the module that defines it. Importing ``evokernel`` loads none of
# them: a command that needs the store does not pay for PyGithub, cryptography or starlette.
_PUBLIC: dict[str, str] = {
    "evokernel.agents": "Agent AgentContext AgentError",
    "evokernel.agents.config": "AgentsConfig",
    "evokernel.agents.factory": "make_agent",
    "evokernel.agents.scripted": "ScriptedAgent ScriptedRule",
    "evokernel.assets": (
        "AssetDetail AssetListing RevokeResult list_assets revoke_asset show_asset"
    ),
    "evokernel.config": "EvoConfig LoadedConfig find_repo_root load_config",
    "evokernel.devloop": (
        "Approval ApprovalAbortedError ApprovalFileError Approver BranchNameError "
        "DevloopError DevloopResult DevloopStatus DevloopStep DirtyTreeError "
        "FileApprover FixedApprover PromptApprover Review approver_from_spec "
        "run_devloop"
    ),
    "evokernel.economics": (
        "AccountReport EconomicsConfig LedgerEntry LedgerReport Reputation "
        "ledger_report read_ledger record_stake reputation_of stake_entries"
    ),
    "evokernel.errors": (
        "AssetNotFoundError ConfigError EventPayloadError EvoKernelError "
        "ProposalError UnknownEventKindError"
    ),
    "evokernel.events": (
        "AgentCalled ApprovalDecision ApprovalRecorded ApprovalSource "
        "AssetStateChanged AssetType BundleImported CapsuleCommitted "
        "CapsuleReused DeliveryState DeliveryUpdated Event EvolutionEvent "
        "GeneSolidified LedgerEntryKind LedgerEntryRecorded MutationProposed "
        "MutationRejected RemoteAssetImported RemoteRevocationReceived "
        "ReplayAttempted ReplayEconomicsRecorded ReplayLookupRecorded "
        "ReplayOutcome SignalsDetected TaskReceived ValidationCompleted "
        "ValidationPurpose event_payload parse_event"
    ),
    "evokernel.github": (
        "DetectAction DetectReport GitHubLoop GitHubLoopSettings IssueAction "
        "TickReport open_github_loop"
    ),
    "evokernel.guards": "GuardConfig harness_policy",
    "evokernel.kernel": (
        "CandidateScore CaptureReport CaptureResult Detection EvoKernel "
        "KernelSettings ReplayDecision SolveOutcome SolveResult "
        "feedback_for_agent new_run_id"
    ),
    "evokernel.kernel.guard": "GuardReport guard_proposal",
    "evokernel.landing": "LandingError commit_on_branch",
    "evokernel.logs": "bind_run current_run",
    "evokernel.metrics": (
        "HealthReport HealthStatus MetricsSnapshot SandboxLatency check_health read_metrics"
    ),
    "evokernel.models": (
        "AgentTask AssetState Capsule EnvFingerprint Evidence EvidenceKind Gene "
        "Model MutationProposal OriginKind Proposer ScopeConstraints TaskOrigin "
        "ValidationEvidence parse_proposal"
    ),
    "evokernel.models.feedback": "AgentFeedback NextAction ReasonCode",
    "evokernel.network": (
        "Bundle BundleContentError BundleHashError BundleReplayError "
        "BundleSignatureError ImportReport MessageFormatError MessageRefusedError "
        "NetworkError NodeApiState NodeIdentity NotPublisherError PeerError "
        "Revocation RevocationReport SeedFile SyncReport TrustStore "
        "UntrustedSenderError apply_revocation export_bundle import_bundle "
        "import_seeds load_seed_file network_routes open_node_api sign_revocation "
        "sync_from_peer"
    ),
    "evokernel.projection": "EvolutionRepository",
    "evokernel.runtime": "Runtime open_repository open_runtime",
    "evokernel.schema": "json_schemas",
    "evokernel.server": "build_app",
    "evokernel.store_report": "StoreStats TailEntry store_stats tail_store",
    "evokernel.tasks": "RepositoryError task_for_repo",
    "evokernel.views": "CapsuleView Counters EvolutionView GeneView",
}

_EXPORTS: dict[str, str] = {
    name: module for module, names in _PUBLIC.items() for name in names.split()
}


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest."""
    if name.isupper() and len(name) > 1:
        return 0, name
    return (1, name) if name[:1].isupper() else (2, name)


__all__ = sorted(_EXPORTS, key=_isort_key)  # built from the one table


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
