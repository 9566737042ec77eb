"""ScriptedAgent: a real agent whose policy is a handler you pass in (httpx's MockTransport idea).

Tests and scenarios use it to say "for this failure (or this task, or this attempt), propose this
diff", then assert exactly how often the kernel called it. Rules can be written in Python or
loaded from a JSON/TOML file for ``--agent scripted:FILE``::

    [[rules]]
    signature = ["exception:ZeroDivisionError", "test-failed:tests/test_calc.py::test_div"]
    diff_file = "fix-div.patch"   # relative to this file; or diff = "..." inline
    intent = "guard the division"
"""

from __future__ import annotations

import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import orjson
from pydantic import Field, ValidationError, model_validator

from evokernel.adapters.agents._diff import DiffRejectedError, diff_paths
from evokernel.application.kernel.agent import AgentContext, AgentError
from evokernel.domain.models import AgentTask, Model, MutationProposal, Proposer
from evokernel.errors import ConfigError

ScriptedHandler = Callable[[AgentTask, AgentContext], MutationProposal]
"""The policy: given the task and context, return a proposal or raise ``AgentError``."""


class ScriptedCall(Model):
    """One call the agent received, recorded for exact call accounting in tests."""

    task_id: str
    """Task asked about."""
    attempt: int
    """Attempt number from the context."""
    run_id: str
    """Run id from the context."""
    signature: list[str]
    """Sorted, unique signals the context carried."""


class ScriptedRule(Model):
    """When a call matches every given condition, answer with this diff (or this failure)."""

    task_id: str | None = None
    """Match this task id."""
    signature: list[str] | None = None
    """Match exactly this set of signals (order and duplicates do not matter)."""
    signals_include: list[str] = Field(default_factory=list)
    """Match when the context's signals include all of these."""
    attempt: int | None = Field(default=None, ge=1)
    """Match this attempt number only (e.g. a wrong fix first, the right one second)."""
    diff: str | None = None
    """The diff to propose."""
    diff_file: str | None = None
    """File holding the diff, relative to the rules file; read when the rules are loaded."""
    fail: Literal["agent_failed", "agent_timeout"] | None = None
    """Instead of a diff, fail the way a real agent can."""
    intent: str = ""
    """Intent recorded on the proposal."""
    expected_effect: str = ""
    """Expected effect recorded on the proposal."""

    @model_validator(mode="after")
    def _one_answer(self) -> ScriptedRule:
        given = [self.diff is not None, self.diff_file is not None, self.fail is not None]
        if sum(given) != 1:
            raise ValueError("a rule needs exactly one of diff, diff_file, fail")
        return self

    def matches(self, task: AgentTask, context: AgentContext) -> bool:
        """True when every condition this rule sets holds for the call."""
        signals = set(context.signals)
        return (
            (self.task_id is None or self.task_id == task.task_id)
            and (self.signature is None or set(self.signature) == signals)
            and signals.issuperset(self.signals_include)
            and (self.attempt is None or self.attempt == context.attempt)
        )


class ScriptedRules(Model):
    """The content of a ``scripted:FILE`` rules file."""

    name: str = "scripted"
    """Agent name recorded on proposals."""
    rules: list[ScriptedRule] = Field(min_length=1)
    """Rules, first match wins."""


def rules_handler(rules: Sequence[ScriptedRule], name: str = "scripted") -> ScriptedHandler:
    """A handler answering with the first matching rule; no match is an ``agent_failed``."""

    def handle(task: AgentTask, context: AgentContext) -> MutationProposal:
        for rule in rules:
            if not rule.matches(task, context):
                continue
            if rule.fail is not None:
                raise AgentError(f"scripted failure for task {task.task_id}", reason=rule.fail)
            diff = rule.diff or ""
            return MutationProposal(
                diff=diff,
                intent=rule.intent or task.description,
                expected_effect=rule.expected_effect,
                touched_files=_touched(diff),
                proposer=Proposer(agent=name),
            )
        raise AgentError(
            f"no scripted rule matches task {task.task_id} (attempt {context.attempt})",
            detail="signals: " + ", ".join(sorted(set(context.signals))),
        )

    return handle


class ScriptedAgent:
    """An agent whose answers come from ``handler``; counts and records every call.

    Args:
        handler: the policy, e.g. ``rules_handler([...])`` or any function.
        name: recorded as ``Proposer.agent`` when the handler leaves it unset.
    """

    def __init__(self, handler: ScriptedHandler, *, name: str = "scripted") -> None:
        self.name = name
        self._handler = handler
        self._lock = threading.Lock()
        self._history: list[ScriptedCall] = []

    @classmethod
    def from_rules(cls, rules: Sequence[ScriptedRule], *, name: str = "scripted") -> ScriptedAgent:
        """An agent answering with the first matching rule (``diff_file`` relative to the cwd)."""
        inlined = [_inline(rule, Path.cwd()) for rule in rules]
        return cls(rules_handler(inlined, name), name=name)

    @classmethod
    def from_file(cls, path: Path) -> ScriptedAgent:
        """Load rules from a ``.json`` or ``.toml`` file (``diff_file`` relative to it).

        Raises:
            ConfigError: unreadable file, unknown suffix, or rules that do not validate.
        """
        loaded = load_rules(path)
        return cls.from_rules(loaded.rules, name=loaded.name)

    @property
    def calls(self) -> int:
        """How many times ``propose`` was called (failures included)."""
        with self._lock:
            return len(self._history)

    @property
    def history(self) -> list[ScriptedCall]:
        """Every call so far, oldest first."""
        with self._lock:
            return list(self._history)

    def propose(self, task: AgentTask, context: AgentContext) -> MutationProposal:
        """Record the call, then ask the handler."""
        call = ScriptedCall(
            task_id=task.task_id,
            attempt=context.attempt,
            run_id=context.run_id,
            signature=sorted(set(context.signals)),
        )
        with self._lock:
            self._history.append(call)
        started = time.monotonic()
        proposal = self._handler(task, context)
        if proposal.proposer.agent == "unknown":
            latency = time.monotonic() - started
            proposer = Proposer(agent=self.name, latency_s=latency)
            proposal = proposal.model_copy(update={"proposer": proposer})
        return proposal


def _touched(diff: str) -> list[str]:
    # Scripted diffs may be garbage on purpose (tests of the kernel's rejections).
    try:
        return diff_paths(diff)
    except DiffRejectedError:
        return []


def load_rules(path: Path) -> ScriptedRules:
    """Read and validate a rules file, inlining every ``diff_file``."""
    try:
        raw = path.read_bytes()
        if path.suffix == ".json":
            data = orjson.loads(raw)
        elif path.suffix == ".toml":
            data = tomllib.loads(raw.decode("utf-8"))
        else:
            raise ConfigError(f"{path}: scripted rules must be .json or .toml", source=str(path))
        loaded = ScriptedRules.model_validate(data)
    except (OSError, UnicodeDecodeError, orjson.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read scripted rules: {exc}", source=str(path)) from exc
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid scripted rules: {exc}", source=str(path)) from exc
    rules = [_inline(rule, path.parent) for rule in loaded.rules]
    return loaded.model_copy(update={"rules": rules})


def _inline(rule: ScriptedRule, base: Path) -> ScriptedRule:
    if rule.diff_file is None:
        return rule
    target = base / rule.diff_file
    try:
        diff = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{target}: cannot read diff_file: {exc}", source=str(target)) from exc
    return rule.model_copy(update={"diff": diff, "diff_file": None})
