"""The governor: promotion, quarantine and return, revocation, archiving; no dead ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from evokernel.domain.governor import (
    GovernorConfig,
    RecaptureDecision,
    Transition,
    TransitionReason,
    archive_superseded,
    decide_transition,
    may_replay,
    on_recapture,
    revoke,
)
from evokernel.domain.models.assets import AssetState
from evokernel.domain.models.evidence import Evidence, EvidenceKind
from sandbox import BlastRadius

NOW = datetime(2025, 6, 1, tzinfo=UTC)
CONFIG = GovernorConfig()
SMALL = BlastRadius(files=["app/cart.py"], lines_added=2, lines_removed=1)
K = EvidenceKind
S = AssetState


def history(*kinds: EvidenceKind, days_ago: float = 0.0) -> list[Evidence]:
    """Evidence in the given order, one hour apart, ending ``days_ago`` days before NOW."""
    end = NOW - timedelta(days=days_ago)
    return [
        Evidence(kind=kind, at=end - timedelta(hours=len(kinds) - n), seq=n)
        for n, kind in enumerate(kinds)
    ]


def decide(
    state: AssetState, evidence: list[Evidence], radius: BlastRadius | None = SMALL
) -> Transition | None:
    return decide_transition(state, evidence, NOW, CONFIG, radius)


def test_a_fresh_capture_stays_candidate() -> None:
    assert decide(S.CANDIDATE, history(K.VALIDATED_CAPTURE)) is None


def test_candidate_is_promoted_by_a_second_success() -> None:
    transition = decide(S.CANDIDATE, history(K.VALIDATED_CAPTURE, K.REPLAY_PASSED))
    assert transition is not None
    assert transition.to_state is S.PROMOTED
    assert transition.reason_code is TransitionReason.PROMOTED_BY_EVIDENCE
    assert transition.evidence["successes"] == 2
    assert transition.evidence["confidence"] == pytest.approx(0.75, rel=1e-3)


def test_promotion_needs_blast_radius_within_caps() -> None:
    evidence = history(K.VALIDATED_CAPTURE, K.REPLAY_PASSED, K.HUMAN_APPROVED)
    wide = BlastRadius(files=[f"f{n}.py" for n in range(11)], lines_added=11)
    long = BlastRadius(files=["a.py"], lines_added=150, lines_removed=60)
    assert decide(S.CANDIDATE, evidence, wide) is None
    assert decide(S.CANDIDATE, evidence, long) is None
    assert decide(S.CANDIDATE, evidence, None) is None  # unknown reach: not unattended


def test_consecutive_replay_failures_quarantine_infra_failures_do_not() -> None:
    passed = [K.VALIDATED_CAPTURE, K.REPLAY_PASSED, K.REPLAY_PASSED, K.HUMAN_APPROVED]
    assert decide(S.PROMOTED, history(*passed, K.INFRA_FAILURE, K.INFRA_FAILURE)) is None
    assert decide(S.PROMOTED, history(*passed, K.REPLAY_FAILED)) is None
    transition = decide(
        S.PROMOTED, history(*passed, K.REPLAY_FAILED, K.INFRA_FAILURE, K.REPLAY_FAILED)
    )
    assert transition is not None and transition.to_state is S.QUARANTINED
    assert transition.reason_code is TransitionReason.QUARANTINED_REPEATED_FAILURES
    assert transition.evidence["consecutive_failures"] == 2


def test_low_confidence_quarantines() -> None:
    # S=2, F=4: (1+2)/(2+6) = 0.375, above the 0.35 floor, and no failure streak of 2.
    above = history(K.VALIDATED_CAPTURE, K.HUMAN_REJECTED, K.REPLAY_PASSED, K.HUMAN_REJECTED)
    assert decide(S.PROMOTED, above) is None
    # S=1, F=4: (1+1)/(2+5) = 0.29, below the floor.
    below = history(K.HUMAN_REJECTED, K.REPLAY_PASSED, K.HUMAN_REJECTED)
    transition = decide(S.PROMOTED, below)
    assert transition is not None and transition.to_state is S.QUARANTINED
    assert transition.reason_code is TransitionReason.QUARANTINED_LOW_CONFIDENCE


def test_idle_promoted_asset_is_never_quarantined_for_idleness() -> None:
    old = history(K.VALIDATED_CAPTURE, K.REPLAY_PASSED, days_ago=3650)
    assert decide(S.PROMOTED, old) is None


def test_quarantined_asset_returns_by_validating_again() -> None:
    failed = [K.VALIDATED_CAPTURE, K.REPLAY_FAILED, K.REPLAY_FAILED]
    assert decide(S.QUARANTINED, history(*failed)) is None
    transition = decide(S.QUARANTINED, history(*failed, K.REPLAY_PASSED, K.REPLAY_PASSED))
    assert transition is not None
    assert transition.to_state is S.PROMOTED
    assert transition.reason_code is TransitionReason.RESTORED_BY_VALIDATION


def test_imported_quarantined_asset_is_promoted_by_one_local_validation() -> None:
    assert decide(S.QUARANTINED, []) is None
    transition = decide(S.QUARANTINED, history(K.REPLAY_PASSED))
    assert transition is not None and transition.to_state is S.PROMOTED


@given(
    st.lists(st.sampled_from(list(EvidenceKind)), max_size=25),
    st.floats(min_value=0, max_value=200),
)
def test_no_dead_end_enough_fresh_validations_always_restore(
    past: list[EvidenceKind], days_ago: float
) -> None:
    evidence = history(*past, days_ago=days_ago)
    for attempt in range(60):
        evidence.append(
            Evidence(
                kind=K.REPLAY_PASSED, at=NOW - timedelta(minutes=60 - attempt), seq=10_000 + attempt
            )
        )
        transition = decide(S.QUARANTINED, evidence)
        if transition is not None:
            assert transition.to_state is S.PROMOTED
            return
    pytest.fail("a quarantined asset never came back after 60 fresh validations")


def test_revoke_is_explicit_terminal_and_never_replayed() -> None:
    for state in (S.CANDIDATE, S.PROMOTED, S.QUARANTINED, S.ARCHIVED):
        transition = revoke(state, by="alice", note="bad fix")
        assert transition is not None
        assert transition.to_state is S.REVOKED
        assert transition.reason_code is TransitionReason.REVOKED_BY_COMMAND
        assert transition.evidence["by"] == "alice"
    assert revoke(S.REVOKED, by="alice") is None
    many_passes = history(*[K.REPLAY_PASSED] * 10, K.HUMAN_APPROVED)
    assert decide(S.REVOKED, many_passes) is None
    assert not may_replay(S.REVOKED)


def test_recapture_never_brings_back_a_revoked_asset() -> None:
    assert on_recapture(None) is RecaptureDecision.CREATE
    assert on_recapture(S.REVOKED) is RecaptureDecision.REFUSE
    for state in (S.CANDIDATE, S.PROMOTED, S.QUARANTINED, S.ARCHIVED):
        assert on_recapture(state) is RecaptureDecision.KEEP


def test_superseded_assets_are_archived_and_not_replayed() -> None:
    transition = archive_superseded(S.PROMOTED, superseded_by="capsule_new")
    assert transition is not None and transition.to_state is S.ARCHIVED
    assert transition.reason_code is TransitionReason.ARCHIVED_SUPERSEDED
    assert archive_superseded(S.REVOKED, superseded_by="x") is None
    assert archive_superseded(S.ARCHIVED, superseded_by="x") is None
    assert decide(S.ARCHIVED, history(K.REPLAY_PASSED, K.REPLAY_PASSED)) is None
    assert [s for s in AssetState if may_replay(s)] == [S.CANDIDATE, S.PROMOTED, S.QUARANTINED]


def test_config_keeps_restore_threshold_above_quarantine_floor() -> None:
    with pytest.raises(ValidationError):
        GovernorConfig(quarantine_below_confidence=0.6, restore_min_confidence=0.5)


def test_stricter_config_delays_promotion() -> None:
    strict = GovernorConfig(promote_min_successes=3)
    evidence = history(K.VALIDATED_CAPTURE, K.REPLAY_PASSED)
    assert decide_transition(S.CANDIDATE, evidence, NOW, strict, SMALL) is None
    evidence = history(K.VALIDATED_CAPTURE, K.REPLAY_PASSED, K.REPLAY_PASSED)
    assert decide_transition(S.CANDIDATE, evidence, NOW, strict, SMALL) is not None
