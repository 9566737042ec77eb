"""The Python examples in docs/kernel.md run as written (eventsourcing's test_docs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("page", ["kernel.md"])
def test_python_examples_run(page: str, docker_engine: object) -> None:
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.S)
    assert blocks, f"{page} has no python example"
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"docs/{page} (example {number})", "exec"), {"__name__": "doc"})
