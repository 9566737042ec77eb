"""The ``evokernel`` command run in a child process forked from a forkserver that has imported
it already (about 0.1 s a start instead of several), so a test can SIGKILL many of them.

Kept free of test-only imports: the forkserver preloads this module.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Connection


def run_cli(
    argv: list[str], env: dict[str, str], cwd: str, output: str, go: Connection | None = None
) -> None:
    """Run ``evokernel *argv`` with exactly ``env`` in ``cwd``; stdout and stderr to ``output``.

    With ``go``, first waits for the parent's word on it (the parent has registered this
    child's pid, so no request of the command can arrive before that). Ends the process with
    the command's exit code (``os._exit``: nothing of the parent's multiprocessing machinery
    runs afterwards, like a real command exiting).
    """
    if go is not None:
        go.recv()
        go.close()
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    from evokernel.adapters.cli.app import app

    code = 0
    try:
        app(args=argv, prog_name="evokernel")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
