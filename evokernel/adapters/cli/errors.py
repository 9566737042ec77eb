"""Exit codes and the one place errors are turned into messages.

    0  ok
    1  a check failed (verify found a bad record, a scenario's outcome was wrong) or the job
       could not be done (engine unreachable, store corrupt)
    2  usage error or bad input (unknown option, bad config key, hostile diff, no such store)
  130  interrupted (Ctrl-C) during ``devloop`` or ``github run``

Only the three families (``StoreError``, ``SandboxError``, ``EvoKernelError``) are expected;
anything else is a bug, reported the same way with a hint to run with ``-v``.
"""

from __future__ import annotations

import traceback
from enum import IntEnum

from rich.console import Console
from rich.text import Text

from evokernel.errors import EvoKernelError
from sandbox import PatchRefusedError, SandboxError
from store import StoreCorruptError, StoreError, StoreNotFoundError


class ExitCode(IntEnum):
    """Process exit codes of the ``evokernel`` command."""

    OK = 0
    """Done, and every check passed."""
    CHECK_FAILED = 1
    """A check failed, or the job could not be done."""
    BAD_INPUT = 2
    """Usage error or bad input."""
    INTERRUPTED = 130
    """Interrupted by Ctrl-C (128 + SIGINT, as shells report it)."""


FAMILIES: tuple[type[Exception], ...] = (StoreError, SandboxError, EvoKernelError)
"""The error families the CLI expects and maps."""

# Within the families, these say "the input is bad" (our errors mix in these builtins
# exactly when the caller handed in something wrong: ConfigError(ValueError),
# AssetNotFoundError(KeyError), StoreNotFoundError(FileNotFoundError), ...).
_BAD_INPUT: tuple[type[Exception], ...] = (
    ValueError,
    KeyError,
    TypeError,
    FileNotFoundError,
    PatchRefusedError,
)


_HINTS: tuple[tuple[type[Exception], str], ...] = (
    (
        StoreCorruptError,
        "A store record does not verify, so nothing is appended after it; "
        "`evokernel store verify` names the first bad one.",
    ),
    (
        StoreNotFoundError,
        "That is where this repository's configuration puts the store (store.path). Point "
        "elsewhere with --store DIR, --repo PATH (the store that repository uses), or "
        "EVOKERNEL_STORE; `evokernel config show` says where store.path comes from.",
    ),
)
"""A line of advice after some errors: what to do next, not only what went wrong."""


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code an exception maps to."""
    if isinstance(exc, FAMILIES) and isinstance(exc, _BAD_INPUT):
        return ExitCode.BAD_INPUT
    return ExitCode.CHECK_FAILED


def report_error(exc: BaseException, *, verbose: bool) -> ExitCode:
    """Print ``ClassName: message`` in red on stderr (the traceback only when ``verbose``)."""
    console = Console(stderr=True, highlight=False)
    if verbose:
        console.print(Text("".join(traceback.format_exception(exc)), style="dim"), end="")
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    line = Text(f"{type(exc).__name__}: ", style="bold red")
    line.append(message, style="red")
    console.print(line)
    hint = next((text for kind, text in _HINTS if isinstance(exc, kind)), None)
    if hint is not None:
        console.print(hint, style="dim")
    if not isinstance(exc, FAMILIES):
        console.print("This is a bug in evokernel; run with -v for the traceback.", style="dim")
    return exit_code_for(exc)
