"""Configuration mistakes explain themselves: the line, the closest key, the likely typo."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Invoke


def test_unknown_key_in_evokernel_toml_names_its_line_and_the_closest_key(
    invoke: Invoke, isolated_cwd: Path
) -> None:
    (isolated_cwd / "evokernel.toml").write_text(
        '# project settings\n[store]\npath = ".evo"\n\n[sandbox]\nkindd = "local"\n'
    )
    result = invoke("config", "show")
    assert result.exit_code == 2
    words = " ".join(result.output.split())
    assert "evokernel.toml line 6: unknown key 'sandbox.kindd'; did you mean 'kind'?" in words


def test_a_bad_value_in_pyproject_names_its_line(invoke: Invoke, isolated_cwd: Path) -> None:
    (isolated_cwd / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.evokernel.selection]\nmin_similarity = "lots"\n'
    )
    result = invoke("config", "show")
    assert result.exit_code == 2
    words = " ".join(result.output.split())
    assert "pyproject.toml [tool.evokernel] line 5: selection.min_similarity:" in words


def test_dotted_keys_are_found_too(invoke: Invoke, isolated_cwd: Path) -> None:
    (isolated_cwd / "evokernel.toml").write_text('store.pth = "x"\n')
    result = invoke("config", "show")
    assert result.exit_code == 2
    assert "evokernel.toml line 1: unknown key 'store.pth'; did you mean 'path'?" in " ".join(
        result.output.split()
    )


def test_a_section_variable_with_one_underscore_warns(invoke: Invoke) -> None:
    result = invoke("config", "show", "--json", env={"EVOKERNEL_SANDBOX_KIND": "local"})
    assert result.exit_code == 0
    assert "EVOKERNEL_SANDBOX_KIND sets nothing; did you mean EVOKERNEL_SANDBOX__KIND" in (
        " ".join(result.stderr.split())
    )


def test_agent_protocol_variables_do_not_warn(invoke: Invoke) -> None:
    result = invoke("config", "show", "--json", env={"EVOKERNEL_TASK_FILE": "/tmp/t.json"})
    assert result.exit_code == 0
    assert "sets nothing" not in result.stderr
