"""Labels follow the loop's state; adding one that is there, or removing one that is not, is
never sent (each label request would count against the create cap for nothing)."""

from __future__ import annotations

from collections.abc import Sequence

from evokernel.adapters.github.models import GitHubIssue
from evokernel.adapters.github.target import TargetRepo


def ensure_labels(
    target: TargetRepo,
    issue: GitHubIssue,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> list[str]:
    """Make ``issue`` carry ``add`` and not ``remove``; returns what changed.

    ``issue.labels`` is the snapshot the pass read; GitHub's add is idempotent anyway, and
    removing a label that is gone answers 404, which the client reports as ``False``.
    """
    have = set(issue.labels)
    changed: list[str] = []
    missing = [label for label in add if label not in have]
    if missing:
        target.client.add_labels(target.name, issue.number, *missing)
        changed += [f"label:{label}" for label in missing]
    for label in remove:
        if label in have and target.client.remove_label(target.name, issue.number, label):
            changed.append(f"unlabel:{label}")
    return changed
