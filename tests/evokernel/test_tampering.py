"""Static flagging of code that reaches into the test runner (pure: ``ast`` and tokens)."""

from __future__ import annotations

import pytest

from evokernel.domain.tampering import scan_source, scan_tokens


def _rules(source: str) -> set[str]:
    lines = range(1, source.count("\n") + 2)
    return {f.rule for f in scan_source("pkg/mod.py", source, lines)}


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ("def pytest_runtest_makereport(item, call):\n    pass\n", "pytest-hook"),
        ("def pytest_collection_modifyitems(items):\n    items.clear()\n", "pytest-hook"),
        (
            "import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef f():\n    yield\n",
            "pytest-hook",
        ),
        ("pytest_plugins = ['evil']\n", "pytest-hook"),
        ("import sys\nsys.modules['calc'] = object()\n", "sys-modules-write"),
        ("import sys\nsys.modules.update(calc=None)\n", "sys-modules-write"),
        ("import sys\ndel sys.modules['calc']\n", "sys-modules-write"),
        ("import sys\nsys.meta_path.insert(0, object())\n", "sys-modules-write"),
        ("import builtins\nbuiltins.len = lambda x: 0\n", "builtins-patch"),
        ("setattr(__builtins__, 'len', None)\n", "builtins-patch"),
        ("import atexit\natexit.register(print)\n", "atexit"),
        ("from atexit import register\n", "atexit"),
        ("import os\nos._exit(0)\n", "os-exit"),
        ("import _pytest.runner\n", "runner-import"),
        ("import os\nGREEN = os.environ.get('PYTEST_CURRENT_TEST')\n", "runner-text"),
        ("open('.evokernel-run/x.xml', 'w')\n", "runner-text"),
        ("import sys\nUNDER_TEST = 'pytest' in sys.modules\n", "runner-text"),
        ("open('/usr/lib/python3/site-packages/a.pth', 'w')\n", "runner-text"),
    ],
)
def test_reaching_into_the_runner_is_found(source: str, rule: str) -> None:
    assert rule in _rules(source)


@pytest.mark.parametrize(
    "source",
    [
        "def add(a, b):\n    return a + b\n",
        "import os\n\ndef path(p):\n    return os.path.join('a', p)\n",
        "import sys\n\ndef version():\n    return sys.version_info\n",
        "def register(x):\n    return x\n\nregister(1)\n",
        "modules = {}\nmodules['calc'] = 1\n",
    ],
)
def test_ordinary_code_is_not_flagged(source: str) -> None:
    assert _rules(source) == set()


def test_only_added_lines_count() -> None:
    source = "import atexit\n\natexit.register(print)\n\n\ndef add(a, b):\n    return a + b\n"
    assert scan_source("calc.py", source, [7]) == []
    (finding,) = scan_source("calc.py", source, [3])
    assert (finding.line, finding.rule) == (3, "atexit")


def test_added_lines_that_do_not_parse_fall_back_to_tokens() -> None:
    found = scan_tokens("calc.py", ["    sys.modules['calc'] = fake", "    os._exit(0)"])
    assert {f.rule for f in found} == {"sys-modules-write", "os-exit"}
    broken = scan_source("calc.py", "def f(:\n    builtins.x = 1\n", [2])
    assert {f.rule for f in broken} == {"builtins-patch"}
