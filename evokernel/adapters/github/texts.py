"""What the loop writes on GitHub, as pure functions of values: bodies, messages, comments.

The evidence of a validated change is written once, into its commit message, so the pushed
branch carries it: a loop restarted after the push rebuilds the pull request's body from the
commit on the remote, without the store that produced it.
"""

from __future__ import annotations

import hashlib
import re

from evokernel.adapters.devloop.review import ChangeOrigin, Review, TestTransition
from evokernel.adapters.github.markers import Marker, MarkerKey, parse_markers
from evokernel.application.kernel import Detection
from evokernel.domain.models.feedback import AgentFeedback

ISSUE_BODY_LIMIT = 60_000
"""GitHub refuses bodies over 65 536 characters; stay under it."""
_EXCERPT_LIMIT = 4_000
_TRAILER_LINE = re.compile(r"^Evo-[A-Za-z-]+: ")

PR_OPENED = Marker(key=MarkerKey.STEP, value="pr-opened")
"""Marks the one comment announcing the pull request on its issue."""


def signature_marker(detection: Detection) -> Marker:
    """``<!-- evokernel:signature=sha256:<16 hex> -->`` of the failure's signature.

    Keyed by the signature (the gene key) when there is one, else by the failing tests, else
    by the receipt's verdict reason, so the same failure always maps to the same marker.
    """
    basis = detection.signature or detection.failing_tests or [detection.receipt.reason_code.value]
    digest = hashlib.sha256("\n".join(sorted(basis)).encode()).hexdigest()
    return Marker(key=MarkerKey.SIGNATURE, value=f"sha256:{digest[:16]}")


def needs_human_marker(base_rev: str) -> Marker:
    """Marks the "cannot fix" comment for one base revision (a new base is tried again)."""
    return Marker(key=MarkerKey.STEP, value=f"needs-human@{base_rev[:12]}")


def _fence(text: str) -> str:
    """``text`` in a code fence longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _code(text: str) -> str:
    return f"`{text.replace('`', '')}`"


def failure_title(detection: Detection, branch: str) -> str:
    """``main fails: test_a, test_b`` for the issue ``detect`` opens."""
    names = [test.rsplit("::", 1)[-1] for test in detection.failing_tests]
    if names:
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        return f"{branch} fails: " + ", ".join(names[:3]) + more
    if detection.signature:
        return f"{branch} fails: {detection.signature[0]}"[:200]
    return f"{branch} fails its validation plan ({detection.receipt.reason_code.value})"


def failure_report(detection: Detection, *, branch: str, base_rev: str, run_id: str) -> str:
    """The body of the issue ``detect`` opens: what fails, the signature, a log excerpt."""
    receipt = detection.receipt
    lines = [
        f"The default branch {_code(branch)} fails its validation plan at {_code(base_rev[:12])}"
        f" ({receipt.reason_code.value}).",
        "",
    ]
    if detection.failing_tests:
        lines += ["**Failing tests**", ""]
        lines += [f"- {_code(test)}" for test in detection.failing_tests[:50]]
        lines.append("")
    if detection.signature:
        lines += ["**Failure signature** (what stored fixes are matched by)", ""]
        lines += [f"- {_code(signal)}" for signal in detection.signature]
        lines.append("")
    excerpt = "\n\n".join(detection.log_excerpts)[-_EXCERPT_LIMIT:]
    if excerpt:
        lines += ["**Log excerpt**", "", _fence(excerpt), ""]
    lines += [
        f"Opened by `evokernel github detect` (run {_code(run_id)}). The loop "
        "(`evokernel github run`) works on issues carrying the intake label.",
        "",
        signature_marker(detection).render(),
    ]
    return "\n".join(lines)[:ISSUE_BODY_LIMIT]


def evidence(review: Review) -> str:
    """The validated change's evidence, in Markdown that also reads well in ``git log``."""
    receipt = review.receipt
    if review.origin is ChangeOrigin.REPLAY:
        how = "replayed from a stored capsule (no agent was called)"
    else:
        how = f"proposed by an agent ({review.agent_calls} call(s)) and captured"
    fixed = sum(v.transition is TestTransition.FAIL_TO_PASS for v in review.tests)
    kept = sum(v.transition is TestTransition.PASS_TO_PASS for v in review.tests)
    lines = [
        f"Validated in the sandbox: {how}.",
        "",
        f"- Receipt: {receipt.verdict.value} ({receipt.reason_code.value}), backend "
        f"{receipt.backend or 'unknown'}{'' if receipt.isolated else ' (not isolated)'}, "
        f"{receipt.duration_s:.1f} s; {fixed} fail -> pass, {kept} pass -> pass",
    ]
    radius = review.blast_radius
    if radius is not None:
        files = ", ".join(_code(path) for path in radius.files[:20])
        lines.append(
            f"- Blast radius: {len(radius.files)} file(s), +{radius.lines_added} "
            f"-{radius.lines_removed} lines: {files}"
        )
    lines.append(f"- Run {_code(review.run_id)}, capsule {_code(review.capsule_id or '-')}")
    if review.origin is ChangeOrigin.REPLAY:
        origin = _code(review.original_run_id or "-")
        this_run = _code(review.replay_run_id or review.run_id)
        lines.append(f"- Replay origin: captured in run {origin}; this run {this_run} replayed it")
    lines += ["", "Per-test verdicts:", ""]
    for verdict in review.tests[:100]:
        before = verdict.before.value if verdict.before else "absent"
        after = verdict.after.value if verdict.after else "absent"
        lines.append(f"- {_code(verdict.test)}: {before} -> {after} ({verdict.transition.value})")
    return "\n".join(lines)


