"""ChatAgent (``chat:MODEL``): any OpenAI-compatible chat-completions endpoint.

It shows the model the task, the failure and the relevant files (within a budget), asks for one
unified diff, and checks the answer before the kernel sees it: the diff must be found, parse,
stay inside the repository and apply at the base revision (git, on a throw-away index). What it
returns is git's own rendering of that change, so miscounted hunks from the model do not reach
the sandbox. The ``openai`` package is the client; its exceptions are translated in
``translate_openai_error`` and nowhere else.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import openai

from evokernel.adapters.agents._diff import (
    DiffRejectedError,
    check_paths,
    extract_diff,
    git_env,
    normalise_diff,
    resolve_base,
    tracked_files,
)
from evokernel.adapters.agents._relevant import RelevantFile, select_files
from evokernel.adapters.agents.briefing import expected_effect, render_prompt, task_text
from evokernel.application.config.agents import ChatAgentConfig
from evokernel.application.kernel.agent import AgentContext, AgentError
from evokernel.domain.models import AgentTask, MutationProposal, Proposer
from evokernel.domain.models.feedback import ReasonCode
from evokernel.errors import ConfigError

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_NO_KEY = "no-key-needed"
_ANSWER_EXCERPT_CHARS = 1500
_INTENT_CHARS = 500

SYSTEM_PROMPT = """\
You are a careful software engineer fixing a repository.
Answer with exactly one unified diff in a ```diff fenced block, in `git diff` format
(`--- a/PATH` / `+++ b/PATH` headers, paths relative to the repository root),
against the files exactly as shown. Before the block, say in one sentence what the change does.
Change only what the fix needs; never edit existing tests to make them pass."""

# (openai exception name, reason the kernel receives, what to tell the agent next time).
# Looked up by name so the table survives openai versions that lack some of these classes.
_OPENAI_ERRORS: tuple[tuple[str, ReasonCode, str], ...] = (
    ("APITimeoutError", ReasonCode.AGENT_TIMEOUT, "the endpoint did not answer in time"),
    ("APIConnectionError", ReasonCode.AGENT_FAILED, "the endpoint could not be reached"),
    ("RateLimitError", ReasonCode.AGENT_FAILED, "rate limited by the endpoint"),
    ("InternalServerError", ReasonCode.AGENT_FAILED, "the endpoint had a server error"),
    ("OAuthError", ReasonCode.AGENT_FAILED, "the endpoint rejected the credentials"),
    ("AuthenticationError", ReasonCode.AGENT_FAILED, "the endpoint rejected the API key"),
    ("PermissionDeniedError", ReasonCode.AGENT_FAILED, "the key may not use this model"),
    ("NotFoundError", ReasonCode.AGENT_FAILED, "unknown model or wrong base_url"),
    ("BadRequestError", ReasonCode.AGENT_FAILED, "the endpoint refused the request"),
    ("ConflictError", ReasonCode.AGENT_FAILED, "the endpoint reported a conflict"),
    ("UnprocessableEntityError", ReasonCode.AGENT_FAILED, "the endpoint refused the request"),
    ("APIStatusError", ReasonCode.AGENT_FAILED, "the endpoint answered with an error status"),
    ("APIResponseValidationError", ReasonCode.AGENT_FAILED, "the endpoint's answer was invalid"),
    ("LengthFinishReasonError", ReasonCode.AGENT_FAILED, "the answer hit the token limit"),
    ("ContentFilterFinishReasonError", ReasonCode.AGENT_FAILED, "the answer was filtered"),
    ("WebSocketConnectionClosedError", ReasonCode.AGENT_FAILED, "the connection closed"),
    ("WebSocketQueueFullError", ReasonCode.AGENT_FAILED, "the client queue was full"),
    ("APIError", ReasonCode.AGENT_FAILED, "the endpoint call failed"),
    ("OpenAIError", ReasonCode.AGENT_FAILED, "the OpenAI client failed"),
)
OPENAI_ERROR_MAP: dict[type[BaseException], tuple[ReasonCode, str]] = {
    getattr(openai, name): (reason, label)
    for name, reason, label in _OPENAI_ERRORS
    if hasattr(openai, name)
}
"""Every openai exception class we can meet, mapped to a reason and a sentence."""


class ChatAgentError(AgentError):
    """No usable proposal from the model; ``proposer`` keeps the tokens it spent anyway."""

    def __init__(
        self,
        message: str,
        reason: str,
        detail: str = "",
        proposer: Proposer | None = None,
        status_code: int | None = None,
    ) -> None:
        self.status_code = status_code
        super().__init__(message, reason=reason, detail=detail, proposer=proposer)


def translate_openai_error(exc: openai.OpenAIError, name: str) -> ChatAgentError:
    """The one place an ``openai`` exception becomes ours (most specific class wins)."""
    reason, label = next(
        (OPENAI_ERROR_MAP[klass] for klass in type(exc).__mro__ if klass in OPENAI_ERROR_MAP),
        (ReasonCode.AGENT_FAILED, "the OpenAI client failed"),
    )
    status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
    where = f" (HTTP {status})" if status is not None else ""
    return ChatAgentError(
        f"agent {name!r}: {label}{where}",
        reason=reason,
        detail=f"{type(exc).__name__}: {exc}"[:_ANSWER_EXCERPT_CHARS],
        status_code=status,
    )


class ChatAgent:
    """Asks ``model`` at an OpenAI-compatible endpoint for a diff.

    Args:
        model: model name as the endpoint knows it.
        config: endpoint, limits and prompt budget; defaults when omitted.
        api_key: the key; when omitted it is read once, here, from ``environ`` under
            ``config.api_key_env`` (no key at all when that is ``None``).
        environ: where to read the key; ``None`` means this process's environment.
        client: a ready ``openai.OpenAI`` to use instead of building one.
        name: recorded on proposals; ``chat:<model>`` when omitted.

    Raises:
        ConfigError: the configured key variable is not set.
    """

    def __init__(
        self,
        model: str,
        *,
        config: ChatAgentConfig | None = None,
        api_key: str | None = None,
        environ: Mapping[str, str] | None = None,
        client: openai.OpenAI | None = None,
        name: str | None = None,
    ) -> None:
        if not model.strip():
            raise ConfigError("chat agent needs a model name", key="agent")
        self.model = model
        self.config = config or ChatAgentConfig()
        self.name = name or f"chat:{model}"
        host = dict(os.environ if environ is None else environ)
        self._git_env = git_env(host)
        self._client = client or openai.OpenAI(
            api_key=api_key or self._key_from(host),
            base_url=self.config.base_url or DEFAULT_BASE_URL,
            timeout=self.config.timeout_s,
            max_retries=self.config.max_retries,
        )

    def _key_from(self, host: Mapping[str, str]) -> str:
        variable = self.config.api_key_env
        if variable is None:
            return _NO_KEY
        if not host.get(variable):
            raise ConfigError(
                f"chat agent {self.name!r}: environment variable {variable} is not set",
                key="agents.chat.api_key_env",
            )
        return host[variable]

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def __enter__(self) -> ChatAgent:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def messages(self, task: AgentTask, context: AgentContext) -> list[dict[str, str]]:
        """The chat messages sent for this task (public so callers can inspect prompts)."""
        tracked = tracked_files(context.worktree, self._git_env)
        budget = self.config.file_budget_chars
        files = select_files(context.worktree, context, tracked, budget)
        listing = tracked[: self.config.max_listed_files]
        more = len(tracked) - len(listing)
        parts = [render_prompt(task, context), "## Repository files\n"]
        parts.append("".join(f"- {path}\n" for path in listing))
        if more > 0:
            parts.append(f"- ... and {more} more\n")
        parts.extend(_render_file(file) for file in files)
        return [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": "\n".join(parts)},
        ]

    def propose(self, task: AgentTask, context: AgentContext) -> MutationProposal:
        """Ask the model once; return its checked diff.

        Raises:
            ChatAgentError: endpoint errors and timeouts, or an answer that is not a usable
                diff (``unparsable_diff``, ``empty_diff``, ``patch_refused``,
                ``patch_apply_failed``), with the answer's excerpt in ``detail``.
        """
        try:
            base = resolve_base(context.worktree, task.base_rev, self._git_env)
        except DiffRejectedError as exc:
            raise ChatAgentError(str(exc), reason=exc.reason, detail=exc.detail) from exc
        messages = self.messages(task, context)
        started = time.monotonic()
        try:
            response = self._client.chat.completions.create(**self._request(messages))
        except openai.OpenAIError as exc:
            raise translate_openai_error(exc, self.name) from exc
        latency = time.monotonic() - started
        usage = response.usage
        proposer = Proposer(
            agent=self.name,
            model=response.model or self.model,
            tokens_in=usage.prompt_tokens if usage else None,
            tokens_out=usage.completion_tokens if usage else None,
            latency_s=latency,
        )
        choice = response.choices[0] if response.choices else None
        answer = (choice.message.content if choice else None) or ""
        finish = choice.finish_reason if choice else None
        try:
            extracted = extract_diff(answer)
            check_paths(extracted, context.worktree)
            diff = normalise_diff(context.worktree, base, extracted, self._git_env)
            touched = check_paths(diff, context.worktree)
        except DiffRejectedError as exc:
            cut = " (the answer was cut at max_tokens)" if finish == "length" else ""
            raise ChatAgentError(
                f"agent {self.name!r}: unusable answer: {exc}{cut}",
                reason=exc.reason,
                detail=f"{exc.detail}{cut}\n--- answer ---\n{answer[:_ANSWER_EXCERPT_CHARS]}",
                proposer=proposer,
            ) from exc
        return MutationProposal(
            diff=diff,
            intent=_intent(answer) or task_text(task),
            expected_effect=expected_effect(context),
            touched_files=touched,
            proposer=proposer,
        )

    def _request(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": self.config.max_tokens,
        }
        if self.config.temperature is not None:
            request["temperature"] = self.config.temperature
        return request


def _render_file(file: RelevantFile) -> str:
    note = " (truncated)" if file.truncated else ""
    fence = "````" if "```" in file.text else "```"
    return f"### {file.path}{note}\n\n{fence}\n{file.text.rstrip()}\n{fence}\n"


def _intent(answer: str) -> str:
    """The model's own sentence before its diff, when it wrote one."""
    before = answer.split("```", 1)[0].strip()
    return before[:_INTENT_CHARS] if before and "--- " not in before else ""
