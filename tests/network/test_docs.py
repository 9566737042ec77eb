"""The Python examples in docs/network.md run, in order, as written."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "network.md"


def test_network_page_examples_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the examples' mkdtemp lands here
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 2
    namespace: dict[str, object] = {"__name__": "network_doc_example"}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"docs/network.md (example {number})", "exec"), namespace)

    out = capsys.readouterr().out
    assert "refused: message" in out and out.rstrip().endswith("quarantined")
