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
    from evokernel.adapters.agents import Agent, AgentContext, AgentError
    from evokernel.adapters.agents.factory import make_agent
    from evokernel.adapters.agents.scripted import ScriptedAgent, ScriptedRule
    from evokernel.adapters.devloop import (
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
    from evokernel.adapters.github import (
        DetectAction,
        DetectReport,
        GitHubLoop,
        GitHubLoopSettings,
        IssueAction,
        TickReport,
        open_github_loop,
    )
    from evokernel.adapters.network import (
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
    from evokernel.adapters.server import build_app
    from evokernel.application.assets import (
        AssetDetail,
        AssetListing,
        RevokeResult,
        list_assets,
        revoke_asset,
        show_asset,
    )
    from evokernel.application.config import EvoConfig, LoadedConfig, find_repo_root, load_config
    from evokernel.application.config.agents import AgentsConfig
    from evokernel.application.economics import (
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
    from evokernel.application.kernel import (
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
    from evokernel.application.kernel.guard import GuardReport, guard_proposal
    from evokernel.application.landing import LandingError, commit_on_branch
    from evokernel.application.metrics import (
        HealthReport,
        HealthStatus,
        MetricsSnapshot,
        SandboxLatency,
        check_health,
        read_metrics,
    )
    from evokernel.application.projection import EvolutionRepository
    from evokernel.application.runtime import Runtime, open_repository, open_runtime
    from evokernel.application.schema import json_schemas
    from evokernel.application.store_report import StoreStats, TailEntry, store_stats, tail_store
    from evokernel.application.tasks import RepositoryError, task_for_repo
    from evokernel.domain.events import (
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
    from evokernel.domain.guards import GuardConfig, harness_policy
    from evokernel.domain.models import (
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
    from evokernel.domain.models.feedback import AgentFeedback, NextAction, ReasonCode
    from evokernel.domain.views import CapsuleView, Counters, EvolutionView, GeneView
    from evokernel.errors import (
        AssetNotFoundError,
        ConfigError,
        EventPayloadError,
        EvoKernelError,
        ProposalError,
        UnknownEventKindError,
    )
    from evokernel.logs import bind_run, current_run

# Every public name, by the module that defines it. Importing ``evokernel`` loads none of
# them: a command that needs the store does not pay for PyGithub, cryptography or starlette.
_PUBLIC: dict[str, str] = {
    "evokernel.adapters.agents": "Agent AgentContext AgentError",
    "evokernel.application.config.agents": "AgentsConfig",
    "evokernel.adapters.agents.factory": "make_agent",
    "evokernel.adapters.agents.scripted": "ScriptedAgent ScriptedRule",
    "evokernel.application.assets": (
        "AssetDetail AssetListing RevokeResult list_assets revoke_asset show_asset"
    ),
    "evokernel.application.config": "EvoConfig LoadedConfig find_repo_root load_config",
    "evokernel.adapters.devloop": (
        "Approval ApprovalAbortedError ApprovalFileError Approver BranchNameError "
        "DevloopError DevloopResult DevloopStatus DevloopStep DirtyTreeError "
        "FileApprover FixedApprover PromptApprover Review approver_from_spec "
        "run_devloop"
    ),
    "evokernel.application.economics": (
        "AccountReport EconomicsConfig LedgerEntry LedgerReport Reputation "
        "ledger_report read_ledger record_stake reputation_of stake_entries"
    ),
    "evokernel.errors": (
        "AssetNotFoundError ConfigError EventPayloadError EvoKernelError "
        "ProposalError UnknownEventKindError"
    ),
    "evokernel.domain.events": (
        "AgentCalled ApprovalDecision ApprovalRecorded ApprovalSource "
        "AssetStateChanged AssetType BundleImported CapsuleCommitted "
        "CapsuleReused DeliveryState DeliveryUpdated Event EvolutionEvent "
        "GeneSolidified LedgerEntryKind LedgerEntryRecorded MutationProposed "
        "MutationRejected RemoteAssetImported RemoteRevocationReceived "
        "ReplayAttempted ReplayEconomicsRecorded ReplayLookupRecorded "
        "ReplayOutcome SignalsDetected TaskReceived ValidationCompleted "
        "ValidationPurpose event_payload parse_event"
    ),
    "evokernel.adapters.github": (
        "DetectAction DetectReport GitHubLoop GitHubLoopSettings IssueAction "
        "TickReport open_github_loop"
    ),
    "evokernel.domain.guards": "GuardConfig harness_policy",
    "evokernel.application.kernel": (
        "CandidateScore CaptureReport CaptureResult Detection EvoKernel "
        "KernelSettings ReplayDecision SolveOutcome SolveResult "
        "feedback_for_agent new_run_id"
    ),
    "evokernel.application.kernel.guard": "GuardReport guard_proposal",
    "evokernel.application.landing": "LandingError commit_on_branch",
    "evokernel.logs": "bind_run current_run",
    "evokernel.application.metrics": (
        "HealthReport HealthStatus MetricsSnapshot SandboxLatency check_health read_metrics"
    ),
    "evokernel.domain.models": (
        "AgentTask AssetState Capsule EnvFingerprint Evidence EvidenceKind Gene "
        "Model MutationProposal OriginKind Proposer ScopeConstraints TaskOrigin "
        "ValidationEvidence parse_proposal"
    ),
    "evokernel.domain.models.feedback": "AgentFeedback NextAction ReasonCode",
    "evokernel.adapters.network": (
        "Bundle BundleContentError BundleHashError BundleReplayError "
        "BundleSignatureError ImportReport MessageFormatError MessageRefusedError "
        "NetworkError NodeApiState NodeIdentity NotPublisherError PeerError "
        "Revocation RevocationReport SeedFile SyncReport TrustStore "
        "UntrustedSenderError apply_revocation export_bundle import_bundle "
        "import_seeds load_seed_file network_routes open_node_api sign_revocation "
        "sync_from_peer"
    ),
    "evokernel.application.projection": "EvolutionRepository",
    "evokernel.application.runtime": "Runtime open_repository open_runtime",
    "evokernel.application.schema": "json_schemas",
    "evokernel.adapters.server": "build_app",
    "evokernel.application.store_report": "StoreStats TailEntry store_stats tail_store",
    "evokernel.application.tasks": "RepositoryError task_for_repo",
    "evokernel.domain.views": "CapsuleView Counters EvolutionView GeneView",
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
