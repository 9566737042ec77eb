"""CPU time a batch costs outside its test commands: the Docker engine's and the runner's.

On 2 cores the limit ratio is bounded by CPU, not by waiting: every validation's single-use
container costs the engine (create, start, the first exec, removal) CPU on the same cores the
tests run on. ``CpuMeter`` measures it while a batch runs: it polls ``/proc`` for the engine's
processes (``dockerd``, ``containerd``, the per-container shims and their ``runc`` children,
whose time the shim collects when it reaps them) and sums what each one's CPU time grew by; the
runner's own share (its threads and the git processes it waited for) comes from ``os.times``.
A shim that exits between two polls loses its last few milliseconds, so the engine figure is a
lower bound.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType

ENGINE_PREFIXES = ("dockerd", "containerd", "runc", "docker-init")
"""Process names (``comm``, cut at 15 characters) counted as the engine's."""
POLL_S = 0.02
_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Context manager: engine and runner CPU seconds spent while it was open."""

    def __init__(self, proc: Path = Path("/proc")) -> None:
        self._proc = proc
        self._first: dict[tuple[int, int], float] = {}
        self._last: dict[tuple[int, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="evokernel-cpu-meter", daemon=True)
        self._runner_start = 0.0
        self.engine_s = 0.0
        """Engine CPU seconds (a lower bound, see the module doc)."""
        self.runner_s = 0.0
        """This process's CPU seconds, with its waited-for children (git)."""

    def __enter__(self) -> CpuMeter:
        self._first = self._sample()  # what was spent before does not count
        self._last = dict(self._first)
        self._runner_start = _own_cpu()
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._last.update(self._sample())
        self.runner_s = _own_cpu() - self._runner_start
        self.engine_s = sum(spent - self._first.get(key, 0.0) for key, spent in self._last.items())

    def _poll(self) -> None:
        while not self._stop.wait(POLL_S):
            self._last.update(self._sample())

    def _sample(self) -> dict[tuple[int, int], float]:
        """(pid, start time) -> CPU seconds with reaped children, for the engine's processes."""
        found: dict[tuple[int, int], float] = {}
        for entry in os.scandir(self._proc):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            if not name.startswith(ENGINE_PREFIXES):
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            # utime, stime, cutime, cstime are fields 14-17, starttime 22 (1-based, man proc)
            ticks = sum(int(value) for value in fields[11:15])
            found[(int(entry.name), int(fields[19]))] = ticks * _TICK_S
        return found


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system
