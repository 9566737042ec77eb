"""Inline SVG for the report: the lineage graph and the replay-over-time chart.

Plain SVG strings, so the report is one file that opens without fetching anything. Every piece
of text put into the SVG goes through ``html.escape``.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

from evokernel.application.report.data import LineageEdge, LineageNode, NodeKind, TimelineBucket

_COLUMN = {NodeKind.GENE: 0, NodeKind.CAPSULE: 1, NodeKind.VARIANT: 2, NodeKind.REUSE: 3}
_COL_W, _ROW_H, _NODE_W, _NODE_H = 210, 34, 170, 24
_SERIES = (
    ("lookups", "#6b7280"),
    ("hits", "#16a34a"),
    ("fallbacks", "#d97706"),
    ("agent_calls", "#2563eb"),
    ("false_replays", "#dc2626"),
)


def _rows(nodes: list[LineageNode], edges: list[LineageEdge]) -> dict[str, float]:
    """A tidy-tree layout: leaves take the next row, a parent sits at its children's middle."""
    children: defaultdict[str, list[str]] = defaultdict(list)
    has_parent: set[str] = set()
    for edge in edges:
        children[edge.source].append(edge.target)
        has_parent.add(edge.target)
    rows: dict[str, float] = {}
    next_row = 0.0

    def place(node_id: str) -> float:
        nonlocal next_row
        kids = [place(kid) for kid in children.get(node_id, []) if kid not in rows]
        if kids:
            rows[node_id] = (kids[0] + kids[-1]) / 2
        else:
            rows[node_id] = next_row
            next_row += 1
        return rows[node_id]

    for node in nodes:
        if node.id not in has_parent and node.id not in rows:
            place(node.id)
    return rows


def lineage_svg(nodes: list[LineageNode], edges: list[LineageEdge]) -> str:
    """The lineage graph as an ``<svg id="lineage">`` element (one ``g.node`` per node)."""
    rows = _rows(nodes, edges)
    height = (max(rows.values(), default=0) + 1) * _ROW_H + 10
    width = len(_COLUMN) * _COL_W
    position = {
        node.id: (10 + _COLUMN[node.kind] * _COL_W, 5 + rows.get(node.id, 0) * _ROW_H)
        for node in nodes
    }
    parts = [
        f'<svg id="lineage" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" role="img" '
        'aria-label="capsule lineage">'
    ]
    for edge in edges:
        (x1, y1), (x2, y2) = position[edge.source], position[edge.target]
        sx, sy, tx, ty = x1 + _NODE_W, y1 + _NODE_H / 2, x2, y2 + _NODE_H / 2
        mid = (sx + tx) / 2
        parts.append(
            f'<path class="edge" data-source="{escape(edge.source)}" '
            f'data-target="{escape(edge.target)}" '
            f'd="M{sx:.0f},{sy:.0f} C{mid:.0f},{sy:.0f} {mid:.0f},{ty:.0f} {tx:.0f},{ty:.0f}"/>'
        )
    for node in nodes:
        x, y = position[node.id]
        title = node.id
        if node.kind is NodeKind.REUSE:
            title = f"reused by {node.replay_run_id}; captured in {node.origin_run_id}"
        elif node.origin_run_id:
            title = f"{node.id} (captured in {node.origin_run_id})"
        state = node.state.value if node.state is not None else ""
        parts.append(
            f'<g class="node {node.kind.value} {state}" data-id="{escape(node.id)}" '
            f'transform="translate({x:.0f},{y:.0f})" tabindex="0">'
            f"<title>{escape(title)}</title>"
            f'<rect width="{_NODE_W}" height="{_NODE_H}" rx="5"/>'
            f'<text x="8" y="16">{escape(node.label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def timeline_svg(buckets: list[TimelineBucket]) -> str:
    """Replay per day as one polyline per series, with a legend (``<svg id="timeline">``)."""
    width, height, pad = 760, 220, 36
    peak = max((getattr(b, name) for b in buckets for name, _ in _SERIES), default=0) or 1
    step = (width - 2 * pad) / max(len(buckets) - 1, 1)

    def point(index: int, value: float) -> str:
        return f"{pad + index * step:.1f},{height - pad - value / peak * (height - 2 * pad):.1f}"

    parts = [
        f'<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="replay over time">',
        f'<line class="axis" x1="{pad}" y1="{height - pad}" x2="{width - pad}" '
        f'y2="{height - pad}"/>',
        f'<text class="tick" x="4" y="{pad}">{peak}</text>',
    ]
    for name, colour in _SERIES:
        points = " ".join(point(i, getattr(b, name)) for i, b in enumerate(buckets))
        parts.append(
            f'<polyline class="series" data-series="{name}" fill="none" stroke="{colour}" '
            f'stroke-width="2" points="{points}"/>'
        )
    if buckets:
        parts.append(f'<text class="tick" x="{pad}" y="{height - 12}">{buckets[0].day}</text>')
        parts.append(
            f'<text class="tick" x="{width - pad}" y="{height - 12}" text-anchor="end">'
            f"{buckets[-1].day}</text>"
        )
    for i, (name, colour) in enumerate(_SERIES):
        label = name.replace("_", " ")
        parts.append(f'<text x="{pad + 10 + i * 140}" y="16" fill="{colour}">■ {label}</text>')
    parts.append("</svg>")
    return "".join(parts)
