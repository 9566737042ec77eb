"""The apply ladder's extra cost on a 1,000-line Python file (target: <= 50 ms per apply).

Four diffs against one generated module, each applied to a clean worktree ``repeats`` times:
``strict`` (the diff made on this revision: the baseline), ``relocate`` (the fixed function
moved 60 lines down, the hunk at line 1), ``symbol`` (the function became a method of a class
at the end of the file) and ``refused`` (the code is gone: every rung runs and fails; three-way
is skipped, the diff's base blob not being in that repository). The figure that matters is
each case's median minus the strict median: what the rungs below ``strict`` add. The content
rungs alone (``apply_rung`` in process, no git) are timed too.

Run: ``python -m evokernel.adapters.bench.ladder_bench [--repeats N]`` (prints JSON).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from sandbox import PatchApplyError, apply_patch, parse_patch
from sandbox.reanchor import Method, Tree, apply_rung

_FUNCTIONS = 110
"""Generated functions of 9 lines each: about 1,000 lines."""


def _function(n: int, indent: str = "") -> str:
    body = "".join(f"{indent}    v{k} = a * {k} + b  # step {k} of f{n}\n" for k in range(6))
    head = f'{indent}def f{n}(a, b):\n{indent}    """Function {n}."""\n'
    return f"{head}{body}{indent}    return a - b\n\n"


_ADD = "def add(a, b):\n    return a - b\n\n\n"
"""The function the diff fixes: first in the file, so its hunk starts at line 1."""


def _module(moved_down: int = 0, as_method: bool = False) -> str:
    head = "".join(f"X{k} = {k}\n" for k in range(moved_down))
    rest = "".join(_function(n) for n in range(_FUNCTIONS))
    if as_method:
        method = "    def add(self, a, b):\n        return a - b\n"
        return head + rest + "\nclass Holder:\n" + method
    return head + _ADD + rest


def _git(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    env = {
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(cwd),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, input=data, capture_output=True, check=True, timeout=60
    )
    return done.stdout


def _repo(root: Path, text: str) -> Path:
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    (root / "mod.py").write_text(text)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    return root


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 2)


def run_ladder_bench(repeats: int = 15) -> dict[str, Any]:
    """Time ``apply_patch`` per case and the content rungs alone; return the figures."""
    with tempfile.TemporaryDirectory(prefix="evokernel-ladder-bench-") as scratch:
        root = Path(scratch)
        capture = _repo(root / "capture", _module())
        fixed = _module().replace("    return a - b\n", "    return a + b\n", 1)
        assert fixed.startswith("def add(a, b):\n    return a + b\n")
        (capture / "mod.py").write_text(fixed)
        diff = _git(capture, "diff")
        _git(capture, "checkout", "--", "mod.py")
        targets = {
            "strict": capture,
            "relocate": _repo(root / "relocate", _module(moved_down=60)),
            "symbol": _repo(root / "symbol", _module(as_method=True)),
            "refused": _repo(root / "refused", _module().replace("def add(a, b)", "def plus(a)")),
        }
        lines = len(_module().splitlines())
        timings: dict[str, list[float]] = {name: [] for name in targets}
        steps: dict[str, str] = {}
        for _ in range(repeats):
            for name, repo in targets.items():
                started = time.perf_counter()
                try:
                    steps[name] = str(apply_patch(repo, diff).step)
                except PatchApplyError:
                    steps[name] = "refused"
                timings[name].append(time.perf_counter() - started)
                _git(repo, "checkout", "--", ".")
        parsed = parse_patch(diff)
        rungs: dict[str, list[float]] = {"relocate": [], "symbol": []}
        for _ in range(repeats):
            for name, method in (("relocate", Method.RELOCATE), ("symbol", Method.SYMBOL)):
                started = time.perf_counter()
                outcome = apply_rung(Tree(targets[name], 60.0), parsed, method)
                rungs[name].append(time.perf_counter() - started)
                assert outcome.ok, outcome.detail
    strict = _median_ms(timings["strict"])
    return {
        "file_lines": lines,
        "repeats": repeats,
        "step": steps,
        "apply_ms_p50": {name: _median_ms(values) for name, values in timings.items()},
        "extra_ms_over_strict": {
            name: round(_median_ms(values) - strict, 2)
            for name, values in timings.items()
            if name != "strict"
        },
        "content_rung_only_ms_p50": {name: _median_ms(v) for name, v in rungs.items()},
        "target_extra_ms": 50,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    print(json.dumps(run_ladder_bench(parser.parse_args().repeats), indent=2))


if __name__ == "__main__":
    main()
