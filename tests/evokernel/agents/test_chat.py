"""ChatAgent with the real ``openai`` client against a local chat-completions server."""

from __future__ import annotations

import inspect
import socket
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from evokernel.adapters.agents import AgentContext, ChatAgent, ChatAgentConfig, ChatAgentError
from evokernel.adapters.agents.chat import OPENAI_ERROR_MAP
from evokernel.domain.models import AgentTask
from evokernel.domain.models.feedback import AgentFeedback, NextAction, ReasonCode
from evokernel.errors import ConfigError
from tests.evokernel.agents.chat_server import Answer, ChatServer
from tests.evokernel.agents.conftest import FAILING_TEST, TEST_CALC, CalcRepo, applies_cleanly

# Miscounted header (+1,9 for 2 lines) and no trailing context, as models write them:
# the agent must turn it into a diff git applies strictly.
GOOD = """I make add() add instead of subtract.

```diff
--- a/calc.py
+++ b/calc.py
@@ -1,2 +1,9 @@
 def add(a, b):
-    return a - b
+    return a + b
```
"""
NO_DIFF = "The bug is in add(); you should change the minus into a plus."
WRONG_CONTEXT = "```diff\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(x, y):\n-    return x - y\n+    return x + y\n```\n"  # noqa: E501
ESCAPE = "```diff\n--- /dev/null\n+++ b/../outside.py\n@@ -0,0 +1 @@\n+print('pwned')\n```\n"


def _agent(server: ChatServer, model: str, **overrides: object) -> ChatAgent:
    config = ChatAgentConfig.model_validate(
        {"base_url": server.base_url, "api_key_env": None, "max_retries": 0, **overrides}
    )
    return ChatAgent(model, config=config)


@pytest.fixture
def good_agent(chat_server: ChatServer) -> Iterator[ChatAgent]:
    chat_server.answers["good"] = Answer(GOOD, prompt_tokens=812, completion_tokens=64)
    with _agent(chat_server, "good") as agent:
        yield agent


def test_good_answer_becomes_a_clean_proposal_with_costs(
    good_agent: ChatAgent, task: AgentTask, context: AgentContext, calc_repo: CalcRepo
) -> None:
    proposal = good_agent.propose(task, context)

    assert "-    return a - b\n+    return a + b\n" in proposal.diff
    assert applies_cleanly(calc_repo.root, proposal.diff)  # git's diff, counts repaired
    assert proposal.touched_files == ["calc.py"]
    assert proposal.intent == "I make add() add instead of subtract."
    assert proposal.expected_effect == f"These tests pass: {FAILING_TEST}"
    proposer = proposal.proposer
    assert proposer.agent == "chat:good"
    assert proposer.model == "good-2024-01-01"
    assert (proposer.tokens_in, proposer.tokens_out) == (812, 64)
    assert proposer.latency_s is not None and proposer.latency_s > 0


def test_prompt_carries_failure_and_relevant_files(
    good_agent: ChatAgent, chat_server: ChatServer, task: AgentTask, context: AgentContext
) -> None:
    good_agent.propose(task, context)

    (seen,) = chat_server.requests
    assert seen.body["max_tokens"] == 4096 and seen.body["model"] == "good"
    user = seen.body["messages"][1]["content"]
    assert FAILING_TEST in user and "assert -1 == 5" in user
    # The failing test's file (named by path) and the module it imports are both shown whole.
    assert "\n### tests/test_calc.py\n" in user and "\n### calc.py\n" in user
    assert user.index("### tests/test_calc.py") < user.index("### calc.py")
    assert "return a - b" in user


def test_file_budget_keeps_named_files_first(
    chat_server: ChatServer, task: AgentTask, context: AgentContext
) -> None:
    """Budget for the failing test file and a little more: the small README still fits, the
    imported module (too big for what is left, and not named) is listed but not shown."""
    chat_server.answers["good"] = Answer(GOOD)
    with _agent(chat_server, "good", file_budget_chars=len(TEST_CALC) + 10) as agent:
        agent.propose(task, context)
    user = chat_server.requests[0].body["messages"][1]["content"]
    assert "\n### tests/test_calc.py\n" in user
    assert "\n### README.md\n" in user
    assert "\n### calc.py" not in user and "\n- calc.py\n" in user


