"""Real tool runs for the signal tests: the same failing projects, run in two different places.

Each project is written into two temporary directories with different names and depths, and
every tool runs in both, one after the other, with different hash seeds, terminal widths and
locales. The signal tests then compare what the extractors make of the two runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox import parse_junit

BIN = Path(sys.executable).parent
"""The virtualenv's bin directory (pytest, ruff and mypy live next to the interpreter)."""

PROJECTS: dict[str, dict[str, str]] = {
    # A wrong result: an assertion fails.
    "assertion": {
        "app/__init__.py": "",
        "app/cart.py": "def total(items):\n    return sum(items) + 1\n",
        "tests/test_cart.py": (
            "from app.cart import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n"
        ),
    },
    # A test module imports a module that is not installed: a collection error.
    "missing_module": {
        "app/__init__.py": "",
        "app/loader.py": "import frobnicate_h5\n\n\ndef load():\n    return frobnicate_h5\n",
        "tests/test_loader.py": "from app.loader import load\n\n\ndef test_load():\n    load()\n",
    },
    # A dictionary lookup fails, with an object address in the message of a second test.
    "key_error": {
        "app/__init__.py": "",
        "app/prices.py": (
            "PRICES = {'apple': 3}\n\n\ndef price(sku):\n    return PRICES[sku]\n\n\n"
            "def check(x):\n    raise ValueError(f'bad value {object()} at {id(x)}')\n"
        ),
        "tests/test_prices.py": (
            "from app.prices import check, price\n\n\ndef test_pear():\n    assert price('pear')\n"
            "\n\ndef test_check():\n    check(1)\n"
        ),
    },
    # A missing attribute on a module.
    "attribute": {
        "app/__init__.py": "",
        "app/util.py": "def helper():\n    return 1\n",
        "tests/test_util.py": (
            "import app.util\n\n\ndef test_helper():\n    assert app.util.helpr() == 1\n"
        ),
    },
}

LINT_FILES = {"app/__init__.py": "", "app/lint_me.py": "import os\nimport json\n\nVALUE = 1\n"}
MYPY_FILES = {"typed.py": "def greet(name: str) -> int:\n    return 'hi ' + name\n"}
SCRIPT_FILES = {
    "app/__init__.py": "",
    "app/config.py": "import yaml_frobnicate_h5\n",
    "main.py": "import app.config\n",
}
C_FILES = {"prog.c": "int main(void) {\n    return missing_var + undefined_fn(3);\n}\n"}
RUST_FILES = {"lib.rs": 'pub fn f() -> i32 {\n    let y: i32 = "s";\n    x + 1\n}\n'}


@dataclass(frozen=True)
class Run:
    """One tool run: its combined output, the project root it ran in, parsed test outcomes."""

    output: str
    root: Path
    outcomes: Mapping[str, str]


def _write(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _run(argv: list[str], cwd: Path, env: Mapping[str, str]) -> str:
    done = subprocess.run(
        argv, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=120, check=False
    )
    return done.stdout + done.stderr


def _env(home: Path, variant: int) -> dict[str, str]:
    return {
        "PATH": f"{BIN}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "PYTHONHASHSEED": str(variant + 11),
        "COLUMNS": "80" if variant == 0 else "200",
        "LANG": "C" if variant == 0 else "C.UTF-8",
        "LC_ALL": "C" if variant == 0 else "C.UTF-8",
    }


class ToolRuns:
    """Lazily runs each tool on each project in two places; results cached for the session."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._cache: dict[tuple[str, str], tuple[Run, Run]] = {}
        # Different names and depths for the two places; the second is created later.
        self._places = ["alpha", "beta-{n}/nested/work"]

    def _root(self, variant: int, name: str) -> Path:
        base = self._factory.mktemp(self._places[variant].split("/")[0].format(n=len(name)))
        rest = self._places[variant].split("/")[1:]
        return base.joinpath(*rest, name)

    def pair(self, tool: str, project: str) -> tuple[Run, Run]:
        key = (tool, project)
        if key not in self._cache:
            runs = [self._one(tool, project, variant) for variant in (0, 1)]
            self._cache[key] = (runs[0], runs[1])
        return self._cache[key]

    def _one(self, tool: str, project: str, variant: int) -> Run:
        root = self._root(variant, f"{tool}-{project}")
        env = _env(root.parent, variant)
        if tool == "pytest":
            _write(root, PROJECTS[project])
            junit = root.parent / "junit.xml"
            argv = [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            output = _run([*argv, f"--junitxml={junit}", "tests"], root, env)
            return Run(output, root, dict(parse_junit(junit.read_bytes())))
        if tool == "python":
            _write(root, SCRIPT_FILES)
            return Run(_run([str(BIN / "python"), str(root / "main.py")], root, env), root, {})
        if tool == "ruff":
            _write(root, LINT_FILES)
            fmt = "full" if variant == 0 else "concise"
            argv = [str(BIN / "ruff"), "check", "--no-cache", f"--output-format={fmt}", "app"]
            return Run(_run(argv, root, env), root, {})
        if tool == "mypy":
            _write(root, MYPY_FILES)
            argv = [str(BIN / "mypy"), "--no-incremental", "--cache-dir=/dev/null"]
            return Run(_run([*argv, str(root / "typed.py")], root, env), root, {})
        if tool == "gcc":
            _write(root, C_FILES)
            argv = ["gcc", "-c", str(root / "prog.c"), "-o", str(root / "prog.o")]
            return Run(_run(argv, root, env), root, {})
        if tool == "rustc":
            _write(root, RUST_FILES)
            home = Path.home()
            env["RUSTUP_HOME"] = os.environ.get("RUSTUP_HOME", str(home / ".rustup"))
            env["CARGO_HOME"] = os.environ.get("CARGO_HOME", str(home / ".cargo"))
            source = "lib.rs" if variant == 0 else str(root / "lib.rs")
            argv = [rustc_path() or "rustc", "--edition", "2021", "--crate-type", "lib", source]
            return Run(_run([*argv, "-o", str(root / "lib.rlib")], root, env), root, {})
        raise ValueError(f"unknown tool {tool}")


def rustc_path() -> str | None:
    """rustc on PATH or in ~/.cargo/bin, if installed."""
    found = shutil.which("rustc") or str(Path.home() / ".cargo" / "bin" / "rustc")
    return found if Path(found).exists() else None


SAMPLES = Path(__file__).parent / "samples"
