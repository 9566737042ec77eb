"""A SWE-bench-shaped batch on real small repositories, built at run time (tests, benchmark,
``scripts/make-eval-batch``): two repositories with a bug each, and predictions of every kind
the harness meets (fixes, wrong fixes, a regression, a malformed patch, an empty one, one that
edits the tests, one that hangs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from evokernel.demo.repos import commit, git

CALC = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
CALC_TESTS = (
    "from calc import add, mul\n\n\n"
    "def test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_mul():\n    assert mul(2, 3) == 6\n"
)
TEXT = (
    "def shout(text):\n    return text.lower() + '!'\n\n\n"
    "def words(text):\n    return text.split()\n"
)
TEXT_TESTS = (
    "from text import shout, words\n\n\n"
    "def test_shout():\n    assert shout('hi') == 'HI!'\n\n\n"
    "def test_words():\n    assert words('a b') == ['a', 'b']\n"
)

CALC_FIXES = [
    "return a + b",
    "return b + a",
    "return sum((a, b))",
    "return a - (-b)",
    "return int(a + b)",
    "return (a + b)",
]
TEXT_FIXES = [
    "return text.upper() + '!'",
    "return f'{text.upper()}!'",
    "return text.upper() + '!'  # shout it",
    "return ''.join(c.upper() for c in text) + '!'",
    "return (text + '!').upper()",
]


@dataclass(frozen=True)
class SampleBatch:
    """Where the batch's files are and what each prediction should come to."""

    instances: Path
    predictions: Path
    expected: dict[str, str]
    """instance id -> ``resolved``, ``unresolved``, ``error`` or ``empty_patch``."""


def _diff(repo: Path, path: str, text: str) -> str:
    target = repo / path
    original = target.read_text()
    target.write_text(text)
    try:
        return git(repo, "diff") + "\n"
    finally:
        target.write_text(original)


def _vary(patch: str, comment: str) -> str:
    """``patch`` with ``comment`` appended to its first added line."""
    lines = patch.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("+") and not line.startswith("+++"):
            lines[index] = line + comment
            return "\n".join(lines)
    return patch


def _repo(root: Path, name: str, files: dict[str, str]) -> tuple[Path, str]:
    repo = root / name
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    return repo, commit(repo, files, "base with a bug")


def build_sample_batch(root: Path, *, model: str = "sample-model", copies: int = 1) -> SampleBatch:
    """Write two repositories and a batch of ``instances.jsonl`` / ``predictions.jsonl`` in
    ``root``: 20 predictions per copy, over both repositories.

    Half the instances name ``FAIL_TO_PASS``/``PASS_TO_PASS`` (the harness's way); the others
    leave the baseline to decide.
    """
    calc, calc_rev = _repo(root, "calc", {"calc.py": CALC, "tests/test_calc.py": CALC_TESTS})
    text, text_rev = _repo(root, "text", {"text.py": TEXT, "tests/test_text.py": TEXT_TESTS})
    cases: list[tuple[str, Path, str, str, str]] = []  # id, repo, rev, patch, expected
    for n, fix in enumerate(CALC_FIXES):
        patch = _diff(calc, "calc.py", CALC.replace("return a - b", fix))
        cases.append((f"calc__fix-{n}", calc, calc_rev, patch, "resolved"))
    for n, fix in enumerate(TEXT_FIXES):
        patch = _diff(text, "text.py", TEXT.replace("return text.lower() + '!'", fix))
        cases.append((f"text__fix-{n}", text, text_rev, patch, "resolved"))
    wrong = _diff(calc, "calc.py", CALC.replace("return a - b", "return a * b"))
    cases.append(("calc__wrong", calc, calc_rev, wrong, "unresolved"))
    regress = CALC.replace("return a - b", "return a + b").replace("return a * b", "return 0")
    cases.append(
        ("calc__regression", calc, calc_rev, _diff(calc, "calc.py", regress), "unresolved")
    )
    lower = _diff(text, "text.py", TEXT.replace("text.lower() + '!'", "text.lower() + '?'"))
    cases.append(("text__wrong", text, text_rev, lower, "unresolved"))
    broken = TEXT.replace("text.lower()", "text.upper()").replace("text.split()", "[text]")
    cases.append(("text__regression", text, text_rev, _diff(text, "text.py", broken), "unresolved"))
    cases.append(("text__malformed", text, text_rev, "this is not a diff\n", "unresolved"))
    cases.append(("calc__empty", calc, calc_rev, "", "empty_patch"))
    edits = _diff(calc, "tests/test_calc.py", CALC_TESTS.replace("== 5", "== -1"))
    cases.append(("calc__edits-tests", calc, calc_rev, edits, "unresolved"))
    stale = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def nope(a, b):\n-    x\n+    y\n"
    cases.append(("calc__does-not-apply", calc, calc_rev, stale, "unresolved"))
    hang = CALC.replace("return a - b", "import time; time.sleep(600)")
    cases.append(("calc__hangs", calc, calc_rev, _diff(calc, "calc.py", hang), "error"))
    tests = {
        calc: (["tests/test_calc.py::test_add"], ["tests/test_calc.py::test_mul"]),
        text: (["tests/test_text.py::test_shout"], ["tests/test_text.py::test_words"]),
    }
    instances, predictions, expected = [], [], {}
    for copy in range(copies):
        for number, (name, repo, rev, patch, verdict) in enumerate(cases):
            instance_id = name if copies == 1 else f"{name}-c{copy}"
            if copy:  # another copy is another prediction: vary the diff (a different key)
                patch = _vary(patch, f"  # copy {copy}")
            instance: dict[str, object] = {
                "instance_id": instance_id,
                "repo": str(repo),
                "base_commit": rev,
            }
            if number % 2 == 0:
                f2p, p2p = tests[repo]
                # SWE-bench's files carry these lists JSON-encoded.
                instance["FAIL_TO_PASS"] = orjson.dumps(f2p).decode()
                instance["PASS_TO_PASS"] = orjson.dumps(p2p).decode()
            instances.append(instance)
            predictions.append(
                {"instance_id": instance_id, "model_name_or_path": model, "model_patch": patch}
            )
            expected[instance_id] = verdict
    instances_path, predictions_path = root / "instances.jsonl", root / "predictions.jsonl"
    instances_path.write_bytes(b"".join(orjson.dumps(i) + b"\n" for i in instances))
    predictions_path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in predictions))
    return SampleBatch(instances_path, predictions_path, expected)
