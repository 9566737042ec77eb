"""Logging: run and task ids on every record, text and JSON, and nothing configured on import."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from collections.abc import Iterator

import orjson
import pytest

from evokernel.logs import OUR_LOGGERS, bind_run, configure_logging, current_run


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Undo what configure_logging does to the process-wide loggers."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    ours = {name: logging.getLogger(name).level for name in OUR_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in ours.items():
        logging.getLogger(name).setLevel(old)


def capture(fmt: str) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(logging.INFO, fmt, stream=stream)
    return stream


def test_text_records_carry_the_bound_ids(restore_logging: None) -> None:
    stream = capture("text")
    log = logging.getLogger("evokernel.application.kernel.example")

    log.info("outside")
    with bind_run("run-7", "task-3"):
        log.info("inside")

    outside, inside = stream.getvalue().splitlines()
    assert "run=" not in outside and outside.endswith(
        "evokernel.application.kernel.example outside"
    )
    assert "[run=run-7 task=task-3] inside" in inside
    assert " INFO " in inside


def test_json_records_carry_the_bound_ids_and_extras(restore_logging: None) -> None:
    stream = capture("json")

    with bind_run("run-7", "task-3"):
        logging.getLogger("sandbox.docker").warning("slow %s", "start", extra={"ms": 812})
    logging.getLogger("store").warning("after")

    inside, after = (orjson.loads(line) for line in stream.getvalue().splitlines())
    assert inside["run_id"] == "run-7" and inside["task_id"] == "task-3"
    assert (inside["message"], inside["level"], inside["logger"]) == (
        "slow start",
        "WARNING",
        "sandbox.docker",
    )
    assert inside["ms"] == 812
    assert inside["ts"].endswith("Z")
    assert after["run_id"] is None and after["task_id"] is None


def test_json_records_include_the_traceback(restore_logging: None) -> None:
    stream = capture("json")

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("evokernel").exception("failed")

    record = orjson.loads(stream.getvalue())
    assert "RuntimeError: boom" in record["exc_info"]


def test_bindings_nest_and_unwind() -> None:
    with bind_run("outer", "t1"):
        with bind_run("inner"):
            assert current_run() == ("inner", None)
        assert current_run() == ("outer", "t1")
    assert current_run() == (None, None)


def test_configuring_twice_keeps_one_handler(restore_logging: None) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(logging.INFO, "text", stream=first)
    configure_logging(logging.INFO, "text", stream=second)

    logging.getLogger("evokernel").info("once")

    assert first.getvalue() == ""
    assert second.getvalue().count("once") == 1


def test_third_party_loggers_stay_at_warning(restore_logging: None) -> None:
    stream = capture("text")

    logging.getLogger("urllib3.connectionpool").info("noise")
    logging.getLogger("evokernel").info("signal")

    assert "noise" not in stream.getvalue() and "signal" in stream.getvalue()


def test_importing_evokernel_configures_no_logging() -> None:
    probe = (
        "import logging, evokernel, evokernel.adapters.cli.app, sandbox, store\n"
        "root = logging.getLogger()\n"
        "print(len(root.handlers), root.level, logging.getLogger('evokernel').level)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["0", str(logging.WARNING), "0"]
