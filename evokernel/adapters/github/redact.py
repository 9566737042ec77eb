"""Keep the token out of every string that leaves the adapter: messages, logs, records.

``redact`` replaces each secret in a text; ``RedactingFilter`` does the same for log records
(message, arguments, rendered traceback), and ``install_redaction`` attaches it to every handler,
which is where a filter sees the records propagated from every library below.
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


def install_redaction(secrets: Iterable[str]) -> RedactingFilter:
    """Attach one ``RedactingFilter`` to every handler that exists now, on any logger.

    Call it at the CLI boundary after logging is configured. Root handlers see what propagates
    from every library; some libraries also bring their own (PyGithub adds a ``StreamHandler``
    to the ``github`` logger on import), so those are covered too.
    """
    found = RedactingFilter(secrets)
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [
        item
        for item in logging.Logger.manager.loggerDict.values()
        if isinstance(item, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if found not in handler.filters:
                handler.addFilter(found)
    return found
