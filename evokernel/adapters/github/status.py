"""``status``: what the loop knows about its issues, from GitHub (branches, pull requests,
labels) and from the store (runs, capsules, verdicts, confidence)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from evokernel.adapters.github.client import GitHubClient
from evokernel.adapters.github.facts import StoreFacts
from evokernel.adapters.github.models import IssueState
from evokernel.adapters.github.reports import IssueStatus, LoopStatus
from evokernel.adapters.github.settings import BRANCH_PREFIX, DEFAULT_API_URL, GitHubLoopSettings
from evokernel.adapters.github.verdicts import run_of
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.confidence import ConfidenceConfig, utc_now
from evokernel.domain.views import EvolutionView
from store import StoreNotFoundError


def loop_status(
    client: GitHubClient,
    settings: GitHubLoopSettings,
    view: EvolutionView,
    facts: StoreFacts,
    confidence_config: ConfidenceConfig,
    now: datetime,
) -> LoopStatus:
    """Every issue with the intake label (open or closed), its branch, pull request, verdict."""
    repo = settings.repo
    heads = client.branch_heads(repo, BRANCH_PREFIX)
    rows: list[IssueStatus] = []
    for issue in client.list_labelled_issues(repo, settings.label, state=IssueState.ALL):
        branch = settings.branch_for(issue.number)
        pull = client.find_pull_by_head(repo, branch)
        run_id = run_of(pull) if pull else None
        capsule = view.capsule_of_run(run_id) if run_id else None
        rows.append(
            IssueStatus(
                number=issue.number,
                title=issue.title,
                state=issue.state.value,
                labels=list(issue.labels),
                branch=branch,
                branch_sha=heads.get(branch),
                pr_number=pull.number if pull else None,
                pr_state=pull.state.value if pull else None,
                merged=bool(pull and pull.merged),
                merged_by=pull.merged_by if pull else None,
                run_id=run_id,
                capsule_id=capsule,
                verdict=facts.verdicts.get(run_id) if run_id else None,
                confidence=view.confidence_of(capsule, confidence_config, now),
            )
        )
    return LoopStatus(repo=repo, label=settings.label, issues=rows)


def read_status(
    settings: GitHubLoopSettings,
    *,
    token: str,
    store_dir: Path,
    confidence_config: ConfidenceConfig | None = None,
    api_url: str = DEFAULT_API_URL,
    client: GitHubClient | None = None,
) -> LoopStatus:
    """``loop_status`` without a sandbox: the store is only read (and may not exist yet).

    Raises:
        GitHubError: GitHub could not be asked.
        StoreCorruptError: the store is unreadable.
    """
    config = confidence_config or ConfidenceConfig()
    now = utc_now()
    with _store_view(store_dir) as (view, facts):
        if client is not None:
            return loop_status(client, settings, view, facts, config, now)
        with GitHubClient(api_url, token) as made:
            return loop_status(made, settings, view, facts, config, now)


@contextmanager
def _store_view(store_dir: Path) -> Iterator[tuple[EvolutionView, StoreFacts]]:
    try:
        repository = EvolutionRepository.open(store_dir, readonly=True)
    except StoreNotFoundError:
        yield EvolutionView(), StoreFacts()
        return
    with repository:
        yield repository.view(), StoreFacts.scan(repository)
