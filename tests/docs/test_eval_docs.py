"""The Python example in docs/eval.md runs as written, on a real two-prediction batch."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from evokernel.demo.eval_batch import build_sample_batch
from tests.eval.conftest import subset

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_eval_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, docker_engine: object
) -> None:
    batch = subset(
        build_sample_batch(tmp_path / "src"), tmp_path / "sub", ["calc__fix-0", "calc__wrong"]
    )
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(batch.instances, work / "instances.jsonl")
    shutil.copy(batch.predictions, work / "preds.jsonl")
    monkeypatch.chdir(work)
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "eval.md").read_text(), re.S)
    assert len(blocks) == 1
    namespace: dict[str, object] = {"__name__": "doc"}
    exec(compile(blocks[0], "docs/eval.md", "exec"), namespace)
    assert namespace["report"].resolved_ids == ["calc__fix-0"]  # type: ignore[attr-defined]
    assert (work / "sample-model.try1.json").exists()
