"""Signatures keyed on the code under test: renamed tests keep the key, different bugs differ."""

from __future__ import annotations

from evokernel.application.kernel.locality import changed_functions, hunk_context_functions, reaches
from evokernel.domain.signals import extract_signals, failure_signature, frame_signals, gene_id_for

_SOURCE = (
    b"class Cart:\n    def total(self, items):\n        return items['x']\n\n\n"
    b"def add(a, b):\n    return a - b\n"
)


def _pytest_log(test_file: str, test_name: str, frame: str) -> str:
    return (
        f"___ {test_name} ___\n\n    def {test_name}():\n>       Cart().total({{}})\n\n"
        f"{test_file}:5: \n_ _ _ _\n\n    def total(self, items):\n"
        f">       return items['x']\nE       KeyError: 'x'\n\n{frame}: KeyError\n"
        f"FAILED {test_file}::{test_name} - KeyError: 'x'\n"
    )


def _signature(log: str) -> list[str]:
    read = {"pkg/cart.py": _SOURCE}.get
    return failure_signature(
        extract_signals({"pytest": log}) + [str(s) for s in frame_signals([log], read)]
    )


def test_renamed_test_file_and_function_keep_the_gene() -> None:
    before = _signature(_pytest_log("tests/test_cart.py", "test_total", "pkg/cart.py:3"))
    after = _signature(_pytest_log("tests/unit/test_basket.py", "test_sum", "pkg/cart.py:3"))
    assert "code-frame:pkg/cart.py::Cart.total" in before
    assert before == after and gene_id_for(before) == gene_id_for(after)


def test_same_test_failing_in_another_function_is_another_gene() -> None:
    a = _signature(_pytest_log("tests/test_cart.py", "test_total", "pkg/cart.py:3"))
    b = _signature(_pytest_log("tests/test_cart.py", "test_total", "pkg/cart.py:7"))
    assert gene_id_for(a) != gene_id_for(b)


def test_test_ids_key_a_failure_only_when_nothing_names_the_code() -> None:
    assert failure_signature(["exception:AssertionError", "test-failed:t.py::a"]) == [
        "exception:AssertionError",
        "test-failed:t.py::a",
    ]
    assert failure_signature(["code-call:add", "test-failed:t.py::a"]) == ["code-call:add"]


def test_changed_functions_and_locality() -> None:
    diff = (
        "diff --git a/pkg/cart.py b/pkg/cart.py\n--- a/pkg/cart.py\n+++ b/pkg/cart.py\n"
        "@@ -6,2 +6,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"
    )
    changed = changed_functions(diff, {"pkg/cart.py": _SOURCE}.get)
    assert changed == ["pkg/cart.py::add"]
    assert hunk_context_functions(diff) == ("pkg/cart.py::add",)
    assert reaches(changed, set(), {"add"})
    assert not reaches(changed, {"pkg/cart.py::Cart.total"}, {"mul"})
    # A function that became a method of a class in the same file is still reached ...
    assert reaches(changed, {"pkg/cart.py::Calculator.add"}, set())
    # ... but not one of the same name in another file.
    assert not reaches(changed, {"pkg/other.py::Calculator.add"}, set())
