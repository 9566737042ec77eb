"""The Validator: runs a validation plan in one sandbox session and returns a judged receipt.

This is the facade that owns everything backends share (httpx's ``Client`` over its
transports): stage order, JUnit injection and parsing, the exit-code cross-check, the
patch-vs-infra classification, the receipt. Backends only run commands and read files back;
this module never imports ``docker``.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sandbox.base import Sandbox, SandboxSession
from sandbox.classify import judge_run, judge_sandbox_failure, judge_stage
from sandbox.errors import JUnitParseError, SandboxError
from sandbox.junit import MAX_REPORT_BYTES, TestOutcome, parse_junit, worst
from sandbox.models import ExecRequest, ExecResult, Limits, SessionSpec
from sandbox.plan import Stage, StageKind, ValidationPlan
from sandbox.receipt import JUnitStatus, Receipt, StageResult, Verdict
from sandbox.rundiff import changed_files

_log = logging.getLogger(__name__)

REPORT_DIR = ".evokernel-run"
"""Directory in the workspace under which each run writes its JUnit reports."""

AUTOLOAD_OFF = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
"""Set in every stage: only plugins the plan names load (a patch cannot register one)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_PYTEST_NAMES = frozenset({"pytest", "py.test"})


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Validator:
    """Validates workspaces with a sandbox backend.

    Args:
        sandbox: the backend that opens sessions (Docker, local).
        image: image for sessions; ``None`` for the backend's default.
        limits: resource limits; the defaults of ``Limits`` when ``None``.
        env: extra environment for every stage (secret-looking names are dropped by backends).
        clock: source of ``started_at`` (UTC).
    """

    def __init__(
        self,
        sandbox: Sandbox,
        image: str | None = None,
        limits: Limits | None = None,
        *,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.sandbox = sandbox
        self.image = image
        self.limits = limits or Limits()
        self._env = dict(env or {})
        self._clock = clock

    def validate(
        self,
        workspace: Path,
        plan: ValidationPlan,
        *,
        run_id: str | None = None,
        watch: Mapping[str, str | None] | None = None,
    ) -> Receipt:
        """Run ``plan`` in ``workspace`` inside one fresh session and judge the result.

        Stages run in order and the first one that does not pass stops the plan. Pytest
        stages write JUnit XML under ``.evokernel-run/<run>-<nonce>/`` in the workspace; it
        is read back through the session without following symlinks.

        Args:
            workspace: the host directory the session starts from.
            plan: the stages.
            run_id: written into the receipt and the sandbox's labels.
            watch: git blob ids of workspace files before the run; those the run changed,
                as found in the session itself, become ``files_changed_by_run``.

        Returns:
            The receipt. Timeouts, OOM kills, engine errors and a missing image are an
            ``error``/``infra`` receipt, not exceptions.
        """
        started_at, start = self._clock(), time.monotonic()
        nonce = secrets.token_hex(4)
        report_dir = f"{REPORT_DIR}/{_slug(run_id or 'run')}-{nonce}"
        spec = SessionSpec(
            workspace=workspace,
            image=self.image,
            network=any(stage.network for stage in plan.stages),
            limits=self.limits,
            env=self._env,
            run_id=run_id,
        )
        results: list[StageResult] = []
        changed: list[str] = []
        image_id: str | None = None
        try:
            session = self.sandbox.open(spec)
        except SandboxError as exc:
            judgement = judge_sandbox_failure(exc)
        else:
            try:
                for index, stage in enumerate(plan.stages):
                    report = f"{report_dir}/{index:02d}-{_slug(stage.name)}.xml"
                    result = _with_disk_check(session, self._run_stage(session, stage, report))
                    results.append(result)
                    if judge_stage(result).verdict is not Verdict.PASS:
                        break
                changed = _changed_in_session(session, watch or {})
                image_id = session.image_id
            finally:
                _close_quietly(session)
            judgement = judge_run(results)
        ran = {result.name for result in results}
        tests: dict[str, TestOutcome] = {}
        for result in results:
            for nodeid, outcome in (result.tests or {}).items():
                tests[nodeid] = worst(tests[nodeid], outcome) if nodeid in tests else outcome
        return Receipt(
            run_id=run_id,
            stages=results,
            tests=tests,
            verdict=judgement.verdict,
            failure_class=judgement.failure_class,
            reason_code=judgement.reason_code,
            reason=judgement.reason,
            failed_stage=judgement.failed_stage,
            skipped_stages=[stage.name for stage in plan.stages if stage.name not in ran],
            files_changed_by_run=changed,
            backend=self.sandbox.name,
            isolated=self.sandbox.isolates,
            image_id=image_id or self._image_id(),
            duration_s=round(time.monotonic() - start, 6),
            started_at=started_at,
        )

    def _run_stage(self, session: SandboxSession, stage: Stage, report: str) -> StageResult:
        junit = _wants_junit(stage)
        options = [arg for name in stage.plugins for arg in ("-p", name)]
        if junit:
            inside = str(PurePosixPath(session.workdir) / report)
            options += [f"--junitxml={inside}", "-o", "junit_family=xunit1"]
        argv, env = _inject_pytest_options(list(stage.command), options)
        env.update(AUTOLOAD_OFF)
        request = ExecRequest(argv=argv, timeout_s=stage.timeout_s, env=env)
        started = time.monotonic()
        try:
            result = session.exec(request)
        except SandboxError as exc:
            return StageResult(
                name=stage.name,
                kind=stage.kind,
                command=argv,
                exit_code=None,
                duration_s=round(time.monotonic() - started, 6),
                sandbox_error=f"{type(exc).__name__}: {exc}",
            )
        base = _stage_result(stage, argv, result)
        if not junit or result.timed_out or result.oom_killed:
            return base
        try:
            data = session.read_file(report, max_bytes=MAX_REPORT_BYTES + 1)
        except SandboxError as exc:
            return base.model_copy(update={"sandbox_error": f"reading the JUnit report: {exc}"})
        if data is None:
            missing = {"junit_status": JUnitStatus.MISSING, "junit_error": "no report written"}
            return base.model_copy(update=missing)
        try:
            tests = parse_junit(data)
        except JUnitParseError as exc:
            unreadable = {"junit_status": JUnitStatus.UNREADABLE, "junit_error": str(exc)}
            return base.model_copy(update=unreadable)
        return base.model_copy(update={"junit_status": JUnitStatus.PARSED, "tests": tests})

    def _image_id(self) -> str | None:
        try:
            return self.sandbox.image_id(self.image)
        except SandboxError as exc:
            _log.warning("could not read the image id: %s", exc)
            return None


def _changed_in_session(session: SandboxSession, before: Mapping[str, str | None]) -> list[str]:
    """Watched files whose content in the session differs from ``before`` (or is gone)."""
    if not before:
        return []
    try:
        return changed_files(before, session.file_ids(list(before)))
    except (SandboxError, OSError) as exc:
        _log.warning("could not read what the run changed: %s", exc)
        return []


def _with_disk_check(session: SandboxSession, result: StageResult) -> StageResult:
    """Mark the stage when it left the workspace at its disk cap (see ``diskcap``)."""
    try:
        usage = session.disk_usage()
    except (SandboxError, OSError) as exc:
        _log.warning("could not read the workspace's disk usage: %s", exc)
        return result
    if usage is None or not usage.quota_reached:
        return result
    return result.model_copy(update={"disk_quota_reached": True})


def _stage_result(stage: Stage, argv: list[str], result: ExecResult) -> StageResult:
    return StageResult(
        name=stage.name,
        kind=stage.kind,
        command=argv,
        exit_code=result.exit_code,
        duration_s=result.duration_s,
        stdout=result.stdout,
        stderr=result.stderr,
        stdout_dropped_bytes=result.stdout_dropped_bytes,
        stderr_dropped_bytes=result.stderr_dropped_bytes,
        timed_out=result.timed_out,
        oom_killed=result.oom_killed,
    )


def _wants_junit(stage: Stage) -> bool:
    """Explicit ``junit`` wins; otherwise test stages that mention pytest are parsed."""
    if stage.junit is not None:
        return stage.junit
    return stage.kind is StageKind.TEST and any("pytest" in part for part in stage.command)


def _pytest_position(argv: list[str]) -> int | None:
    """Index after which pytest's own arguments start, when ``argv`` runs pytest directly."""
    first = PurePosixPath(argv[0]).name
    if first in _PYTEST_NAMES:
        return 1
    if first.startswith("python") and len(argv) >= 3 and argv[1:3] == ["-m", "pytest"]:
        return 3
    return None


def _inject_pytest_options(argv: list[str], options: list[str]) -> tuple[list[str], dict[str, str]]:
    """Hand pytest ``options`` (named plugins, the JUnit report).

    A direct pytest command gets the options appended (last wins over the project's
    ``addopts``); anything else (``sh -c``, tox) gets them through ``PYTEST_ADDOPTS``.
    """
    if not options:
        return argv, {}
    if _pytest_position(argv) is None:
        return argv, {"PYTEST_ADDOPTS": " ".join(options)}
    if "--" in argv:
        cut = argv.index("--")
        return [*argv[:cut], *options, *argv[cut:]], {}
    return [*argv, *options], {}


def _slug(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._")[:48] or "x"


def _close_quietly(session: SandboxSession) -> None:
    try:
        session.close()
    except SandboxError as exc:
        # The verdict is already known; a failed teardown is the backend's to reap.
        _log.warning("closing the sandbox session failed: %s", exc)
