"""CommandAgent against real scripts in a real linked worktree."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from evokernel.adapters.agents import (
    AgentBriefing,
    AgentContext,
    AgentError,
    CommandAgent,
    CommandAgentConfig,
    CommandAgentError,
)
from evokernel.adapters.agents.command import command_name, render_command
from evokernel.domain.models import AgentTask, MutationProposal
from tests.evokernel.agents.conftest import FAILING_TEST, CalcRepo, ScriptWriter, applies_cleanly
from tests.processes import wait_until_gone

FIX = """
import json, os, sys
from pathlib import Path
stdin = json.loads(sys.stdin.read())
from_file = json.loads(Path(os.environ["EVOKERNEL_TASK_FILE"]).read_text())
assert stdin == from_file, "stdin and the task file differ"
assert os.getcwd() == from_file["worktree"], (os.getcwd(), from_file["worktree"])
assert sys.argv[1] == from_file["task"]["description"], sys.argv[1:]
assert from_file["failing_tests"] == ["tests/test_calc.py::test_add"]
src = Path("calc.py").read_text()
Path("calc.py").write_text(src.replace("return a - b", "return a + b"))
"""


def _config(**overrides: object) -> CommandAgentConfig:
    return CommandAgentConfig.model_validate({"timeout_s": 60.0, **overrides})


Propose = Callable[[str], MutationProposal]
Refuse = Callable[[str], CommandAgentError]


@pytest.fixture
def propose(agent_script: ScriptWriter, task: AgentTask, context: AgentContext) -> Propose:
    """Run a Python source as the command agent on the calc task; return its proposal."""

    def run(source: str) -> MutationProposal:
        return CommandAgent(agent_script(source), config=_config()).propose(task, context)

    return run


@pytest.fixture
def refuse(propose: Propose) -> Refuse:
    """Run a Python source as the command agent; return the error it must end in."""

    def run(source: str) -> CommandAgentError:
        with pytest.raises(CommandAgentError) as caught:
            propose(source)
        return caught.value

    return run


def test_fixing_script_yields_its_diff_as_proposal(
    agent_script: ScriptWriter, task: AgentTask, context: AgentContext, calc_repo: CalcRepo
) -> None:
    agent = CommandAgent(agent_script(FIX, "{task}"), config=_config())
    proposal = agent.propose(task, context)

    assert "-    return a - b\n+    return a + b\n" in proposal.diff
    assert proposal.touched_files == ["calc.py"]
    assert applies_cleanly(calc_repo.root, proposal.diff)
    assert proposal.intent == task.description  # no proposal file: the task text
    assert proposal.expected_effect == f"These tests pass: {FAILING_TEST}"
    assert proposal.proposer.agent.startswith("cmd:agent")  # named by its script (#17)
    assert proposal.proposer.latency_s is not None and proposal.proposer.latency_s > 0
    assert agent.last_run is not None and agent.last_run.exit_code == 0


def test_task_file_is_the_documented_briefing(
    task: AgentTask, context: AgentContext, propose: Propose, tmp_path: Path
) -> None:
    copy = tmp_path / "briefing.json"
    script = f"""
import os, shutil
shutil.copy(os.environ["EVOKERNEL_TASK_FILE"], {str(copy)!r})
open("NOTES.md", "w").write("seen\\n")
"""
    propose(script)

    briefing = AgentBriefing.model_validate_json(copy.read_bytes())
    assert briefing.task == task
    assert briefing.failing_tests == [FAILING_TEST]
    assert briefing.log_excerpts == context.log_excerpts
    assert briefing.run_id == "run_test_1" and briefing.attempt == 1
    assert "make add() add" in briefing.prompt and FAILING_TEST in briefing.prompt


def test_edit_of_an_existing_test_is_in_the_proposal(
    propose: Propose,
) -> None:
    """Rejecting it (tests_modified) is the kernel's job; the adapter must not hide it."""
    script = """
from pathlib import Path
p = Path("tests/test_calc.py")
p.write_text(p.read_text().replace("== 5", "== -1"))
"""
    proposal = propose(script)

    assert proposal.touched_files == ["tests/test_calc.py"]
    assert "+    assert add(2, 3) == -1\n" in proposal.diff


def test_new_untracked_file_is_included_and_caches_are_not(
    propose: Propose, calc_repo: CalcRepo
) -> None:
    script = """
from pathlib import Path
Path("helpers").mkdir()
Path("helpers/fastmath.py").write_text("def add(a, b):\\n    return a + b\\n")
Path("__pycache__").mkdir()
Path("__pycache__/calc.cpython-311.pyc").write_bytes(b"\\0junk")
"""
    proposal = propose(script)

    assert proposal.touched_files == ["helpers/fastmath.py"]
    assert "new file mode 100644" in proposal.diff
    assert "__pycache__" not in proposal.diff
    assert applies_cleanly(calc_repo.root, proposal.diff)


