"""Patches are bytes: CRLF, no final newline and non-UTF-8 text survive the JSON store."""

from __future__ import annotations

from pathlib import Path

from evokernel.domain.events import CapsuleCommitted, event_payload, parse_event
from evokernel.domain.models import Capsule, patch_bytes, patch_text
from store import EventLog

_RAW = (
    b"diff --git a/latin.txt b/latin.txt\n--- a/latin.txt\n+++ b/latin.txt\n"
    b"@@ -1 +1 @@\n-caf\xe9\r\n+caf\xe8\r\n\\ No newline at end of file\n"
)


def _capsule(diff: str) -> Capsule:
    return Capsule(
        capsule_id="capsule_x",
        gene_id="gene_x",
        diff=diff,
        diff_hash="h",
        base_rev="r",
        repo_identity="repo",
        origin_run_id="run_x",
    )


def test_non_utf8_crlf_diff_round_trips_through_the_store(tmp_path: Path) -> None:
    diff = patch_text(_RAW)
    with EventLog.open(tmp_path / "store") as log:
        log.append_many([event_payload(CapsuleCommitted(capsule=_capsule(diff)))])
    with EventLog.open_readonly(tmp_path / "store") as log:
        (record,) = list(log.scan())
    assert "diff_b64" in record.payload["capsule"]
    event = parse_event(record)
    assert isinstance(event, CapsuleCommitted)
    assert patch_bytes(event.capsule.diff) == _RAW


def test_a_utf8_diff_is_written_once_as_before() -> None:
    dumped = _capsule("+a\r\n").model_dump(mode="json")
    assert dumped["diff"] == "+a\r\n" and "diff_b64" not in dumped
    assert Capsule.model_validate(dumped).diff == "+a\r\n"


def test_a_crlf_change_is_not_the_lf_one() -> None:
    from evokernel.application.kernel.fingerprint import diff_hash

    lf = "diff --git a/x b/x\nindex 1..2\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a \n+b\n"
    assert diff_hash(lf) == diff_hash(lf.replace("index 1..2", "index 3..4").replace("-a ", "-a"))
    assert diff_hash(lf) != diff_hash(lf.replace("-a \n+b\n", "-a\r\n+b\r\n"))
