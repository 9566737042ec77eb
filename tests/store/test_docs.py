"""The Python examples in docs/store.md run, in order, as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "store.md"


def test_store_page_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    for number, block in enumerate(blocks, 1):
        code = compile(block, f"docs/store.md (example {number})", "exec")
        exec(code, {"__name__": f"store_doc_example_{number}"})
    assert (tmp_path / "demo-store" / "events.jsonl").exists()
