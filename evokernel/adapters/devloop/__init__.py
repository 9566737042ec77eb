"""The supervised devloop: one task on a local repository, approved by a person before it lands.

``run_devloop(config, repo, approver=...)`` detects on HEAD, replays first, falls back to an
agent with feedback, presents the validated change to an ``Approver`` and, on approval,
commits it on ``evo/<task-slug>`` with trailers naming the run and the capsule.
"""

from __future__ import annotations

from evokernel.adapters.devloop.approval import (
    Approval,
    Approver,
    FileApprover,
    FixedApprover,
    PromptApprover,
    approver_from_spec,
    read_approval_file,
)
from evokernel.adapters.devloop.errors import (
    ApprovalAbortedError,
    ApprovalFileError,
    BranchNameError,
    DevloopError,
    DirtyTreeError,
)
from evokernel.adapters.devloop.flow import Progress, run_devloop
from evokernel.adapters.devloop.presenter import diff_renderable, logs_renderable, review_renderable
from evokernel.adapters.devloop.repository import RepositoryGuard, dirty_paths
from evokernel.adapters.devloop.results import DevloopResult, DevloopStatus, DevloopStep
from evokernel.adapters.devloop.review import (
    ChangeOrigin,
    Review,
    TestTransition,
    TestVerdict,
    build_review,
)

__all__ = [
    "Approval",
    "ApprovalAbortedError",
    "ApprovalFileError",
    "Approver",
    "BranchNameError",
    "ChangeOrigin",
    "DevloopError",
    "DevloopResult",
    "DevloopStatus",
    "DevloopStep",
    "DirtyTreeError",
    "FileApprover",
    "FixedApprover",
    "Progress",
    "PromptApprover",
    "RepositoryGuard",
    "Review",
    "TestTransition",
    "TestVerdict",
    "approver_from_spec",
    "build_review",
    "diff_renderable",
    "dirty_paths",
    "logs_renderable",
    "read_approval_file",
    "review_renderable",
    "run_devloop",
]