def test_changes_the_agent_committed_are_included(
    propose: Propose,
) -> None:
    """Some CLIs (aider) commit as they go; the diff is taken against the base, not HEAD."""
    script = """
import subprocess
from pathlib import Path
Path("calc.py").write_text(Path("calc.py").read_text().replace("a - b", "a + b"))
subprocess.run(["git", "-c", "user.name=A", "-c", "user.email=a@example.invalid",
                "commit", "-qam", "fix"], check=True)
"""
    proposal = propose(script)

    assert "+    return a + b\n" in proposal.diff


def test_proposal_file_supplies_intent_effect_and_tokens(
    propose: Propose,
) -> None:
    script = (
        FIX.replace("assert sys.argv[1]", "# ")
        + """
note = {"intent": "use + in add", "expected_effect": "test_add passes",
        "model": "local-llm", "tokens_in": 1200, "tokens_out": 80}
Path(os.environ["EVOKERNEL_PROPOSAL_FILE"]).write_text(json.dumps(note))
"""
    )
    proposal = propose(script)

    assert proposal.intent == "use + in add"
    assert proposal.expected_effect == "test_add passes"
    assert proposal.proposer.model == "local-llm"
    assert (proposal.proposer.tokens_in, proposal.proposer.tokens_out) == (1200, 80)


def test_malformed_proposal_file_is_agent_failed(
    refuse: Refuse,
) -> None:
    script = (
        FIX.replace("assert sys.argv[1]", "# ")
        + """
Path(os.environ["EVOKERNEL_PROPOSAL_FILE"]).write_text('{"intnet": "typo"}')
"""
    )
    error = refuse(script)
    assert error.reason == "agent_failed"
    assert "intnet" in error.detail


def test_script_that_writes_nothing_is_empty_diff(
    refuse: Refuse,
) -> None:
    error = refuse("print('thinking...')")
    assert error.reason == "empty_diff"
    assert error.run is not None and error.run.exit_code == 0
    assert "thinking..." in error.run.stdout


def test_non_zero_exit_is_agent_failed_with_stderr(
    agent_script: ScriptWriter, task: AgentTask, context: AgentContext
) -> None:
    script = "import sys\nopen('calc.py', 'a').write('# half done\\n')\n"
    script += "sys.stderr.write('model quota exceeded\\n'); sys.exit(3)\n"
    with pytest.raises(AgentError) as caught:
        CommandAgent(agent_script(script), config=_config()).propose(task, context)
    error = caught.value
    assert isinstance(error, CommandAgentError)
    assert error.reason == "agent_failed"
    assert "exit code 3" in error.detail and "model quota exceeded" in error.detail
    assert error.run is not None and error.run.exit_code == 3


def test_timeout_kills_the_whole_process_group(
    agent_script: ScriptWriter, task: AgentTask, context: AgentContext, tmp_path: Path
) -> None:
    """The agent and the grandchild it spawned both ignore SIGTERM; both must be gone."""
    pid_file = tmp_path / "grandchild.pid"
    script = f"""
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
open({str(pid_file)!r}, "w").write(str(child.pid))
time.sleep(600)
"""
    agent = CommandAgent(agent_script(script), config=_config(timeout_s=3.0, kill_grace_s=0.5))
    with pytest.raises(CommandAgentError) as caught:
        agent.propose(task, context)

    assert caught.value.reason == "agent_timeout"
    assert caught.value.run is not None and caught.value.run.timed_out
    assert caught.value.run.exit_code is None
    assert pid_file.exists(), "the agent never started its grandchild"
    assert wait_until_gone(int(pid_file.read_text())), "the grandchild outlived the agent"


def test_leftover_background_process_is_killed_and_does_not_block(
    propose: Propose, tmp_path: Path
) -> None:
    """A daemon holding stdout open would wedge a naive reader; the group is killed on exit."""
    pid_file = tmp_path / "daemon.pid"
    script = f"""
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open({str(pid_file)!r}, "w").write(str(child.pid))
open("calc.py", "w").write("def add(a, b):\\n    return a + b\\n")
"""
    proposal = propose(script)

    assert "+    return a + b\n" in proposal.diff
    assert wait_until_gone(int(pid_file.read_text())), "the grandchild outlived the agent"


