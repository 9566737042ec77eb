"""The Python examples in docs/github.md run as written, and their traffic conforms too."""

from __future__ import annotations

import re

import pytest

from scenarios.github_server import LocalGitHub
from scenarios.github_server.conformance import assert_conformant
from tests.github.conftest import PROJECT_ROOT, ConformanceTally

BLOCKS = re.findall(r"```python\n(.*?)```", (PROJECT_ROOT / "docs" / "github.md").read_text(), re.S)


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{n}" for n in range(len(BLOCKS))])
def test_docs_example_runs(source: str, conformance: ConformanceTally) -> None:
    namespace: dict[str, object] = {"__name__": "docs_example"}
    exec(compile(source, "docs/github.md", "exec"), namespace)
    server = namespace.get("server")
    if isinstance(server, LocalGitHub):
        conformance.exchanges += assert_conformant(conformance.checker, server.exchanges())
