"""Which runs a store record belongs to, and what it says, in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]


def runs_of(kind: str, payload: Payload) -> list[str]:
    """The runs a record belongs to: its ``run_id`` and ``replay_run_id``, and a captured
    capsule's origin run. A reuse belongs to the reusing run and to the capsule's origin run,
    so each timeline shows the link."""
    found = []
    for key in ("run_id", "replay_run_id"):
        value = payload.get(key)
        if isinstance(value, str) and value and value not in found:
            found.append(value)
    nested = {
        "capsule_committed": ("capsule", "origin_run_id"),
        "capsule_rebased": ("variant", "replay_run_id"),
    }
    if kind in nested:
        holder, key = nested[kind]
        owner = (payload.get(holder) or {}).get(key)
        if isinstance(owner, str) and owner not in found:
            found.append(owner)
    return found


def _short(value: object, width: int = 80) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _task(p: Payload) -> str:
    task = p.get("task") or {}
    return f"task {task.get('task_id')}: {_short(task.get('description') or '(no description)')}"


def _signals(p: Payload) -> str:
    failing = p.get("failing_tests") or []
    tests = f"; failing: {', '.join(failing[:3])}" + (" …" if len(failing) > 3 else "")
    return f"baseline: {len(p.get('signature') or [])} signature signals{tests if failing else ''}"


def _lookup(p: Payload) -> str:
    candidates = p.get("candidates") or []
    if not candidates:
        return f"replay lookup: no candidates ({p.get('reason_code') or 'none matched'})"
    best = (p.get("scores") or [0.0])[0]
    return f"replay lookup: {len(candidates)} candidate(s), best {candidates[0]} ({best:.2f})"


def _attempt(p: Payload) -> str:
    rung = f", applied {p['apply_step']}" if p.get("apply_step") else ""
    reason = f" ({p['reason_code']})" if p.get("reason_code") else ""
    return f"tried {p.get('capsule_id')}: {p.get('outcome')}{reason}{rung}"


def _reused(p: Payload) -> str:
    return (
        f"reused {p.get('capsule_id')}, captured in {p.get('run_id')}, "
        f"by run {p.get('replay_run_id')}"
    )


def _economics(p: Payload) -> str:
    tokens = p.get("tokens_saved")
    saved = f", {tokens} tokens" if tokens else ""
    return (
        f"saved {float(p.get('seconds_saved') or 0):.1f} s{saved}, "
        f"{p.get('agent_calls_avoided', 0)} agent call(s) avoided"
    )


def _agent(p: Payload) -> str:
    status = "ok" if p.get("ok", True) else f"failed ({p.get('reason_code')})"
    tokens = (p.get("tokens_in") or 0) + (p.get("tokens_out") or 0)
    model = f" {p['model']}" if p.get("model") else ""
    return (
        f"agent {p.get('agent')}{model} #{p.get('attempt', 1)}: {status}, "
        f"{tokens} tokens, {float(p.get('latency_s') or 0):.1f} s"
    )


def _proposed(p: Payload) -> str:
    proposal = p.get("proposal") or {}
    files = proposal.get("touched_files") or []
    return f"proposal #{p.get('attempt', 1)}: {len(files)} file(s) {', '.join(files[:3])}".rstrip()


def _validation(p: Payload) -> str:
    verdict = "passed" if p.get("passed") else "failed"
    if p.get("infra_failure"):
        verdict = "infra failure"
    return (
        f"{p.get('purpose')} validation {verdict} ({p.get('reason_code')}) "
        f"in {float(p.get('duration_s') or 0):.2f} s"
    )


def _rejected(p: Payload) -> str:
    failing = p.get("failing_tests") or []
    extra = f"; failing: {', '.join(failing[:3])}" if failing else ""
    return f"rejected #{p.get('attempt', 1)}: {p.get('reason_code')}{extra}"


def _state(p: Payload) -> str:
    return (
        f"{p.get('asset_id')}: {p.get('from_state') or '-'} → {p.get('to_state')} "
        f"({p.get('reason_code')})"
    )


def _tool(p: Payload) -> str:
    arguments = ", ".join(f"{k}={v!r}" for k, v in (p.get("arguments") or {}).items())
    return f"tool {p.get('tool')}({arguments}): {p.get('results', 0)} result(s)"


def _rebased(p: Payload) -> str:
    variant = p.get("variant") or {}
    moved = ", ".join(f"{a} -> {b}" for a, b in (variant.get("path_map") or {}).items())
    return f"{p.get('rebased_from')} applied as a rebased variant ({variant.get('apply_step')})" + (
        f"; moved {moved}" if moved else ""
    )


_SUMMARIES: dict[str, Callable[[Payload], str]] = {
    "task_received": _task,
    "signals_detected": _signals,
    "replay_lookup_recorded": _lookup,
    "replay_attempted": _attempt,
    "capsule_reused": _reused,
    "replay_economics_recorded": _economics,
    "agent_called": _agent,
    "mutation_proposed": _proposed,
    "validation_completed": _validation,
    "mutation_rejected": _rejected,
    "gene_solidified": lambda p: f"gene {(p.get('gene') or {}).get('gene_id')}",
    "capsule_committed": lambda p: f"captured {(p.get('capsule') or {}).get('capsule_id')}",
    "asset_state_changed": _state,
    "approval_recorded": lambda p: f"{p.get('approver')} {p.get('decision')} ({p.get('source')})",
    "delivery_updated": lambda p: f"delivery {p.get('state')} {p.get('branch') or ''}".rstrip(),
    "ledger_entry_recorded": lambda p: f"ledger {p.get('entry_kind')} {p.get('amount')}",
    "capsule_rebased": _rebased,
    "landing_failed": lambda p: f"landing on {p.get('branch')} failed: {_short(p.get('detail'))}",
    "run_interrupted": lambda p: f"interrupted during {p.get('during') or 'the run'}",
    "tool_called": _tool,
}


def summarize(kind: str, payload: Payload) -> str:
    """One line saying what a record says (its kind when we have no words for it)."""
    describe = _SUMMARIES.get(kind)
    if describe is None:
        reason = payload.get("reason_code") or payload.get("reason")
        return f"{kind.replace('_', ' ')}" + (f" ({reason})" if reason else "")
    return describe(payload)
