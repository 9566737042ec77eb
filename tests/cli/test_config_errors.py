"""Configuration mistakes explain themselves: the line, the closest key, the likely typo."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Invoke


@pytest.mark.parametrize(
    ("name", "text", "explained"),
    [
        (
            "evokernel.toml",
            '# project settings\n[store]\npath = ".evo"\n\n[sandbox]\nkindd = "local"\n',
            "evokernel.toml line 6: unknown key 'sandbox.kindd'; did you mean 'kind'?",
        ),
        (
            "pyproject.toml",
            '[project]\nname = "x"\n\n[tool.evokernel.selection]\nmin_similarity = "lots"\n',
            "pyproject.toml [tool.evokernel] line 5: selection.min_similarity:",
        ),
        (
            "evokernel.toml",
            'store.pth = "x"\n',
            "evokernel.toml line 1: unknown key 'store.pth'; did you mean 'path'?",
        ),
    ],
    ids=["unknown_key_names_its_line_and_the_closest_key", "bad_value_in_pyproject", "dotted_key"],
)
def test_a_configuration_mistake_names_its_file_and_line(
    name: str, text: str, explained: str, invoke: Invoke, isolated_cwd: Path
) -> None:
    (isolated_cwd / name).write_text(text)
    result = invoke("config", "show")
    assert result.exit_code == 2
    assert explained in " ".join(result.output.split())


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
