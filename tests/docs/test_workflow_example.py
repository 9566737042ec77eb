"""docs/examples/github-actions.yml is a valid workflow, and every evokernel command and option
it uses exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from evokernel.adapters.cli.app import app

WORKFLOW = Path(__file__).resolve().parents[2] / "docs" / "examples" / "github-actions.yml"
CHECK = str(Path(sys.executable).with_name("check-jsonschema"))


def test_workflow_validates_against_the_github_workflow_schema() -> None:
    done = subprocess.run(
        [CHECK, "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def _commands() -> list[list[str]]:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["loop"]["steps"]
    scripts = [step["run"] for step in steps if "run" in step]
    words = [re.findall(r"--?[a-z][a-z-]*|[a-z][a-z-]+", " ".join(s.split())) for s in scripts]
    return [w for w in words if w and w[0] == "evokernel"]


@pytest.mark.parametrize("words", _commands(), ids=lambda w: " ".join(w[1:3]))
def test_every_command_and_option_exists(words: list[str]) -> None:
    path = [w for w in words[1:3] if not w.startswith("-")]
    help_text = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"}).output
    assert "Usage:" in help_text, f"evokernel {' '.join(path)} is not a command"
    for option in (w for w in words if w.startswith("--")):
        assert option in help_text, f"evokernel {' '.join(path)} has no {option}"