def test_prior_feedback_is_in_the_prompt(
    good_agent: ChatAgent, chat_server: ChatServer, task: AgentTask, context: AgentContext
) -> None:
    feedback = AgentFeedback(
        accepted=False,
        reason_code=ReasonCode.TESTS_MODIFIED,
        next_action=NextAction.REVERT_TEST_EDITS,
        message="the proposal edits tests/test_calc.py",
        attempt=1,
    )
    second = context.model_copy(update={"prior_feedback": [feedback], "attempt": 2})
    good_agent.propose(task, second)
    user = chat_server.requests[0].body["messages"][1]["content"]
    assert "Attempt 1: tests_modified -> revert_test_edits" in user
    assert "the proposal edits tests/test_calc.py" in user


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (NO_DIFF, "unparsable_diff"),
        ("```diff\n--- a/calc.py\n+++ b/calc.py\n@@ garbage\n```\n", "unparsable_diff"),
        (WRONG_CONTEXT, "patch_apply_failed"),
        (ESCAPE, "patch_refused"),
    ],
    ids=["prose-only", "corrupt", "wrong-context", "path-escape"],
)
def test_unusable_answer_is_a_typed_error_keeping_its_costs(
    chat_server: ChatServer, task: AgentTask, context: AgentContext, content: str, reason: str
) -> None:
    chat_server.answers["bad"] = Answer(content, prompt_tokens=500, completion_tokens=20)
    with _agent(chat_server, "bad") as agent, pytest.raises(ChatAgentError) as caught:
        agent.propose(task, context)
    error = caught.value
    assert error.reason == reason
    assert error.proposer is not None and error.proposer.tokens_in == 500
    assert content[:40] in error.detail  # the answer is quoted back for the next attempt


def test_answer_cut_at_max_tokens_says_so(
    chat_server: ChatServer, task: AgentTask, context: AgentContext
) -> None:
    chat_server.answers["cut"] = Answer("```diff\n--- a/calc.py\n", finish_reason="length")
    with _agent(chat_server, "cut") as agent, pytest.raises(ChatAgentError) as caught:
        agent.propose(task, context)
    assert caught.value.reason == "unparsable_diff"
    assert "cut at max_tokens" in str(caught.value)


@pytest.mark.parametrize("status", [500, 429])
def test_error_status_is_agent_failed_with_status(
    chat_server: ChatServer, task: AgentTask, context: AgentContext, status: int
) -> None:
    chat_server.answers["err"] = Answer(status=status)
    with _agent(chat_server, "err") as agent, pytest.raises(ChatAgentError) as caught:
        agent.propose(task, context)
    assert caught.value.reason == "agent_failed"
    assert caught.value.status_code == status
    assert f"HTTP {status}" in str(caught.value)
    assert isinstance(caught.value.__cause__, openai.APIStatusError)


def test_slow_answer_past_the_timeout_is_agent_timeout(
    chat_server: ChatServer, task: AgentTask, context: AgentContext
) -> None:
    chat_server.answers["slow"] = Answer(GOOD, slow=True)
    with _agent(chat_server, "slow", timeout_s=0.5) as agent, pytest.raises(ChatAgentError) as c:
        agent.propose(task, context)
    assert c.value.reason == "agent_timeout"
    assert isinstance(c.value.__cause__, openai.APITimeoutError)


def test_unreachable_endpoint_is_agent_failed(task: AgentTask, context: AgentContext) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = ChatAgentConfig(
        base_url=f"http://127.0.0.1:{port}/v1", api_key_env=None, max_retries=0
    )
    with ChatAgent("any", config=config) as agent, pytest.raises(ChatAgentError) as caught:
        agent.propose(task, context)
    assert caught.value.reason == "agent_failed"
    assert isinstance(caught.value.__cause__, openai.APIConnectionError)


def test_key_is_read_once_from_the_named_variable(
    chat_server: ChatServer, task: AgentTask, context: AgentContext
) -> None:
    chat_server.answers["good"] = Answer(GOOD)
    config = ChatAgentConfig(base_url=chat_server.base_url, api_key_env="LOCAL_LLM_KEY")
    environ = {"LOCAL_LLM_KEY": "sk-local-123"}
    with ChatAgent("good", config=config, environ=environ) as agent:
        environ["LOCAL_LLM_KEY"] = "changed-later"
        agent.propose(task, context)
    assert chat_server.requests[0].headers["authorization"] == "Bearer sk-local-123"


def test_missing_key_variable_is_a_config_error() -> None:
    config = ChatAgentConfig(api_key_env="LOCAL_LLM_KEY")
    with pytest.raises(ConfigError) as caught:
        ChatAgent("gpt-x", config=config, environ={})
    assert caught.value.key == "agents.chat.api_key_env"
    assert "LOCAL_LLM_KEY" in str(caught.value)


def test_every_openai_exception_is_mapped() -> None:
    """A new exception class in a new openai release must be given a reason on purpose."""
    exported = [getattr(openai, name) for name in openai.__all__]
    public = {
        obj for obj in exported if inspect.isclass(obj) and issubclass(obj, openai.OpenAIError)
    }
    assert public, "openai exposes no exception classes?"
    assert public <= set(OPENAI_ERROR_MAP), sorted(
        c.__name__ for c in public - OPENAI_ERROR_MAP.keys()
    )


def test_files_behind_symlinks_never_reach_the_prompt(
    good_agent: ChatAgent,
    chat_server: ChatServer,
    task: AgentTask,
    context: AgentContext,
    tmp_path: Path,
) -> None:
    """The prompt leaves the host: a tracked file swapped for a link to a host file is skipped."""
    secret = tmp_path / "host-secret.txt"
    secret.write_text("TOPSECRET-host-file\n")
    readme = context.worktree / "README.md"
    readme.unlink()
    readme.symlink_to(secret)

    good_agent.propose(task, context)

    user = chat_server.requests[0].body["messages"][1]["content"]
    assert "TOPSECRET" not in user
