"""Configuration: precedence layer by layer, provenance, and errors that name key and source."""

from __future__ import annotations

from pathlib import Path

import pytest

from evokernel.application.config import PolicyConfig, load_config
from evokernel.domain.models import ScopeConstraints
from evokernel.errors import ConfigError
from sandbox import DockerSandboxConfig, LocalSandboxConfig

PYPROJECT = "pyproject.toml [tool.evokernel]"


def write(repo: Path, pyproject: str = "", toml: str = "") -> Path:
    if pyproject:
        (repo / "pyproject.toml").write_text('[project]\nname = "x"\n\n' + pyproject)
    if toml:
        (repo / "evokernel.toml").write_text(toml)
    return repo


def test_defaults_come_from_the_model(tmp_path: Path) -> None:
    loaded = load_config(tmp_path)

    assert loaded.config.store.path == tmp_path / ".evokernel/store"
    assert isinstance(loaded.config.sandbox, DockerSandboxConfig)
    assert set(loaded.sources.values()) == {"default"}
    assert {entry.key for entry in loaded.entries()} == set(loaded.sources)


@pytest.mark.parametrize(
    ("layers", "expected", "source"),
    [
        (0, 20, "default"),
        (1, 3, PYPROJECT),
        (2, 4, "evokernel.toml"),
        (3, 5, "env EVOKERNEL_POLICY__MAX_FILES"),
        (4, 6, "cli"),
    ],
)
def test_each_layer_overrides_the_ones_below(
    tmp_path: Path, layers: int, expected: int, source: str
) -> None:
    if layers >= 1:
        write(tmp_path, pyproject="[tool.evokernel.policy]\nmax_files = 3\n")
    if layers >= 2:
        write(tmp_path, toml="[policy]\nmax_files = 4\n")
    environ = {"EVOKERNEL_POLICY__MAX_FILES": "5"} if layers >= 3 else {}
    cli = {"policy.max_files": 6} if layers >= 4 else {}

    loaded = load_config(tmp_path, cli, environ)

    assert loaded.config.policy.max_files == expected
    assert loaded.sources["policy.max_files"] == source
    assert loaded.sources["policy.max_changed_lines"] == "default"


def test_layers_merge_key_by_key(tmp_path: Path) -> None:
    write(
        tmp_path,
        pyproject='[tool.evokernel.policy]\nmax_files = 3\nforbidden_paths = ["a/**"]\n',
        toml="[policy]\nmax_files = 4\n",
    )

    loaded = load_config(tmp_path, {"log.format": "json"})

    assert loaded.config.policy.forbidden_paths == ["a/**"]
    assert loaded.sources["policy.forbidden_paths"] == PYPROJECT
    assert loaded.config.log.format == "json"
    assert loaded.sources["log.format"] == "cli"


def test_store_alias_and_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    write(repo, toml='[store]\npath = "from-file"\n')
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    from_file = load_config(repo)
    from_env = load_config(repo, environ={"EVOKERNEL_STORE": "from-env"})
    from_cli = load_config(repo, {"store.path": Path("from-cli")}, {"EVOKERNEL_STORE": "x"})

    assert from_file.config.store.path == repo / "from-file"
    assert from_env.config.store.path == elsewhere / "from-env"
    assert from_env.sources["store.path"] == "env EVOKERNEL_STORE"
    assert from_cli.config.store.path == elsewhere / "from-cli"


def test_switching_the_sandbox_kind_drops_the_other_backends_keys(tmp_path: Path) -> None:
    write(tmp_path, toml='[sandbox]\nimage = "mine:1"\npool_size = 4\n')

    docker = load_config(tmp_path)
    local = load_config(tmp_path, environ={"EVOKERNEL_SANDBOX__KIND": "local"})

    assert isinstance(docker.config.sandbox, DockerSandboxConfig)
    assert docker.config.sandbox.image == "mine:1"
    assert docker.sources["sandbox.image"] == "evokernel.toml"
    assert isinstance(local.config.sandbox, LocalSandboxConfig)
    assert local.sources["sandbox.kind"] == "env EVOKERNEL_SANDBOX__KIND"
    assert local.sources["sandbox.unshare_network"] == "default"


def test_environment_values_are_converted_and_json_is_parsed(tmp_path: Path) -> None:
    loaded = load_config(
        tmp_path,
        environ={
            "EVOKERNEL_POLICY__ALLOW_TEST_EDITS": "true",
            "EVOKERNEL_POLICY__FORBIDDEN_PATHS": '["migrations/**", "*.lock"]',
            "EVOKERNEL_TASK_FILE": "/tmp/task.json",  # an agent's input, not configuration
        },
    )

    assert loaded.config.policy.allow_test_edits is True
    assert loaded.config.policy.forbidden_paths == ["migrations/**", "*.lock"]


@pytest.mark.parametrize(
    ("files", "environ", "cli", "source"),
    [
        ({"pyproject": "[tool.evokernel.policy]\nmax_filez = 1\n"}, {}, {}, PYPROJECT),
        ({"toml": "[policy]\nmax_filez = 1\n"}, {}, {}, "evokernel.toml"),
        ({}, {"EVOKERNEL_POLICY__MAX_FILEZ": "1"}, {}, "env EVOKERNEL_POLICY__MAX_FILEZ"),
        ({}, {}, {"policy.max_filez": 1}, "cli"),
    ],
    ids=["pyproject", "toml", "env", "cli"],
)
def test_unknown_key_is_an_error_naming_key_and_source(
    tmp_path: Path, files: dict[str, str], environ: dict[str, str], cli: dict[str, int], source: str
) -> None:
    write(tmp_path, **files)

    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, cli, environ)

    assert (caught.value.key, caught.value.source) == ("policy.max_filez", source)
    assert "unknown key 'policy.max_filez'" in str(caught.value)
    assert source in str(caught.value)


def test_unknown_key_inside_a_backend_table_is_named_without_the_union_tag(tmp_path: Path) -> None:
    write(tmp_path, toml='[sandbox]\nimagee = "typo:1"\n')

    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)

    assert caught.value.key == "sandbox.imagee"


def test_unknown_section_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, toml="[polcy]\nmax_files = 1\n")

    with pytest.raises(ConfigError, match="unknown key 'polcy'"):
        load_config(tmp_path)


def test_bad_value_names_key_and_source(tmp_path: Path) -> None:
    write(tmp_path, toml='[policy]\nmax_files = "many"\n')

    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)

    assert (caught.value.key, caught.value.source) == ("policy.max_files", "evokernel.toml")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    write(tmp_path, toml="[policy\n")

    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)

    assert caught.value.source == "evokernel.toml"


@pytest.mark.parametrize(
    ("name", "message"),
    [("EVOKERNEL_POLICY", "is a section"), ("EVOKERNEL_POLICY____X", "empty key segment")],
)
def test_malformed_environment_names_are_errors(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path, environ={name: "1"})


def test_policy_defaults_agree_with_scope_constraints() -> None:
    assert PolicyConfig().scope() == ScopeConstraints()
