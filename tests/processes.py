"""Waiting for a process that is not our child to end, on the kernel's event (a pidfd), not a
poll of ``/proc``: a busy machine makes polls late, never wrong, but a pidfd is exact."""

from __future__ import annotations

import os
import select

HANG_BOUND_S = 120.0
"""Bounds a hang only: the wait returns when the process ends."""


def wait_until_gone(pid: int, timeout_s: float = HANG_BOUND_S) -> bool:
    """True once ``pid`` has ended (a zombie counts: it no longer runs); false at the bound."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([pidfd], [], [], timeout_s)
        return bool(readable)
    finally:
        os.close(pidfd)
