"""The error family: one base, builtins mixed in where callers expect them, picklable."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from store import (
    StoreClosedError,
    StoreCorruptError,
    StoreEncodeError,
    StoreError,
    StoreLockError,
    StoreNotFoundError,
    StoreReadOnlyError,
    StoreWriteError,
)

ERRORS = [
    StoreCorruptError(7, 7, "hash does not match"),
    StoreCorruptError(3, None, "not valid UTF-8"),
    StoreReadOnlyError(Path("/s/events.jsonl")),
    StoreLockError(Path("/s/events.lock"), "no locks"),
    StoreClosedError(Path("/s/events.jsonl")),
    StoreNotFoundError(Path("/s/events.jsonl")),
    StoreWriteError(Path("/s/events.jsonl"), "disk full"),
    StoreEncodeError("k", "not JSON"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_errors_pickle_with_their_fields(error: StoreError) -> None:
    """Errors cross process boundaries (multiprocessing, a CLI worker) intact."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert vars(copy) == vars(error)
    assert str(copy) == str(error)


def test_builtins_are_mixed_in_where_callers_expect_them() -> None:
    assert all(isinstance(error, StoreError) for error in ERRORS)
    assert issubclass(StoreLockError, TimeoutError)
    assert issubclass(StoreNotFoundError, FileNotFoundError)
    assert issubclass(StoreEncodeError, TypeError)


def test_corrupt_error_names_line_and_seq() -> None:
    assert str(StoreCorruptError(3, None, "bad")) == "corrupt store record at line 3: bad"
    assert str(StoreCorruptError(3, 4, "bad")) == "corrupt store record at line 3 (seq 4): bad"
