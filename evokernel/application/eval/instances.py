"""Instances and predictions in SWE-bench's field names, read from JSON-lines files.

A predictions line is ``{instance_id, model_name_or_path, model_patch}`` (the harness's shape);
EvoKernel's own proposal lines (``{instance_id, diff, proposer: {agent, model}}``) are accepted
too. ``FAIL_TO_PASS`` and ``PASS_TO_PASS`` may be lists or JSON-encoded lists, as SWE-bench's
dataset files carry them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evokernel.application.eval.errors import EvalInputError
from evokernel.errors import problems

_M = TypeVar("_M", bound=BaseModel)

_LENIENT = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class Instance(BaseModel):
    """One task of a batch: a repository at a commit, and what its tests must do."""

    model_config = _LENIENT

    instance_id: str = Field(min_length=1)
    """Unique id in the batch (SWE-bench: ``owner__repo-NUMBER``)."""
    repo: str = Field(min_length=1)
    """A local repository path or a clone URL (cloned once per batch)."""
    base_commit: str = Field(min_length=1)
    """The revision predictions apply to."""
    fail_to_pass: list[str] = Field(default_factory=list, alias="FAIL_TO_PASS")
    """Tests that must go from failing to passing; empty: the baseline run decides."""
    pass_to_pass: list[str] = Field(default_factory=list, alias="PASS_TO_PASS")
    """Tests that must keep passing."""
    test_command: str | None = None
    """Shell command that runs the tests; ``None``: pytest in the repository."""

    @field_validator("fail_to_pass", "pass_to_pass", mode="before")
    @classmethod
    def _decode_json_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                raise ValueError(f"not a JSON list of test ids: {value[:80]!r}") from exc
        return value


class Prediction(BaseModel):
    """One model's patch for one instance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance_id: str = Field(min_length=1)
    """The instance it is for."""
    model_name_or_path: str = "evokernel"
    """Who produced it; names the report and the log directory."""
    model_patch: str | None = None
    """A unified diff; ``None`` or blank is an empty patch."""


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of ``path``, one per non-blank line (a ``.json`` list is accepted too).

    Raises:
        EvalInputError: unreadable file, a line that is not a JSON object.
    """
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise EvalInputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if path.suffix == ".json" and text.lstrip()[:1] == b"[":
        try:
            items = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise EvalInputError(f"{path}: not valid JSON: {exc}") from exc
        rows = list(items)
    else:
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                raise EvalInputError(f"{path}:{number}: not valid JSON: {exc}") from exc
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise EvalInputError(f"{path}: item {number} is not a JSON object")
    return rows


def load_instances(path: Path) -> list[Instance]:
    """Instances of ``path``; ids must be unique.

    Raises:
        EvalInputError: unreadable, malformed, or a repeated instance id.
    """
    instances = [_parse(Instance, row, path, n) for n, row in enumerate(read_jsonl(path), 1)]
    _unique(path, [i.instance_id for i in instances])
    return instances


def load_predictions(path: Path) -> list[Prediction]:
    """Predictions of ``path`` (harness lines or EvoKernel proposal lines); one per instance.

    Raises:
        EvalInputError: unreadable, malformed, or two predictions for one instance.
    """
    predictions = [
        _parse(Prediction, _from_proposal(row), path, n)
        for n, row in enumerate(read_jsonl(path), start=1)
    ]
    _unique(path, [p.instance_id for p in predictions])
    return predictions


def _from_proposal(row: dict[str, Any]) -> dict[str, Any]:
    """An EvoKernel proposal line (``diff``, ``proposer``) in the harness's field names."""
    if "diff" not in row or "model_patch" in row:
        return row
    proposer = row.get("proposer") or {}
    name = proposer.get("model") or proposer.get("agent") if isinstance(proposer, dict) else None
    return {
        "instance_id": row.get("instance_id"),
        "model_name_or_path": name or "evokernel",
        "model_patch": row.get("diff"),
    }


def _parse(model: type[_M], row: dict[str, Any], path: Path, number: int) -> _M:
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        found = "; ".join(problems(exc, root="line"))
        raise EvalInputError(f"{path}: item {number}: {found}") from exc


def _unique(path: Path, ids: list[str]) -> None:
    seen: set[str] = set()
    for instance_id in ids:
        if instance_id in seen:
            raise EvalInputError(f"{path}: instance id {instance_id!r} appears twice")
        seen.add(instance_id)
