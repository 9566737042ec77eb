"""``python -m evokernel`` and shell completion, as a user runs them (real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EVOKERNEL = str(Path(sys.executable).with_name("evokernel"))


def _env(**extra: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.getcwd(), **extra}


def _run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` as a user would, in ``cwd``, with a bare environment plus ``env``."""
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=120, cwd=cwd, env=_env(**env)
    )
    assert done.returncode == 0, done.stderr
    return done


def test_python_dash_m_is_the_same_command(tmp_path: Path) -> None:
    done = _run([sys.executable, "-m", "evokernel", "--version"], tmp_path)
    assert done.stdout.startswith("evokernel ")


def test_bash_completion_completes_commands_and_subcommands(tmp_path: Path) -> None:
    def complete(words: str) -> list[str]:
        cword = str(len(words.split()) - 1)
        env = {"_EVOKERNEL_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": cword}
        return _run([EVOKERNEL], tmp_path, **env).stdout.split()

    assert complete("evokernel ru") == ["run", "runs"]
    assert complete("evokernel runs li") == ["list"]


def test_show_completion_prints_a_script_for_the_shell(tmp_path: Path) -> None:
    done = _run([EVOKERNEL, "--show-completion", "bash"], tmp_path)
    assert "_EVOKERNEL_COMPLETE=complete_bash" in done.stdout