def commit_message(issue_number: int, issue_title: str, review: Review) -> str:
    """Subject line plus the evidence; the caller adds the ``Evo-*`` trailers."""
    subject = f"evokernel: {issue_title}"[:60].rstrip() + f" (#{issue_number})"
    return f"{subject}\n\n{evidence(review)}"


def commit_trailers(issue_number: int, review: Review) -> dict[str, str]:
    """``Evo-Run``, ``Evo-Capsule``, ``Evo-Issue`` (and the replay's run ids)."""
    trailers = {
        "Evo-Run": review.run_id,
        "Evo-Capsule": review.capsule_id or "",
        "Evo-Issue": str(issue_number),
    }
    if review.origin is ChangeOrigin.REPLAY:
        trailers["Evo-Replay-Run"] = review.replay_run_id or review.run_id
        trailers["Evo-Origin-Run"] = review.original_run_id or ""
    return trailers


def evidence_of_message(message: str) -> str:
    """The evidence paragraphs of a commit message: no subject line, no trailers."""
    _subject, _, body = message.strip().partition("\n")
    kept = [line for line in body.splitlines() if not _TRAILER_LINE.match(line)]
    return "\n".join(kept).strip()


def run_in(body: str | None) -> str | None:
    """The run named by a body's hidden ``run`` marker, if it has one."""
    return next((m.value for m in parse_markers(body) if m.key is MarkerKey.RUN), None)


def pull_title(issue_number: int, issue_title: str) -> str:
    """The pull request's title."""
    return f"evokernel: {issue_title}"[:200] + f" (#{issue_number})"


def pull_body(issue_number: int, message: str, run_id: str) -> str:
    """ "Closes #N", the evidence from the commit message, and the hidden markers."""
    lines = [
        f"Closes #{issue_number}",
        "",
        evidence_of_message(message),
        "",
        "Merging records an approval of the change (its capsule's confidence rises); closing "
        "without merging records a rejection.",
        "",
        Marker(key=MarkerKey.ISSUE, value=str(issue_number)).render(),
        Marker(key=MarkerKey.RUN, value=run_id).render(),
    ]
    return "\n".join(lines)[:ISSUE_BODY_LIMIT]


def announcement(pull_number: int, replayed: bool, run_id: str | None) -> str:
    """The one comment on the issue that says a pull request is waiting."""
    how = "replayed from a stored capsule" if replayed else "proposed by an agent"
    lines = [
        f"A validated fix ({how}) is waiting for review in #{pull_number}.",
        "",
        PR_OPENED.render(),
        Marker(key=MarkerKey.PULL, value=str(pull_number)).render(),
    ]
    if run_id:
        lines.append(Marker(key=MarkerKey.RUN, value=run_id).render())
    return "\n".join(lines)


def needs_human(
    reason: str,
    feedback: list[AgentFeedback],
    failing_tests: list[str],
    base_rev: str,
    run_id: str,
) -> str:
    """The one comment on an issue the loop could not fix at ``base_rev``."""
    lines = [
        f"EvoKernel could not produce a validated fix at {_code(base_rev[:12])} ({reason}).",
        "",
    ]
    if failing_tests:
        lines += ["Failing tests:", ""]
        lines += [f"- {_code(test)}" for test in failing_tests[:20]]
        lines.append("")
    if feedback:
        lines += ["What each attempt was told:", ""]
        for item in feedback[-5:]:
            message = item.message.replace("\n", " ")[:300]
            lines.append(f"- attempt {item.attempt}: {item.reason_code.value}: {message}")
        lines.append("")
    lines += [
        "A person needs to look at this; the loop tries again when the default branch moves.",
        "",
        needs_human_marker(base_rev).render(),
        Marker(key=MarkerKey.RUN, value=run_id).render(),
    ]
    return "\n".join(lines)[:ISSUE_BODY_LIMIT]
