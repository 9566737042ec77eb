"""CommandAgent (``cmd:COMMAND``): any coding-agent CLI or script, run in the scratch worktree.

The task reaches the program three ways at once: as JSON on stdin, as the same JSON in the file
named by ``EVOKERNEL_TASK_FILE``, and through placeholders in the command template (``{task}``,
``{prompt}``, ``{prompt_file}``, ``{worktree}``, ``{task_file}``, ``{proposal_file}``, each
shell-quoted). The program edits files however it likes; the proposal is the worktree's
``git diff`` against the task's base revision, untracked files included. It may describe its
change in the JSON file named by ``EVOKERNEL_PROPOSAL_FILE``.

Outcomes the kernel turns into feedback are ``CommandAgentError`` with ``reason``:
``agent_timeout`` (limit reached, whole process group killed), ``agent_failed`` (non-zero exit,
unreadable proposal file), ``empty_diff`` (exited 0 but changed nothing), ``patch_refused``
(the change touches ``.git``, creates a symlink, ...).
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pydantic import Field, ValidationError

from evokernel.adapters.agents._diff import (
    DiffRejectedError,
    check_paths,
    git_env,
    resolve_base,
    worktree_diff,
)
from evokernel.adapters.agents._process import ProcessOutcome, run_process
from evokernel.adapters.agents.briefing import expected_effect, make_briefing, task_text
from evokernel.application.config.agents import CommandAgentConfig
from evokernel.application.kernel.agent import AgentContext, AgentError
from evokernel.domain.models import AgentTask, Model, MutationProposal, Proposer
from evokernel.domain.models.feedback import ReasonCode

TASK_FILE_ENV = "EVOKERNEL_TASK_FILE"
PROPOSAL_FILE_ENV = "EVOKERNEL_PROPOSAL_FILE"
_PLACEHOLDER = re.compile(r"\{(task|prompt|prompt_file|worktree|task_file|proposal_file)\}")
_DETAIL_CHARS = 4000
_MIN_SECRET_CHARS = 4


class CommandRun(ProcessOutcome):
    """One run of the agent's command: what it was, how it ended, what it printed (capped,
    with the secrets the agent was given redacted from the command line and the output)."""

    command: str
    """The command line after placeholders were filled in."""


class ProposalNote(Model):
    """What an agent may write to ``EVOKERNEL_PROPOSAL_FILE`` (JSON) to describe its change."""

    intent: str = ""
    """What the change is meant to do (default: the task text)."""
    expected_effect: str = ""
    """What should change when it is applied (default: the failing tests pass)."""
    model: str | None = None
    """Model the agent used, when it knows."""
    tokens_in: int | None = Field(default=None, ge=0)
    """Prompt tokens it spent, when it knows (counted in replay economics)."""
    tokens_out: int | None = Field(default=None, ge=0)
    """Completion tokens it spent, when it knows."""


class CommandAgentError(AgentError):
    """The command produced no usable proposal; ``run`` says what it did."""

    def __init__(
        self,
        message: str,
        reason: str,
        detail: str = "",
        run: CommandRun | None = None,
        proposer: Proposer | None = None,
        *,
        retryable: bool = True,
    ) -> None:
        self.run = run
        super().__init__(
            message, reason=reason, detail=detail, proposer=proposer, retryable=retryable
        )


def render_command(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{task}``-style placeholders with shell-quoted values; other braces stay."""
    return _PLACEHOLDER.sub(lambda match: shlex.quote(values[match.group(1)]), template)


_INTERPRETERS = re.compile(r"^(python[0-9.]*|pypy[0-9.]*|node|deno|bun|ruby|perl|php|sh|bash|zsh)$")
"""Programs that run a script: the agent is named by the script, not by them."""

_UNRUNNABLE_EXIT_CODES = {126: "is not executable", 127: "was not found"}
"""Exit codes of ``/bin/sh`` that no second attempt can change."""


