"""Where the GitHub token and the clone URL come from when they are not given."""

from __future__ import annotations

import pytest

from evokernel.adapters.github import GitHubAuthError, default_clone_url, token_from_environ


def test_gh_token_takes_precedence_over_github_token_as_in_gh() -> None:
    assert token_from_environ({"GH_TOKEN": "a", "GITHUB_TOKEN": "b"}) == "a"
    assert token_from_environ({"GITHUB_TOKEN": "b"}) == "b"
    assert token_from_environ({"GH_TOKEN": " ", "GITHUB_TOKEN": "b"}) == "b"


def test_a_named_variable_is_the_only_one_read() -> None:
    with pytest.raises(GitHubAuthError, match="EVO_BOT_TOKEN is not set"):
        token_from_environ({"GH_TOKEN": "a"}, "EVO_BOT_TOKEN")


@pytest.mark.parametrize(
    ("api_url", "clone"),
    [
        ("https://api.github.com", "https://github.com/octo/shop.git"),
        ("https://api.github.com/", "https://github.com/octo/shop.git"),
        ("https://ghe.example/api/v3", "https://ghe.example/octo/shop.git"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/octo/shop.git"),
    ],
)
def test_clone_url_follows_the_api_host(api_url: str, clone: str) -> None:
    assert default_clone_url("octo/shop", api_url) == clone
