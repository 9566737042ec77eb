"""docs/mcp.md: its examples run or parse, and it documents every tool the server has."""

from __future__ import annotations

import re
from pathlib import Path

import anyio
import orjson
import pytest

from evokernel.adapters.mcpserver import EvoTools, build_server
from evokernel.application.config import EvoConfig

PAGE = Path(__file__).resolve().parents[2] / "docs" / "mcp.md"


def test_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)
    assert blocks
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"docs/mcp.md (example {number})", "exec"), {"__name__": "doc"})


def test_mcp_servers_entries_are_json_in_the_standard_shape() -> None:
    blocks = re.findall(r"```json\n(.*?)```", PAGE.read_text(), re.S)
    assert len(blocks) == 2
    stdio, http = (orjson.loads(block)["mcpServers"]["evokernel"] for block in blocks)
    assert stdio["command"] == "evokernel" and stdio["args"][0] == "mcp"
    assert http["url"].endswith("/mcp")


def test_every_tool_and_resource_is_documented(tmp_path: Path) -> None:
    server = build_server(EvoTools(EvoConfig(), tmp_path / "store", tmp_path))

    async def listed() -> tuple[list[str], list[str]]:
        tools = [tool.name for tool in await server.list_tools()]
        templates = [t.uri_template for t in await server.list_resource_templates()]
        return tools, templates

    tools, templates = anyio.run(listed)
    text = PAGE.read_text()
    assert [name for name in tools if f"| `{name}` |" not in text] == []
    assert [uri for uri in templates if f"`{uri}`" not in text] == []
