"""The lineage graph: gene -> capsules -> rebased variants -> reuses, from the view alone."""

from __future__ import annotations

from evokernel.application.report.data import LineageEdge, LineageNode, NodeKind
from evokernel.domain.views import EvolutionView


def _short(identifier: str) -> str:
    head, _, tail = identifier.partition("_")
    return f"{head}_{tail[:8]}" if tail else identifier[:12]


REUSES_SHOWN = 6
"""Reuse nodes drawn per capsule, the latest ones; older reuses are folded into one node."""


def lineage(view: EvolutionView) -> tuple[list[LineageNode], list[LineageEdge]]:
    """Nodes and edges of every gene's lineage, genes in id order.

    A rebased variant (the capsule's diff as it applied to drifted code) hangs from its capsule,
    and the reuse that produced it hangs from the variant.

    A reuse node is keyed by the reusing run's id, and links the capsule's original run
    (``origin_run_id``) to the run that reused it (``replay_run_id``). A capsule reused more
    than ``REUSES_SHOWN`` times gets one extra node that counts the older reuses, so a popular
    capsule does not turn the graph into a wall.
    """
    nodes: list[LineageNode] = []
    edges: list[LineageEdge] = []
    for gene_id in sorted(view.genes):
        gene = view.genes[gene_id]
        nodes.append(
            LineageNode(id=gene_id, kind=NodeKind.GENE, label=_short(gene_id), state=gene.state)
        )
        for capsule_view in view.capsules_of(gene_id):
            capsule = capsule_view.capsule
            nodes.append(
                LineageNode(
                    id=capsule.capsule_id,
                    kind=NodeKind.CAPSULE,
                    label=_short(capsule.capsule_id),
                    state=capsule_view.state,
                    origin_run_id=capsule.origin_run_id,
                )
            )
            edges.append(LineageEdge(source=gene_id, target=capsule.capsule_id))
            parent_of: dict[str, str] = {}  # reusing run -> the node it hangs from
            for variant in capsule_view.variants:
                variant_id = f"variant:{capsule.capsule_id}:{variant.diff_hash[:16]}"
                rung = f" ({variant.apply_step})" if variant.apply_step else ""
                nodes.append(
                    LineageNode(
                        id=variant_id,
                        kind=NodeKind.VARIANT,
                        label=f"rebased{rung}",
                        origin_run_id=capsule.origin_run_id,
                        replay_run_id=variant.replay_run_id,
                    )
                )
                edges.append(LineageEdge(source=capsule.capsule_id, target=variant_id))
                parent_of[variant.replay_run_id] = variant_id
            runs = capsule_view.replay_run_ids
            if len(runs) > REUSES_SHOWN:
                folded = f"reuse:{capsule.capsule_id}:older"
                nodes.append(
                    LineageNode(
                        id=folded,
                        kind=NodeKind.REUSE,
                        label=f"+{len(runs) - REUSES_SHOWN} older reuses",
                        origin_run_id=capsule.origin_run_id,
                    )
                )
                edges.append(LineageEdge(source=capsule.capsule_id, target=folded))
                runs = runs[-REUSES_SHOWN:]
            for run_id in runs:
                reuse_id = f"reuse:{capsule.capsule_id}:{run_id}"
                nodes.append(
                    LineageNode(
                        id=reuse_id,
                        kind=NodeKind.REUSE,
                        label=_short(run_id),
                        origin_run_id=capsule.origin_run_id,
                        replay_run_id=run_id,
                    )
                )
                source = parent_of.get(run_id, capsule.capsule_id)
                edges.append(LineageEdge(source=source, target=reuse_id))
    return nodes, edges