def test_host_secret_is_not_passed_but_a_named_key_is(
    agent_script: ScriptWriter,
    task: AgentTask,
    context: AgentContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOST_SECRET_TOKEN", "hunter2-host-secret")
    monkeypatch.setenv("AGENT_API_KEY", "sk-agent-own-key")
    script = """
import json, os
print(json.dumps(sorted(os.environ)))
print("host secret:", os.environ.get("HOST_SECRET_TOKEN"))
print("own key:", os.environ.get("AGENT_API_KEY"))
open("calc.py", "a").write("# touched\\n")
"""
    config = _config(secret_env=["AGENT_API_KEY"])
    agent = CommandAgent(agent_script(script), config=config)  # environ: this process's
    agent.propose(task, context)

    assert agent.last_run is not None
    names = json.loads(agent.last_run.stdout.splitlines()[0])
    assert "HOST_SECRET_TOKEN" not in names
    assert "host secret: None" in agent.last_run.stdout
    assert "hunter2" not in agent.last_run.stdout
    # The named key reached the agent, and its value is redacted from what we keep.
    assert "AGENT_API_KEY" in names
    assert "own key: [redacted:AGENT_API_KEY]" in agent.last_run.stdout
    assert "sk-agent-own-key" not in agent.last_run.stdout


def test_output_is_drained_and_capped(
    agent_script: ScriptWriter, task: AgentTask, context: AgentContext
) -> None:
    script = """
import sys
sys.stdout.write("HEAD" + "x" * 3_000_000 + "TAIL")
sys.stderr.write("e" * 500_000)
open("calc.py", "a").write("# touched\\n")
"""
    agent = CommandAgent(agent_script(script), config=_config(output_cap_bytes=65536))
    agent.propose(task, context)

    run = agent.last_run
    assert run is not None
    assert run.stdout_bytes == 3_000_008 and run.stderr_bytes == 500_000
    assert run.stdout.startswith("HEAD") and run.stdout.endswith("TAIL")
    assert "bytes omitted" in run.stdout
    assert len(run.stdout.encode()) < 65536 + 100


def test_symlink_pointing_out_is_refused(
    refuse: Refuse,
) -> None:
    script = "import os\nos.symlink('/etc/passwd', 'passwd')\n"
    assert refuse(script).reason == "patch_refused"


def test_missing_worktree_is_agent_failed(task: AgentTask, tmp_path: Path) -> None:
    context = AgentContext(worktree=tmp_path / "nowhere")
    with pytest.raises(CommandAgentError) as caught:
        CommandAgent("true", config=_config()).propose(task, context)
    assert caught.value.reason == "agent_failed"


def test_placeholders_are_shell_quoted_and_other_braces_kept() -> None:
    line = render_command(
        "agent --msg {task} --dir {worktree} ${HOME} {unknown}",
        {"task": "it's $(rm -rf /)", "worktree": "/tmp/a b"},
    )
    assert line == "agent --msg 'it'\"'\"'s $(rm -rf /)' --dir '/tmp/a b' ${HOME} {unknown}"


@pytest.mark.parametrize(
    ("command", "name"),
    [
        ("aider --yes --message {prompt}", "cmd:aider"),
        ("OPENAI_BASE_URL=x /usr/local/bin/codex exec {prompt}", "cmd:codex"),
        ("'unbalanced", "cmd"),
    ],
)
def test_agent_name_comes_from_the_program(command: str, name: str) -> None:
    assert command_name(command) == name


def test_environment_is_read_from_the_mapping_given(
    agent_script: ScriptWriter, task: AgentTask, context: AgentContext
) -> None:
    script = "import os\nopen('calc.py', 'a').write('# ' + os.environ['LANG'] + '\\n')\n"
    environ = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "UNLISTED": "x"}
    agent = CommandAgent(agent_script(script), config=_config(), environ=environ)
    proposal = agent.propose(task, context)
    assert "+# C.UTF-8\n" in proposal.diff


def test_prompt_placeholders_carry_the_rendered_prompt(
    agent_script: ScriptWriter, task: AgentTask, context: AgentContext
) -> None:
    """How message-taking CLIs are plugged in: ``--message-file {prompt_file}``, ``{prompt}``."""
    script = """
import sys
from pathlib import Path
from_file = Path(sys.argv[2]).read_text()
assert from_file == sys.argv[4], "prompt file and {prompt} differ"
Path("PROMPT_SEEN.md").write_text(from_file)
"""
    command = agent_script(script, "--message-file {prompt_file} --message {prompt}")
    proposal = CommandAgent(command, config=_config()).propose(task, context)

    assert proposal.touched_files == ["PROMPT_SEEN.md"]
    assert f"+- {FAILING_TEST}\n" in proposal.diff
    assert "+- Fix the code, not the tests" in proposal.diff
