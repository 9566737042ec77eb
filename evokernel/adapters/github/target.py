"""``TargetRepo``: the repository on GitHub as one step of the loop sees it.

A step that talks to GitHub takes this (the client, and the loop's settings that name the
repository, its labels and branches) rather than the whole loop, so it can be called, and
tested, with nothing else built.
"""

from __future__ import annotations

from dataclasses import dataclass

from evokernel.adapters.github.client import GitHubClient
from evokernel.adapters.github.settings import GitHubLoopSettings


@dataclass(frozen=True)
class TargetRepo:
    """One repository on GitHub and how the loop names its work there.

    Args:
        client: the GitHub adapter (its rate-limit waits and create cap apply).
        settings: the repository, labels, branches and cooldown.
    """

    client: GitHubClient
    settings: GitHubLoopSettings

    @property
    def name(self) -> str:
        """``OWNER/NAME``."""
        return self.settings.repo
