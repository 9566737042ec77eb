"""Undo the logging setup the CLI entry point makes, for tests that run it in-process."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from evokernel.logs import OUR_LOGGERS


@contextmanager
def logging_restored() -> Iterator[None]:
    """On exit, the root logger's handlers and level and our loggers' levels are as before."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    ours = {name: logging.getLogger(name).level for name in OUR_LOGGERS}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in ours.items():
            logging.getLogger(name).setLevel(old)
