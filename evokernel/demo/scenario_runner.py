"""Finding and running scenario programs through the ``evokernel.scenarios`` entry points.

Scenario programs live outside this package (``scenarios/``) and register themselves in
``pyproject.toml``; the kernel never imports them by name. A scenario entry point is a
``run(config)`` function returning a result with ``ok``, ``to_json()`` and ``print_table()``.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import Field

from evokernel.application.config import EvoConfig
from evokernel.domain.models import Model
from evokernel.errors import EvoKernelError

logger = logging.getLogger(__name__)

GROUP = "evokernel.scenarios"
"""The entry-point group scenarios register in."""


class ScenarioOutcomeLike(Protocol):
    """What a scenario's ``run`` returns."""

    ok: bool

    def to_json(self) -> dict[str, Any]:
        """The scenario's documented JSON."""
        ...

    def print_table(self) -> None:
        """Print the human table."""
        ...


class UnknownScenarioError(EvoKernelError, ValueError):
    """No scenario registered under that name."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        super().__init__(f"unknown scenario {name!r} (known: {', '.join(known) or 'none'})")


class ScenarioInfo(Model):
    """A registered scenario."""

    name: str
    """Name used on the command line."""
    target: str
    """``module:function`` it runs."""
    summary: str = ""
    """First line of the module's docstring."""


class ScenarioRun(Model):
    """One scenario's result inside ``run all``."""

    name: str
    """Scenario name."""
    ok: bool
    """Its checks held."""
    seconds: float
    """Wall-clock seconds."""
    result: dict[str, Any] = Field(default_factory=dict)
    """The scenario's own JSON."""
    error: str | None = None
    """``ClassName: message`` when the scenario raised instead of returning a result."""


class ScenarioSummary(Model):
    """Every scenario's outcome (``evokernel scenario run all``)."""

    ok: bool
    """All scenarios passed."""
    scenarios: list[ScenarioRun] = Field(default_factory=list)
    """In registration order (sorted by name)."""


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    found = importlib.metadata.entry_points(group=GROUP)
    return {ep.name: ep for ep in sorted(found, key=lambda ep: ep.name)}


def list_scenarios() -> list[ScenarioInfo]:
    """Registered scenarios, by name (loads each to read its summary)."""
    infos = []
    for name, ep in _entry_points().items():
        module = inspect.getmodule(ep.load())
        doc = (module.__doc__ if module else "") or ""
        infos.append(ScenarioInfo(name=name, target=ep.value, summary=doc.strip().split("\n")[0]))
    return infos


def load_scenario(name: str) -> Callable[..., ScenarioOutcomeLike]:
    """The ``run`` function of scenario ``name``.

    Raises:
        UnknownScenarioError: nothing registered under that name.
    """
    points = _entry_points()
    if name not in points:
        raise UnknownScenarioError(name, list(points))
    run: Callable[..., ScenarioOutcomeLike] = points[name].load()
    return run


def run_scenario(name: str, config: EvoConfig) -> ScenarioOutcomeLike:
    """Run one scenario with ``config`` and return its result."""
    return load_scenario(name)(config=config)


def run_all(config: EvoConfig, progress: Callable[[str], None] | None = None) -> ScenarioSummary:
    """Run every registered scenario; ``ok`` only when all pass.

    A scenario that raises is reported as failed (with its error) and the others still run,
    so one broken program does not hide the outcome of the rest.
    """
    runs = []
    for name in _entry_points():
        if progress:
            progress(f"scenario {name} ...")
        started = time.monotonic()
        try:
            result = run_scenario(name, config)
        except Exception as exc:  # a boundary: every scenario gets its row in the summary
            logger.exception("scenario %s raised", name)
            runs.append(
                ScenarioRun(
                    name=name,
                    ok=False,
                    seconds=round(time.monotonic() - started, 2),
                    error=f"{type(exc).__name__}: {exc}",
                )
            )
            continue
        runs.append(
            ScenarioRun(
                name=name,
                ok=result.ok,
                seconds=round(time.monotonic() - started, 2),
                result=result.to_json(),
            )
        )
    return ScenarioSummary(ok=all(r.ok for r in runs), scenarios=runs)
