"""Errors raised by the evokernel package.

Outcomes (a rejected proposal, a replay miss, a failed validation) are values carrying a
``ReasonCode``; exceptions are for bad input and for "could not do the job".

    EvoKernelError
    ├── ConfigError(ValueError)        bad configuration (unknown key, wrong type)
    ├── UnknownEventKindError          a store record whose kind we do not know (seq named)
    ├── EventPayloadError              a store record whose payload does not fit its kind
    ├── ProposalError(ValueError)      a malformed MutationProposal handed in
    │   └── GuardRefusedError          the reward-hacking guard refuses the diff (reason code)
    ├── AssetNotFoundError(KeyError)   no gene or capsule with that id
    ├── NotACapsuleError(ValueError)   a gene id where a capsule id is needed (``revoke``)
    └── AgentError                     an agent produced no proposal (agents' base)
"""

from __future__ import annotations

from pydantic import ValidationError


def problems(exc: ValidationError, root: str = "(root)") -> list[str]:
    """Each of pydantic's complaints as ``where: what`` (``root`` names a whole-input one).

    The one place a pydantic error becomes words: every "this input does not fit its model"
    message (a store payload, a proposal, a network message, an approval file, settings)
    names the field the same way, e.g. ``capsule.diff_hash: String should have at most 64
    characters``.
    """
    return [
        f"{'.'.join(str(part) for part in error['loc']) or root}: {error['msg']}"
        for error in exc.errors(include_url=False, include_input=False)
    ]


def first_problem(exc: ValidationError) -> str:
    """``where: what`` of pydantic's first complaint, and how many more there are."""
    found = problems(exc)
    if not found:
        return str(exc)
    more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
    return f"{found[0]}{more}"


class EvoKernelError(Exception):
    """Base of every error the evokernel package raises."""


class ConfigError(EvoKernelError, ValueError):
    """Configuration is invalid; ``key`` names the offending key when there is one."""

    def __init__(self, message: str, key: str | None = None, source: str | None = None) -> None:
        self.key = key
        self.source = source
        super().__init__(message)


class UnknownEventKindError(EvoKernelError):
    """A store record has a kind this version does not know."""

    def __init__(self, seq: int, kind: str) -> None:
        self.seq = seq
        self.kind = kind
        super().__init__(f"record seq={seq}: unknown event kind {kind!r}")


class EventPayloadError(EvoKernelError):
    """A store record's payload does not validate against its event model."""

    def __init__(self, seq: int, kind: str, detail: str) -> None:
        self.seq = seq
        self.kind = kind
        super().__init__(f"record seq={seq} ({kind}): invalid payload: {detail}")


class ProposalError(EvoKernelError, ValueError):
    """A MutationProposal handed in is malformed (not JSON, wrong fields)."""


class GuardRefusedError(ProposalError):
    """The reward-hacking guard refuses a diff handed in directly (``sandbox run --patch``).

    The kernel's flows record a refusal as a value (a rejected proposal, a skipped replay);
    this is for callers that validate a diff outside them.
    """

    def __init__(self, reason_code: str, detail: str) -> None:
        self.reason_code = reason_code
        self.detail = detail
        super().__init__(f"{reason_code}: {detail}")


class AssetNotFoundError(EvoKernelError, KeyError):
    """No gene or capsule with the given id."""

    def __init__(self, asset_id: str) -> None:
        self.asset_id = asset_id
        super().__init__(f"no gene or capsule with id {asset_id!r}")

    def __str__(self) -> str:
        return str(self.args[0])


class NotACapsuleError(EvoKernelError, ValueError):
    """A gene's id was given where a capsule's is needed (``assets revoke``)."""

    def __init__(self, gene_id: str, capsule_ids: list[str]) -> None:
        self.gene_id = gene_id
        self.capsule_ids = capsule_ids
        which = ", ".join(capsule_ids[:5]) + (" ..." if len(capsule_ids) > 5 else "")
        super().__init__(
            f"{gene_id} is a gene; revoke takes a capsule id"
            + (f" (its capsules: {which})" if capsule_ids else " (it has no capsules)")
        )
