"""The minimal environment: a written-out base, explicit extras, secret names always dropped."""

from __future__ import annotations

import pytest

from sandbox import SandboxConfigError
from sandbox._environment import is_secret_name, minimal_env


@pytest.mark.parametrize(
    "name",
    [
        "GITHUB_TOKEN",
        "my_api_token",
        "AWS_SECRET_ACCESS_KEY",
        "DB_PASSWORD",
        "SSH_KEY",
        "OPENAI_API_KEY",
        "Secret",
        "NPM_CREDENTIALS",
        "MYSQL_PASSWD",
    ],
)
def test_secret_names_are_recognised(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "LANG", "PYTHONPATH", "CI", "TOKYO"])
def test_ordinary_names_are_not(name: str) -> None:
    assert not is_secret_name(name)


def test_base_is_explicit_and_ignores_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST_ONLY_MARKER", "leak")
    env = minimal_env()
    assert "HOST_ONLY_MARKER" not in env
    assert env["HOME"] == "/tmp" and env["LANG"] == "C.UTF-8"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PATH"].startswith("/usr/local/sbin:")


def test_extras_override_the_base_but_secrets_are_dropped_even_when_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = minimal_env(
        {"LANG": "de_DE.UTF-8", "GITHUB_TOKEN": "ghp_x", "FEATURE": "1"}, home="/home/u"
    )
    assert env["LANG"] == "de_DE.UTF-8" and env["FEATURE"] == "1" and env["HOME"] == "/home/u"
    assert "GITHUB_TOKEN" not in env
    assert "GITHUB_TOKEN" in caplog.text and "ghp_x" not in caplog.text


@pytest.mark.parametrize("extra", [{"A=B": "x"}, {"": "x"}, {"1X": "x"}, {"OK": "nul\x00"}])
def test_malformed_variables_are_config_errors(extra: dict[str, str]) -> None:
    with pytest.raises(SandboxConfigError):
        minimal_env(extra)
