"""Keep the token out of every string that leaves the adapter: messages, logs, records.

``redact`` replaces each secret in a text; ``RedactingFilter`` does the same for log records
(message, arguments, rendered traceback), and ``install_redaction`` attaches it to the handlers
of a logger, which is where a filter sees records propagated from every library below.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "***"


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites records so no secret survives formatting."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = tuple(secret for secret in secrets if secret)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message, self._secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secrets)
        return True


def install_redaction(
    secrets: Iterable[str], logger: logging.Logger | None = None
) -> RedactingFilter:
    """Attach one ``RedactingFilter`` to every handler of ``logger`` (default: the root logger).

    Call it at the CLI boundary after logging is configured; records from any library that
    propagate to those handlers are redacted before they are written.
    """
    target = logger or logging.getLogger()
    found = RedactingFilter(secrets)
    for handler in target.handlers:
        handler.addFilter(found)
    return found
