"""Validation plans: ordered stages plus expectations about tests."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class StageKind(StrEnum):
    """What a stage is for; decides how its outcome is judged."""

    SETUP = "setup"
    """Dependency installation; cached as a derived env image; may have network."""
    BUILD = "build"
    """Compilation or packaging; judged by exit code."""
    LINT = "lint"
    """Static checks; judged by exit code."""
    TEST = "test"
    """Tests; pytest stages are parsed per test from JUnit XML."""


class Stage(BaseModel):
    """One step of a validation plan."""

    model_config = _MODEL_CONFIG

    name: str = Field(min_length=1)
    """Stage name, unique within a plan."""
    command: list[str] = Field(min_length=1)
    """Argument vector; ``["sh", "-c", "..."]`` for shell syntax."""
    kind: StageKind = StageKind.TEST
    """What the stage is for."""
    timeout_s: float = Field(default=300.0, gt=0)
    """Wall-clock timeout for the stage; the whole process tree is killed on expiry."""
    network: bool = False
    """Network access for this stage; only setup stages should need it."""
    junit: bool | None = None
    """Parse JUnit XML from this stage. ``None``: auto (test stages whose command runs pytest)."""
    plugins: list[str] = Field(default_factory=list)
    """Pytest plugins this stage loads by name (``-p NAME``). Plugin autoloading is off in
    every stage (``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1``): a plugin the plan does not name, as
    ``-p NAME`` in its command or here, never loads."""


class Expectations(BaseModel):
    """What the tests must do for a patched run to pass."""

    model_config = _MODEL_CONFIG

    fail_to_pass: list[str] = Field(default_factory=list)
    """Test node ids that fail on the baseline and must pass with the patch."""
    pass_to_pass: list[str] = Field(default_factory=list)
    """Test node ids that pass on the baseline and must keep passing."""


class ValidationPlan(BaseModel):
    """Ordered stages plus expectations."""

    model_config = _MODEL_CONFIG

    stages: list[Stage] = Field(min_length=1)
    """Stages, run in order; a failing stage stops the plan."""
    expectations: Expectations = Field(default_factory=Expectations)
    """Fail-to-pass and pass-to-pass test expectations."""

    @classmethod
    def pytest_default(
        cls, args: list[str] | None = None, timeout_s: float = 300.0
    ) -> ValidationPlan:
        """The plan used when a project names none: run pytest in the repository."""
        argv = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", *(args or [])]
        return cls(
            stages=[Stage(name="pytest", command=argv, kind=StageKind.TEST, timeout_s=timeout_s)]
        )