def split_command(command: str) -> list[str]:
    """The command's words, as ``/bin/sh`` would split them (quotes honoured).

    Raises:
        ValueError: an unbalanced quote or a trailing escape; said before anything runs.
    """
    try:
        return shlex.split(command)
    except ValueError as exc:
        raise ValueError(f"cannot parse the agent command {command!r}: {exc}") from None


def command_name(command: str) -> str:
    """``cmd:<program>`` for the proposer record, e.g. ``cmd:aider``; a script run by an
    interpreter is named by the script (``python3 agents/fix.py`` is ``cmd:fix.py``)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return "cmd"
    programs = [word for word in words if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word)]
    if not programs:
        return "cmd"
    if _INTERPRETERS.match(Path(programs[0]).name):
        scripts = [w for w in programs[1:] if not w.startswith("-")]
        if scripts and not {"-c", "-m", "-e"} & set(programs[1:]):
            return f"cmd:{Path(scripts[0]).name}"
        if "-m" in programs[1:] and programs.index("-m") + 1 < len(programs):
            return f"cmd:{programs[programs.index('-m') + 1]}"
    return f"cmd:{Path(programs[0]).name}"


class CommandAgent:
    """Runs ``command`` (a ``/bin/sh`` command line) in the scratch worktree for each proposal.

    Args:
        command: template, e.g. ``my-agent --task-file {task_file}``.
        config: limits and environment rules; defaults apply when omitted.
        environ: the host environment to pick allowed variables from, read once here;
            ``None`` means this process's environment.
        name: recorded on proposals; derived from the program name when omitted.
    """

    def __init__(
        self,
        command: str,
        *,
        config: CommandAgentConfig | None = None,
        environ: Mapping[str, str] | None = None,
        name: str | None = None,
    ) -> None:
        if not command.strip():
            raise ValueError("the agent command is empty")
        split_command(command)  # an unbalanced quote is a config error now, not an agent failure
        self.command = command
        self.config = config or CommandAgentConfig()
        host = dict(os.environ if environ is None else environ)
        self.name = name or command_name(command)
        self._env = {n: host[n] for n in self.config.env if n in host}
        self._secrets = {n: host[n] for n in self.config.secret_env if n in host}
        self._git_env = git_env(host)
        self.last_run: CommandRun | None = None

    def propose(self, task: AgentTask, context: AgentContext) -> MutationProposal:
        """Run the command once and return the worktree's diff as the proposal.

        Raises:
            CommandAgentError: timeout, non-zero exit, empty diff, refused paths.
        """
        worktree = context.worktree
        with tempfile.TemporaryDirectory(prefix="evokernel-agent-") as tmp:
            task_file = Path(tmp) / "task.json"
            proposal_file = Path(tmp) / "proposal.json"
            prompt_file = Path(tmp) / "prompt.md"
            briefing = make_briefing(task, context, str(proposal_file))
            payload = briefing.model_dump_json(indent=2).encode()
            task_file.write_bytes(payload)
            prompt_file.write_text(briefing.prompt, encoding="utf-8")
            line = render_command(
                self.command,
                {
                    "task": task_text(task),
                    "prompt": briefing.prompt,
                    "prompt_file": str(prompt_file),
                    "worktree": str(worktree),
                    "task_file": str(task_file),
                    "proposal_file": str(proposal_file),
                },
            )
            run = self._run(line, worktree, payload, task_file, proposal_file, context)
            self.last_run = run
            proposer = Proposer(agent=self.name, latency_s=run.duration_s)
            self._raise_for_outcome(run, proposer)
            note = _read_note(proposal_file, run, proposer)
        proposer = proposer.model_copy(
            update={"model": note.model, "tokens_in": note.tokens_in, "tokens_out": note.tokens_out}
        )
        diff, touched = self._take_diff(task, worktree, run, proposer)
        return MutationProposal(
            diff=diff,
            intent=note.intent or task_text(task),
            expected_effect=note.expected_effect or expected_effect(context),
            touched_files=touched,
            proposer=proposer,
        )

    def _run(
        self,
        line: str,
        worktree: Path,
        payload: bytes,
        task_file: Path,
        proposal_file: Path,
        context: AgentContext,
    ) -> CommandRun:
        env = {
            **self._env,
            **self._secrets,
            TASK_FILE_ENV: str(task_file),
            PROPOSAL_FILE_ENV: str(proposal_file),
            "EVOKERNEL_WORKTREE": str(worktree),
            "EVOKERNEL_RUN_ID": context.run_id,
            "EVOKERNEL_ATTEMPT": str(context.attempt),
        }
        try:
            outcome = run_process(
                ["/bin/sh", "-c", line],
                cwd=worktree,
                env=env,
                stdin=payload,
                timeout_s=self.config.timeout_s,
                kill_grace_s=self.config.kill_grace_s,
                output_cap_bytes=self.config.output_cap_bytes,
            )
        except OSError as exc:
            raise CommandAgentError(
                f"cannot start agent {self.name!r} in {worktree}: {exc}",
                reason=ReasonCode.AGENT_FAILED,
            ) from exc
        return self._record(line, outcome)

    def _record(self, line: str, outcome: ProcessOutcome) -> CommandRun:
        redacted = {"stdout": self._redact(outcome.stdout), "stderr": self._redact(outcome.stderr)}
        return CommandRun(command=self._redact(line), **(outcome.model_dump() | redacted))

    def _redact(self, text: str) -> str:
        for name, value in self._secrets.items():
            if len(value) >= _MIN_SECRET_CHARS:
                text = text.replace(value, f"[redacted:{name}]")
        return text

    def _raise_for_outcome(self, run: CommandRun, proposer: Proposer) -> None:
        if run.timed_out:
            raise CommandAgentError(
                f"agent {self.name!r} did not finish within {self.config.timeout_s:g}s",
                reason=ReasonCode.AGENT_TIMEOUT,
                detail=_tail(run.stderr),
                run=run,
                proposer=proposer,
            )
        if run.exit_code != 0:
            unrunnable = _unrunnable(run)
            raise CommandAgentError(
                f"agent {self.name!r} {unrunnable}"
                if unrunnable
                else f"agent {self.name!r} exited with code {run.exit_code}",
                reason=ReasonCode.AGENT_FAILED,
                detail=f"exit code {run.exit_code}\n{_tail(run.stderr)}",
                run=run,
                proposer=proposer,
                retryable=unrunnable is None,
            )

    def _take_diff(
        self, task: AgentTask, worktree: Path, run: CommandRun, proposer: Proposer
    ) -> tuple[str, list[str]]:
        try:
            base = resolve_base(worktree, task.base_rev, self._git_env)
            diff = worktree_diff(worktree, base, self._git_env, self.config.exclude_untracked)
            if not diff.strip():
                raise DiffRejectedError(ReasonCode.EMPTY_DIFF, "the agent changed no files")
            return diff, check_paths(diff, worktree)
        except DiffRejectedError as exc:
            raise CommandAgentError(
                f"agent {self.name!r}: {exc}",
                reason=exc.reason,
                detail=exc.detail,
                run=run,
                proposer=proposer,
            ) from exc


def _read_note(path: Path, run: CommandRun, proposer: Proposer) -> ProposalNote:
    if not path.exists():
        return ProposalNote()
    try:
        return ProposalNote.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise CommandAgentError(
            f"unreadable {PROPOSAL_FILE_ENV}: {exc}",
            reason=ReasonCode.AGENT_FAILED,
            detail=str(exc)[:_DETAIL_CHARS],
            run=run,
            proposer=proposer,
        ) from exc


def _unrunnable(run: CommandRun) -> str | None:
    """Why no retry can help (the command is missing, not executable, or not valid shell),
    or ``None`` when the agent ran and failed on its own."""
    said = _UNRUNNABLE_EXIT_CODES.get(run.exit_code or 0)
    if said is not None:
        return f"could not run: the command {said} (exit {run.exit_code})"
    if run.exit_code == 2 and "syntax error" in run.stderr.lower():
        return "could not run: the shell cannot parse the command (exit 2)"
    return None


def _tail(text: str) -> str:
    return text if len(text) <= _DETAIL_CHARS else "[...]" + text[-_DETAIL_CHARS:]
