"""`run` and `replay` as a person meets them: a dirty tree, an agent that crashes, help that
teaches, a store that is not where one looked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from store import EventLog
from tests.cli.conftest import Invoke
from tests.conftest import GitRepoFactory

LOCAL = {"EVOKERNEL_SANDBOX__KIND": "local"}
CALC = {
    "calc.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
}


def test_run_and_replay_refuse_a_dirty_tree_before_anything_runs(
    invoke: Invoke, git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo(CALC)
    (repo / "calc.py").write_text("def add(a, b):\n    return a + b\n")  # not committed
    store = tmp_path / "store"
    for args in (("replay",), ("run", "--agent", "cmd:true")):
        result = invoke(*args, "--repo", str(repo), "--store", str(store), env=LOCAL)
        assert result.exit_code == 2, result.output
        words = " ".join(result.output.split())
        assert "DirtyTreeError" in words and "calc.py" in words and "--allow-dirty" in words
    assert not store.exists()  # nothing ran, nothing was recorded


def test_allow_dirty_works_from_head(
    invoke: Invoke, git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo(CALC)
    (repo / "notes.txt").write_text("untracked\n")
    result = invoke(
        "replay", "--repo", str(repo), "--allow-dirty", "--store", str(tmp_path / "s"), "--json",
        env=LOCAL,
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # HEAD's failure, and no capsule for it yet
    assert '"reason_code": "no_candidates"' in result.stdout


def test_a_crashing_agent_shows_its_traceback_in_the_table(
    invoke: Invoke, git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo(CALC)
    agent = tmp_path / "broken_agent.py"
    agent.write_text("def helper():\n    raise RuntimeError('model quota exceeded')\n\nhelper()\n")
    result = invoke(
        "run", "--repo", str(repo), "--store", str(tmp_path / "s"),
        "--agent", f"cmd:{sys.executable} {agent}", env=LOCAL,
    )  # fmt: skip
    assert result.exit_code == 1
    words = " ".join(result.output.split())
    assert "agent 'cmd:broken_agent.py' exited with code 1" in words
    assert "RuntimeError: model quota exceeded" in words
    assert "in helper" in words  # the traceback's frames, not only its last line


def test_run_help_lists_the_exit_codes(invoke: Invoke) -> None:
    text = " ".join(invoke("run", "--help", env={"COLUMNS": "200"}).output.split())
    for said in ("0 the change was captured", "1 it was not", "2 bad input", "130 interrupted"):
        assert said in text


def test_a_missing_store_says_where_it_looked_and_how_to_point_elsewhere(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("runs", "list", "--store", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    words = " ".join(result.output.split())
    assert f"no store log at {tmp_path / 'nowhere'}" in words
    assert "--store DIR, --repo PATH" in words and "EVOKERNEL_STORE" in words


def test_ctrl_c_records_that_the_run_was_interrupted(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    """SIGINT while the agent works: exit 130, and the store says the run was interrupted."""
    repo = git_repo(CALC)
    started = tmp_path / "agent-started"
    os.mkfifo(started)  # the agent writes here once it runs: the event the test waits on
    agent = tmp_path / "slow_agent.py"
    agent.write_text(
        f"with open({str(started)!r}, 'w') as said:\n    said.write('started')\n"
        "import signal\nsignal.pause()  # works until the Ctrl-C reaches it\n"
    )
    store = tmp_path / "store"
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("evokernel")), "run", "--repo", str(repo),
            "--store", str(store), "--run-id", "run_ctrl_c",
            "--agent", f"cmd:{sys.executable} {agent}",
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), **LOCAL},
        start_new_session=True,
    )  # fmt: skip
    heard: list[str] = []
    listener = threading.Thread(target=lambda: heard.append(started.read_text()), daemon=True)
    listener.start()
    try:
        listener.join(timeout=600)  # bounds a hang only; returns as soon as the agent writes
        assert heard == ["started"], "the agent never started"
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C reaches the group
        _, err = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, err
    with EventLog.open_readonly(store) as log:
        kinds = [(r.kind, r.payload.get("run_id")) for r in log.scan()]
    assert ("run_interrupted", "run_ctrl_c") in kinds
