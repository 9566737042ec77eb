"""The evolution report as one self-contained HTML file.

Styles and the small script are inlined and nothing is fetched when the file is opened, so the
report can be attached to a ticket or opened offline. The script only highlights a node's edges
and shows its details; the page reads the same without it.
"""

from __future__ import annotations

from html import escape

from evokernel.application.report.data import GeneHistory, ReportData
from evokernel.application.report.svg import lineage_svg, timeline_svg

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#111827;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
.muted{color:#6b7280} .cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;margin:6px 0} td,th{border-bottom:1px solid #e5e7eb;
padding:4px 10px;text-align:left;font-variant-numeric:tabular-nums}
code{font-size:12px} .scroll{overflow-x:auto;border:1px solid #e5e7eb;border-radius:8px}
#lineage .edge{fill:none;stroke:#9ca3af;stroke-width:1.4}
#lineage .edge.hot{stroke:#111827;stroke-width:2.4}
#lineage .node rect{fill:#f3f4f6;stroke:#9ca3af} #lineage .node text{font-size:12px}
#lineage .gene rect{fill:#ede9fe;stroke:#7c3aed}
#lineage .capsule rect{fill:#dcfce7;stroke:#16a34a}
#lineage .variant rect{fill:#fef9c3;stroke:#ca8a04}
#lineage .reuse rect{fill:#dbeafe;stroke:#2563eb}
#lineage .revoked rect{fill:#fee2e2;stroke:#dc2626} #lineage .quarantined rect{stroke-dasharray:4 3}
#lineage .node:focus rect,#lineage .node.hot rect{stroke-width:2.5}
#timeline .axis{stroke:#9ca3af} #timeline .tick{font-size:11px;fill:#6b7280}
#details{min-height:1.5em}
"""

_SCRIPT = """
(function(){
  var svg=document.getElementById('lineage'); if(!svg){return;}
  var details=document.getElementById('details');
  function select(node){
    svg.querySelectorAll('.hot').forEach(function(e){e.classList.remove('hot');});
    var id=node.getAttribute('data-id'); node.classList.add('hot');
    svg.querySelectorAll('.edge').forEach(function(e){
      if(e.getAttribute('data-source')===id||e.getAttribute('data-target')===id){e.classList.add('hot');}
    });
    var t=node.querySelector('title'); details.textContent=t?t.textContent:id;
  }
  svg.querySelectorAll('.node').forEach(function(n){
    n.addEventListener('click',function(){select(n);});
    n.addEventListener('focus',function(){select(n);});
  });
})();
"""


def _table(headers: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return '<p class="muted">none</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _gene_section(gene: GeneHistory) -> str:
    curves = [
        [
            capsule_id,
            f"{points[-1].confidence:.3f}" if points else "",
            str(len(points)),
            " → ".join(f"{p.confidence:.2f}" for p in points[-8:]),
        ]
        for capsule_id, points in gene.confidence.items()
    ]
    transitions = [
        [t.at.strftime("%Y-%m-%d %H:%M"), t.asset_id, t.from_state or "", t.to_state, t.reason_code]
        for t in gene.transitions
    ]
    return (
        f'<section class="gene" data-gene="{escape(gene.gene_id)}">'
        f"<h3><code>{escape(gene.gene_id)}</code> · {escape(gene.state)}</h3>"
        f'<p class="muted">{escape(", ".join(gene.signature))}</p>'
        + _table(["capsule", "confidence", "evidence", "confidence over time"], curves)
        + _table(["when", "asset", "from", "to", "reason"], transitions)
        + "</section>"
    )


def render_html(data: ReportData) -> str:
    """The report as a complete HTML document."""
    cards = "".join(
        f'<div class="card"><b>{value:g}</b>{escape(name.replace("_", " "))}</div>'
        for name, value in data.totals.items()
    )
    since = f" since {data.since:%Y-%m-%d %H:%M}" if data.since else ""
    slowest = [
        [
            f"{row.duration_s:.2f}",
            row.purpose,
            "pass" if row.passed else "fail",
            row.task_id,
            row.run_id,
        ]
        for row in data.slowest_validations
    ]
    failed = [[row.task_id, str(row.failures), str(row.runs)] for row in data.most_failed_tasks]
    revoked = [
        [t.at.strftime("%Y-%m-%d %H:%M"), t.asset_id, t.reason_code] for t in data.revocations
    ]
    days = [
        [
            b.day,
            str(b.lookups),
            str(b.hits),
            str(b.fallbacks),
            str(b.false_replays),
            str(b.agent_calls),
            str(b.agent_calls_avoided),
            f"{b.seconds_saved:.1f}",
            str(b.tokens_saved),
        ]
        for b in data.timeline
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>EvoKernel evolution report</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>EvoKernel evolution report</h1>"
        f'<p class="muted">generated {data.generated_at:%Y-%m-%d %H:%M} UTC{since}, '
        f"store up to record {data.last_seq}</p>"
        f'<div class="cards">{cards}</div>'
        "<h2>Capsule lineage</h2>"
        '<p class="muted">gene → capsules → rebased variants → reuses; '
        "select a node to see the run that made it and the run that reused it.</p>"
        f'<p id="details" class="muted"></p><div class="scroll">'
        f"{lineage_svg(data.nodes, data.edges)}</div>"
        "<h2>Replay over time</h2>"
        f'<div class="scroll">{timeline_svg(data.timeline)}</div>'
        + _table(
            [
                "day",
                "lookups",
                "hits",
                "fallbacks",
                "false replays",
                "agent calls",
                "calls avoided",
                "seconds saved",
                "tokens saved",
            ],
            days,
        )
        + "<h2>Genes</h2>"
        + "".join(_gene_section(gene) for gene in data.genes)
        + "<h2>Revocations</h2>"
        + _table(["when", "asset", "reason"], revoked)
        + "<h2>Slowest validations</h2>"
        + _table(["seconds", "purpose", "verdict", "task", "run"], slowest)
        + "<h2>Most-failed tasks</h2>"
        + _table(["task", "failures", "runs"], failed)
        + f"<script>{_SCRIPT}</script></body></html>"
    )
