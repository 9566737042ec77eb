"""Approvers and approval files, and the per-test verdicts a reviewer sees (no sandbox needed)."""

from __future__ import annotations

from collections import deque
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from evokernel import ApprovalDecision
from evokernel.adapters.devloop import (
    ApprovalAbortedError,
    ApprovalFileError,
    FileApprover,
    FixedApprover,
    PromptApprover,
    Review,
    TestTransition,
    approver_from_spec,
)
from evokernel.adapters.devloop.review import ChangeOrigin, per_test_verdicts
from sandbox import (
    FailureClass,
    Receipt,
    StageKind,
    StageResult,
    TestOutcome,
    Verdict,
    VerdictReason,
)

P, F, E, S = TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.SKIPPED


def receipt(tests: dict[str, TestOutcome], *, passed: bool = True) -> Receipt:
    stage = StageResult(
        name="pytest",
        kind=StageKind.TEST,
        command=["python", "-m", "pytest"],
        exit_code=0 if passed else 1,
        duration_s=0.1,
        stdout="1 passed" if passed else "E       assert 19.75 == 15.0",
    )
    return Receipt(
        stages=[stage],
        tests=tests,
        verdict=Verdict.PASS if passed else Verdict.FAIL,
        failure_class=FailureClass.NONE if passed else FailureClass.PATCH,
        reason_code=VerdictReason.PASSED if passed else VerdictReason.TESTS_FAILED,
        reason="",
    )


def review(diff: str = "diff --git a/x b/x\n-old\n+new\n") -> Review:
    return Review(
        run_id="run_1",
        task_id="task_1",
        description="fix x",
        repo="/tmp/repo",
        base_rev="0" * 40,
        origin=ChangeOrigin.AGENT,
        diff=diff,
        baseline=receipt({"t::a": F}, passed=False),
        receipt=receipt({"t::a": P}),
    )


def test_per_test_verdicts_name_each_transition_fail_to_pass_first() -> None:
    before = receipt({"a": P, "b": F, "c": F, "d": P, "e": E, "g": P, "s": S}, passed=False)
    after = receipt({"a": P, "b": P, "c": F, "d": F, "e": P, "f": P, "s": P}, passed=False)

    verdicts = {v.test: v.transition for v in per_test_verdicts(before, after)}

    assert verdicts == {
        "a": TestTransition.PASS_TO_PASS,
        "b": TestTransition.FAIL_TO_PASS,
        "c": TestTransition.STILL_FAILING,
        "d": TestTransition.REGRESSION,
        "e": TestTransition.FAIL_TO_PASS,  # an error counts as failing
        "f": TestTransition.NEW,
        "g": TestTransition.REMOVED,
        "s": TestTransition.SKIPPED,
    }
    assert [v.test for v in per_test_verdicts(before, after)][:2] == ["b", "e"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "approval.json"
    path.write_text(text)
    return path


def test_approval_file_is_read_when_the_approver_is_made(tmp_path: Path) -> None:
    path = write(tmp_path, '{"approver": "robin", "decision": "reject", "note": "no tests"}')

    approver = FileApprover(path)
    path.unlink()  # already read: a bad file fails before any validation, not after

    approval = approver.decide(review())
    assert (approval.approver, approval.decision, approval.note) == (
        "robin",
        ApprovalDecision.REJECT,
        "no tests",
    )


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("not json", "not JSON"),
        ('{"approver": "robin"}', "decision"),
        ('{"approver": "robin", "decision": "maybe"}', "decision"),
        ('{"approver": "", "decision": "approve"}', "approver"),
        ('{"approver": "robin", "decision": "approve", "extra": 1}', "extra"),
        ("[1, 2]", "(root)"),
    ],
)
def test_malformed_approval_file_is_a_typed_error_naming_the_problem(
    tmp_path: Path, text: str, names: str
) -> None:
    path = write(tmp_path, text)

    with pytest.raises(ApprovalFileError) as caught:
        FileApprover(path)

    assert caught.value.path == path
    assert names in str(caught.value)
    assert isinstance(caught.value, ValueError)  # bad input: the CLI exits 2


def test_missing_approval_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ApprovalFileError, match="no such approval file"):
        approver_from_spec(str(tmp_path / "nope.json"), approver="me")


@pytest.mark.parametrize(
    ("spec", "decision"),
    [("yes", ApprovalDecision.APPROVE), ("NO", ApprovalDecision.REJECT)],
)
def test_yes_and_no_are_fixed_approvers(spec: str, decision: ApprovalDecision) -> None:
    approver = approver_from_spec(spec, approver="ci-bot")

    assert isinstance(approver, FixedApprover)
    approval = approver.decide(review())
    assert (approval.approver, approval.decision) == ("ci-bot", decision)


def prompt_approver(answers: list[str]) -> tuple[PromptApprover, StringIO, list[str]]:
    """A prompt approver whose answers come from a list (the pty tests type them for real)."""
    queue = deque(answers)
    prompts: list[str] = []
    out = StringIO()

    def ask(prompt: Text) -> str:
        prompts.append(prompt.plain)
        if not queue:
            raise EOFError
        return queue.popleft()

    console = Console(file=out, width=120, color_system=None)
    return PromptApprover(approver="robin", console=console, ask=ask), out, prompts


def test_prompt_shows_the_diff_and_logs_until_a_verdict() -> None:
    long_diff = "diff --git a/x b/x\n" + "".join(f"+line {i}\n" for i in range(100))
    approver, out, prompts = prompt_approver(["what?", "d", "l", "r", "  needs a test  "])

    approval = approver.decide(review(long_diff))

    assert approval.decision is ApprovalDecision.REJECT
    assert approval.note == "needs a test"
    text = out.getvalue()
    assert "more lines" in text  # the review cuts a long diff ...
    assert "+line 99" in text  # ... and "d" shows all of it
    assert "HEAD pytest (exit 1)" in text and "assert 19.75 == 15.0" in text  # "l": the logs
    assert "Please answer a, r, d or l." in text
    assert prompts[-1].startswith("Note for the record")


def test_prompt_end_of_input_aborts_without_a_verdict() -> None:
    approver, _out, _prompts = prompt_approver(["d"])

    with pytest.raises(ApprovalAbortedError):
        approver.decide(review())
