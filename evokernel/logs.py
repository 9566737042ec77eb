"""Run-scoped log context and the two output formats of the ``evokernel`` command.

A run binds its ``run_id`` and ``task_id`` once (``with bind_run(run_id, task_id):``) and every
log record made inside, in any module and any thread that inherits the context, carries them,
as structlog's ``bind_contextvars`` does. ``configure_logging`` is called only by the CLI entry
point; importing this module configures nothing.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, Any, NamedTuple

import orjson


class LogFormat(StrEnum):
    """How log records are written to standard error."""

    TEXT = "text"
    """One readable line per record."""
    JSON = "json"
    """One JSON object per record (orjson), for log collectors."""


class RunContext(NamedTuple):
    """The ids bound for the current run (``None`` outside a run)."""

    run_id: str | None
    task_id: str | None


_NO_RUN = RunContext(None, None)
_RUN: ContextVar[RunContext | None] = ContextVar("evokernel_run", default=None)

# Our packages log at the chosen level; everything else (docker, urllib3, git) at WARNING.
OUR_LOGGERS = ("evokernel", "sandbox", "store", "scenarios")
_HANDLER_MARK = "_evokernel_handler"

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "run_id",
    "task_id",
}


@contextmanager
def bind_run(run_id: str, task_id: str | None = None) -> Iterator[RunContext]:
    """Attach ``run_id`` and ``task_id`` to every log record made inside the block."""
    bound = RunContext(run_id, task_id)
    token = _RUN.set(bound)
    try:
        yield bound
    finally:
        _RUN.reset(token)


def current_run() -> RunContext:
    """The ids bound by the innermost ``bind_run`` (``RunContext(None, None)`` outside)."""
    return _RUN.get() or _NO_RUN


class RunContextFilter(logging.Filter):
    """Adds ``run_id`` and ``task_id`` to each record (an explicit ``extra=`` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        bound = _RUN.get() or _NO_RUN
        if not hasattr(record, "run_id"):
            record.run_id = bound.run_id
        if not hasattr(record, "task_id"):
            record.task_id = bound.task_id
        return True


class TextFormatter(logging.Formatter):
    """``2024-05-01T12:00:00Z WARNING evokernel.x [run=r1 task=t1] message``."""

    def format(self, record: logging.LogRecord) -> str:
        ids = _ids(record)
        context = f" [{' '.join(f'{k}={v}' for k, v in ids.items())}]" if ids else ""
        line = (
            f"{_timestamp(record)} {record.levelname} {record.name}{context} {record.getMessage()}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message, run_id, task_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "run_id": getattr(record, "run_id", None),
            "task_id": getattr(record, "task_id", None),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRS and not name.startswith("_"):
                data[name] = value
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        return orjson.dumps(data, default=str).decode()


def configure_logging(
    level: int | str = logging.WARNING,
    fmt: LogFormat | str = LogFormat.TEXT,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Send log records to ``stream`` (standard error) in ``fmt``. For the CLI entry point only.

    Calling it again replaces the handler it installed before, so it is safe to call once
    per command invocation (tests invoke the CLI many times in one process).

    Returns:
        The installed handler.
    """
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if LogFormat(fmt) is LogFormat.JSON else TextFormatter())
    handler.addFilter(RunContextFilter())
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(max(numeric, logging.WARNING))
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(numeric)
    return handler


def _ids(record: logging.LogRecord) -> dict[str, str]:
    ids = {"run": getattr(record, "run_id", None), "task": getattr(record, "task_id", None)}
    return {key: value for key, value in ids.items() if value is not None}


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
