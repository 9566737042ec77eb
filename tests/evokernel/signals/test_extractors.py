"""Each extractor on the output shapes it must read; the registry's merge and signature."""

from __future__ import annotations

import pytest

from evokernel.domain.signals import (
    Extractor,
    Signal,
    SignalSource,
    SignalStrength,
    default_extractors,
    extract_signal_values,
    extract_signals,
    failure_signature,
    gene_id_for,
)

# pytest 9 output for a module that fails to import (collection error), as pytest prints it.
COLLECTION_ERROR = """\
==================================== ERRORS ====================================
_____________________ ERROR collecting tests/test_mod.py ______________________
ImportError while importing test module '/tmp/pytest-of-root/pytest-3/r0/tests/test_mod.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
/root/.pyenv/versions/3.11.7/lib/python3.11/importlib/__init__.py:126: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
tests/test_mod.py:1: in <module>
    from app import nothere
E   ImportError: cannot import name 'nothere' from 'app' (/tmp/pytest-of-root/pytest-3/r0/app/x.py)
=========================== short test summary info ============================
ERROR tests/test_mod.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
1 error in 0.12s
"""


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "ModuleNotFoundError: No module named 'yaml.constructor'",
            "missing-module:yaml.constructor",
        ),
        (
            "ImportError: cannot import name 'x' from 'pkg.mod' (/a/b/mod.py)",
            "import-error:pkg.mod.x",
        ),
        (
            "ImportError: cannot import name 'y' from partially initialized module 'm' "
            "(most likely due to a circular import) (/a/m.py)",
            "import-error:m.y",
        ),
        ("AttributeError: module 'os' has no attribute 'foo'", "missing-attribute:os.foo"),
        (
            "AttributeError: 'NoneType' object has no attribute 'id'",
            "missing-attribute:NoneType.id",
        ),
        ("AttributeError: type object 'Cart' has no attribute 'tax'", "missing-attribute:Cart.tax"),
        ("NameError: name 'totl' is not defined. Did you mean: 'total'?", "undefined-name:totl"),
        (
            "UnboundLocalError: cannot access local variable 'n' where it is not associated "
            "with a value",
            "unbound-local:n",
        ),
        ("KeyError: 'sku'", "missing-key:sku"),
        (
            "TypeError: f() missing 1 required positional argument: 'x'",
            "exception-message:TypeError: f() missing <n> required positional argument: 'x'",
        ),
    ],
)
def test_exception_messages_become_templated_signals(message: str, expected: str) -> None:
    raw = f'Traceback (most recent call last):\n  File "/x/a.py", line 1, in <module>\n{message}\n'
    pytest_e = f"E       {message}\n"
    exc_type = message.split(":", 1)[0]
    for text in (raw, pytest_e):
        signals = extract_signals({"log": text})
        assert expected in signals
        assert f"exception:{exc_type}" in signals


def test_collection_error_gives_error_not_failure() -> None:
    signals = extract_signals({"pytest": COLLECTION_ERROR})
    assert failure_signature(signals) == [
        "exception:ImportError",
        "import-error:app.nothere",
        "test-error:tests/test_mod.py",
    ]


def test_outcomes_distinguish_failed_from_error_and_ignore_the_rest() -> None:
    outcomes = {
        "tests/t.py::test_a": "failed",
        "tests/t.py::test_b": "error",
        "tests/t.py::test_c": "passed",
        "tests/t.py::test_d": "skipped",
    }
    assert extract_signals({}, outcomes) == [
        "test-error:tests/t.py::test_b",
        "test-failed:tests/t.py::test_a",
    ]


def test_summary_lines_give_node_ids_even_when_the_message_is_cut() -> None:
    text = (
        "FAILED tests/test_x.py::TestA::test_b[1-2] - AssertionError: long message cut by wid...\n"
        "FAILED tests/test_x.py::test_c\n"
        "FAILED (failures=1)\n"
    )
    assert extract_signals({"log": text}) == [
        "test-failed:tests/test_x.py::TestA::test_b[1-2]",
        "test-failed:tests/test_x.py::test_c",
    ]


