"""Approvers: the person in the supervised devloop, as an interface.

An ``Approver`` looks at a ``Review`` and returns an ``Approval`` (who, approve or reject, a
note). ``PromptApprover`` asks on a terminal; ``FixedApprover`` answers the same every time
(``--approve yes|no``, for scripts); ``FileApprover`` reads a JSON file written by someone
(``--approve FILE``). Every verdict becomes an ``ApprovalRecorded`` event.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

import orjson
from pydantic import Field, ValidationError
from rich.console import Console
from rich.text import Text

from evokernel.adapters.devloop.errors import ApprovalAbortedError, ApprovalFileError
from evokernel.adapters.devloop.presenter import diff_renderable, logs_renderable, review_renderable
from evokernel.adapters.devloop.review import Review
from evokernel.domain.events import ApprovalDecision
from evokernel.domain.models import Model
from evokernel.errors import first_problem

_APPROVE = {"a", "approve", "y", "yes"}
_REJECT = {"r", "reject", "n", "no"}
_DIFF = {"d", "diff"}
_LOGS = {"l", "log", "logs"}


class Approval(Model):
    """A person's verdict; also the shape of an approval file."""

    approver: str = Field(min_length=1)
    """Who decided (a name or login)."""
    decision: ApprovalDecision
    """``approve`` or ``reject``."""
    note: str = ""
    """Why, in their words (recorded with the event)."""


class Approver(ABC):
    """Decides on a validated change. Implementations never touch the repository."""

    @abstractmethod
    def decide(self, review: Review) -> Approval:
        """The verdict on ``review``.

        Raises:
            ApprovalAbortedError: no decision could be had (the run records nothing).
        """


class FixedApprover(Approver):
    """Answers the same every time: ``--approve yes`` or ``--approve no``.

    Args:
        decision: the verdict to give.
        approver: the name recorded with it.
        note: the note recorded with it.
    """

    def __init__(
        self, decision: ApprovalDecision, *, approver: str = "devloop", note: str = ""
    ) -> None:
        self.approval = Approval(approver=approver, decision=decision, note=note)

    def decide(self, review: Review) -> Approval:
        """The fixed verdict."""
        return self.approval


class FileApprover(Approver):
    """The verdict in a JSON file ``{"approver": ..., "decision": "approve"|"reject",
    "note": ...}``, read and checked when the approver is made, so a bad file fails before
    any validation runs.

    Raises:
        ApprovalFileError: the file is unreadable, not JSON, or not an approval.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.approval = read_approval_file(path)

    def decide(self, review: Review) -> Approval:
        """The verdict the file holds."""
        return self.approval


def read_approval_file(path: Path) -> Approval:
    """Read and validate an approval file.

    Raises:
        ApprovalFileError: unreadable, not JSON, or not ``{approver, decision, note}`` (the
            first bad field is named).
    """
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise ApprovalFileError(path, "no such approval file") from exc
    except OSError as exc:
        raise ApprovalFileError(path, f"cannot read the approval file: {exc}") from exc
    except orjson.JSONDecodeError as exc:
        raise ApprovalFileError(path, f"not JSON: {exc}") from exc
    try:
        return Approval.model_validate(data)
    except ValidationError as exc:
        raise ApprovalFileError(
            path, f"not an approval {{approver, decision, note}}: {first_problem(exc)}"
        ) from exc


class PromptApprover(Approver):
    """Asks a person on a terminal: approve, reject, show the full diff, show the logs.

    Args:
        approver: the name recorded with the verdict.
        console: where the review and the prompt are shown (stderr-safe: the default writes
            to the terminal, not to ``--json`` output).
        ask: reads one answer after showing a prompt; ``console.input`` when omitted.
    """

    def __init__(
        self,
        *,
        approver: str,
        console: Console | None = None,
        ask: Callable[[Text], str] | None = None,
    ) -> None:
        self.approver = approver
        self.console = console or Console(stderr=True)
        self._ask = ask or (lambda prompt: self.console.input(prompt))

    def decide(self, review: Review) -> Approval:
        """Show the review, then ask until the answer is a verdict.

        Raises:
            ApprovalAbortedError: end of input before a verdict.
        """
        self.console.print(review_renderable(review))
        while True:
            answer = self._read(
                "Approve this change? (a)pprove, (r)eject, show full (d)iff, show (l)ogs: "
            )
            if answer in _APPROVE:
                return Approval(approver=self.approver, decision=ApprovalDecision.APPROVE)
            if answer in _REJECT:
                note = self._read("Note for the record (optional): ", lower=False)
                return Approval(approver=self.approver, decision=ApprovalDecision.REJECT, note=note)
            if answer in _DIFF:
                self.console.print(diff_renderable(review.diff))
            elif answer in _LOGS:
                self.console.print(logs_renderable(review))
            else:
                self.console.print("Please answer a, r, d or l.", style="yellow")

    def _read(self, prompt: str, *, lower: bool = True) -> str:
        try:
            answer = self._ask(Text(prompt, style="bold")).strip()
        except EOFError as exc:
            raise ApprovalAbortedError(
                "end of input at the approval prompt; nothing was decided"
            ) from exc
        return answer.lower() if lower else answer


def approver_from_spec(spec: str, *, approver: str, console: Console | None = None) -> Approver:
    """The approver ``--approve`` names: ``prompt``, ``yes``, ``no``, or an approval FILE.

    Raises:
        ApprovalFileError: ``spec`` names a file that is missing or malformed.
    """
    word = spec.strip().lower()
    if word == "prompt":
        return PromptApprover(approver=approver, console=console)
    if word in {"yes", "approve"}:
        return FixedApprover(
            ApprovalDecision.APPROVE,
            approver=approver,
            note="approved non-interactively (--approve yes)",
        )
    if word in {"no", "reject"}:
        return FixedApprover(
            ApprovalDecision.REJECT,
            approver=approver,
            note="rejected non-interactively (--approve no)",
        )
    return FileApprover(Path(spec))
