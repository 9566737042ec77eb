"""docs/devloop.md: its Python example runs as written, and its policy table is the real one."""

from __future__ import annotations

import re
from pathlib import Path

from evokernel.application.config import PolicyConfig

PAGE = Path(__file__).resolve().parents[2] / "docs" / "devloop.md"


def test_python_example_runs(docker_engine: object) -> None:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], "docs/devloop.md", "exec"), {"__name__": "doc"})


def test_policy_table_lists_every_key_with_its_default() -> None:
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| `?([^|`]+?)`? \|", PAGE.read_text(), re.M))
    for name, field in PolicyConfig.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "none" if default is None else str(default).replace("'", '"').lower()
        assert rows.get(name) == shown, f"{name}: docs say {rows.get(name)!r}, default {shown!r}"