def test_flake8_and_pylint_codes_are_lint_signals() -> None:
    text = "app/a.py:1:1: F401 'os' imported but unused\napp/a.py:1:0: C0114: Missing docstring\n"
    assert extract_signals({"lint": text}) == ["lint:C0114", "lint:F401"]


def test_mypy_without_error_codes_gives_only_a_weak_message() -> None:
    text = 'a.py:3: error: Name "x" is not defined\na.py:4: note: See docs\nFound 1 error\n'
    values = extract_signal_values({"mypy": text})
    assert [str(v) for v in values] == ['mypy-message:Name "x" is not defined']
    assert failure_signature(values) == []


def test_gcc_linker_errors_and_warning_flags() -> None:
    text = (
        "/usr/bin/ld: /tmp/ccAbc123.o: in function `main':\n"
        "prog.c:(.text+0x1e): undefined reference to `undefined_fn'\n"
        "collect2: error: ld returned 1 exit status\n"
        "prog.c:4:5: warning: unused variable 'y' [-Wunused-variable]\n"
    )
    signals = extract_signals({"build": text})
    assert signals == ["gcc-warning:-Wunused-variable", "gcc:undefined reference to 'undefined_fn'"]
    assert failure_signature(signals) == ["gcc:undefined reference to 'undefined_fn'"]


def test_generic_error_lines_are_weak_and_skip_summaries() -> None:
    text = (
        "ERROR: Could not find a version that satisfies the requirement foo==1.2.3\n"
        "error: aborting due to 2 previous errors\n"
        "pip: error: no such option: --frob\n"
    )
    values = extract_signal_values({"setup": text})
    assert [str(v) for v in values] == [
        "error:Could not find a version that satisfies the requirement foo==<n>",
        "error:no such option: --frob",
    ]
    assert {v.strength for v in values} == {SignalStrength.WEAK}


def test_signals_read_back_from_strings_keep_their_strength() -> None:
    assert Signal.parse("exception:KeyError").strength is SignalStrength.STRONG
    assert Signal.parse("error:boom").strength is SignalStrength.WEAK
    assert Signal.parse("mypy-message:x").strength is SignalStrength.WEAK
    assert failure_signature(["lint:F401", "error:x", "lint:F401", "exception:E"]) == [
        "exception:E",
        "lint:F401",
    ]
    with pytest.raises(ValueError):
        Signal.parse("no-colon-here")


def test_gene_id_ignores_order_and_duplicates_and_refuses_empty() -> None:
    assert gene_id_for(["b:1", "a:1"]) == gene_id_for(["a:1", "b:1", "a:1"])
    assert gene_id_for(["a:1"]).startswith("gene_")
    assert gene_id_for(["a:1"]) != gene_id_for(["a:2"])
    with pytest.raises(ValueError):
        gene_id_for([])


class _TicketExtractor:
    """A project's own extractor: ``TICKET-123`` lines become ``ticket:123`` signals."""

    name = "ticket"

    def extract(self, text: str, source: SignalSource) -> list[Signal]:
        return [
            Signal(kind="ticket", value=line.split("-", 1)[1])
            for line in text.splitlines()
            if line.startswith("TICKET-")
        ]


def test_extractors_are_pluggable() -> None:
    custom = _TicketExtractor()
    assert isinstance(custom, Extractor)
    text = "TICKET-42\nE   KeyError: 'a'\n"
    assert extract_signals({"log": text}, extractors=[custom]) == ["ticket:42"]
    merged = extract_signals({"log": text}, extractors=[*default_extractors(), custom])
    assert "ticket:42" in merged and "exception:KeyError" in merged


def test_output_is_sorted_and_deduplicated_across_sources() -> None:
    signals = extract_signals(
        {"b": "E   KeyError: 'a'\n", "a": "E   KeyError: 'a'\nE   ValueError: x\n"}
    )
    assert signals == sorted(set(signals))
    assert signals.count("exception:KeyError") == 1
