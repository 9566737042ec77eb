"""The report's facts for a known store: lineage, replay by day, genes, slow spots."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from evokernel.application.report import NodeKind, read_report, render_html, render_markdown
from evokernel.domain.confidence import ConfidenceConfig
from tests.report.conftest import KNOWN_CAPSULES, KNOWN_GENES, KNOWN_REUSES, KNOWN_VARIANTS

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def test_lineage_has_one_node_per_gene_capsule_and_reuse(known_store: Path) -> None:
    data = read_report(known_store, ConfidenceConfig(), now=NOW)
    kinds = [node.kind for node in data.nodes]
    assert kinds.count(NodeKind.GENE) == KNOWN_GENES
    assert kinds.count(NodeKind.CAPSULE) == KNOWN_CAPSULES
    assert kinds.count(NodeKind.REUSE) == KNOWN_REUSES
    assert kinds.count(NodeKind.VARIANT) == KNOWN_VARIANTS
    assert len(data.edges) == KNOWN_CAPSULES + KNOWN_VARIANTS + KNOWN_REUSES


def test_a_reuse_names_the_run_that_made_the_capsule_and_the_run_that_reused_it(
    known_store: Path,
) -> None:
    data = read_report(known_store, ConfidenceConfig(), now=NOW)
    reuse = next(n for n in data.nodes if n.replay_run_id == "run_reuse_3")
    assert reuse.origin_run_id == "run_origin_c"
    assert any(e.source == "capsule_c1" and e.target == reuse.id for e in data.edges)


def test_replay_is_counted_per_day_with_fallbacks_and_false_replays(known_store: Path) -> None:
    data = read_report(known_store, ConfidenceConfig(), now=NOW)
    by_day = {bucket.day: bucket for bucket in data.timeline}
    assert sorted(by_day) == ["2026-11-30", "2026-12-01", "2026-12-02"]
    second, third = by_day["2026-12-01"], by_day["2026-12-02"]
    assert (second.lookups, second.hits, second.fallbacks) == (3, 2, 1)
    assert (second.agent_calls_avoided, second.tokens_saved, second.seconds_saved) == (
        2,
        2000,
        16.0,
    )
    assert (third.hits, third.false_replays) == (1, 1)
    assert by_day["2026-11-30"].agent_calls == 1


def test_since_leaves_out_earlier_days(known_store: Path) -> None:
    since = datetime(2026, 12, 2, tzinfo=UTC)
    data = read_report(known_store, ConfidenceConfig(), now=NOW, since=since)
    assert [bucket.day for bucket in data.timeline] == ["2026-12-02"]
    assert data.slowest_validations == []


def test_revocations_transitions_and_slowest_validations(known_store: Path) -> None:
    data = read_report(known_store, ConfidenceConfig(), now=NOW)
    assert [t.asset_id for t in data.revocations] == ["capsule_c1"]
    gene_b = next(g for g in data.genes if g.gene_id == "gene_bbbb2222")
    assert [t.to_state for t in gene_b.transitions] == ["revoked"]
    assert [row.duration_s for row in data.slowest_validations] == [9.25, 4.5]
    assert data.most_failed_tasks[0].task_id == "task_stock"


def test_confidence_over_time_has_a_point_per_piece_of_evidence(known_store: Path) -> None:
    data = read_report(known_store, ConfidenceConfig(), now=NOW)
    gene_a = next(g for g in data.genes if g.gene_id == "gene_aaaa1111")
    curve = gene_a.confidence["capsule_a1"]
    assert len(curve) >= 2  # the capture, then two validated reuses
    assert curve[-1].confidence > curve[0].confidence


def test_html_is_self_contained(known_store: Path) -> None:
    page = render_html(read_report(known_store, ConfidenceConfig(), now=NOW))
    assert page.startswith("<!DOCTYPE html>")
    for remote in ('src="http', "src='http", 'href="http', "@import", "url(http"):
        assert remote not in page
    assert (
        page.count('class="node ') == KNOWN_GENES + KNOWN_CAPSULES + KNOWN_VARIANTS + KNOWN_REUSES
    )


def test_markdown_summary_names_revocations(known_store: Path) -> None:
    text = render_markdown(read_report(known_store, ConfidenceConfig(), now=NOW))
    assert text.startswith("## EvoKernel evolution report")
    assert "`capsule_c1` (revoked_by_command)" in text


def test_the_reuse_that_made_a_variant_hangs_from_the_variant(known_store: Path) -> None:
    data = read_report(known_store, ConfidenceConfig(), now=NOW)
    variant = next(n for n in data.nodes if n.kind is NodeKind.VARIANT)
    assert variant.label == "rebased (relocate)"
    assert any(e.source == "capsule_a1" and e.target == variant.id for e in data.edges)
    reuse = next(
        n for n in data.nodes if n.replay_run_id == "run_reuse_2" and n.kind is NodeKind.REUSE
    )
    assert any(e.source == variant.id and e.target == reuse.id for e in data.edges)
