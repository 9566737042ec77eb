"""Normalization removes what varies between runs, and nothing is normalized twice."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from evokernel.domain.signals import extract_signals, normalize_text, strip_diff_noise
from evokernel.domain.signals.normalize import message_template, normalize_paths

_NOISY = st.text(
    alphabet=st.sampled_from([*"/abcdefx0123456789-_.:~ \n\t'\"()[]=<>,\\CTms\x1b[;", "‘"]),
    max_size=80,
)
_SEGMENT = st.text(alphabet=string.ascii_lowercase + string.digits + "_-", min_size=1, max_size=12)
_DIR = st.lists(_SEGMENT, min_size=1, max_size=4).map(lambda parts: "/tmp/" + "/".join(parts))

_TEMPLATES = [
    'File "{root}/app/cart.py", line 12, in total',
    "ImportError: cannot import name 'x' from 'app' ({root}/app/__init__.py)",
    "FileNotFoundError: [Errno 2] No such file or directory: '{root}/data/config.yaml'",
    "rootdir: {root}\nconfigfile: {root}/pyproject.toml",
    "{root}/src/a.c:3:20: error: 'missing_var' undeclared",
]


@given(st.text(max_size=200))
def test_normalize_is_idempotent_on_any_text(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(_NOISY)
def test_normalize_is_idempotent_on_path_and_number_noise(text: str) -> None:
    once = normalize_text(text, repo_root="/tmp/repo")
    assert normalize_text(once, repo_root="/tmp/repo") == once


@given(_DIR, _DIR, st.sampled_from(_TEMPLATES))
def test_repo_root_is_removed_wherever_the_repo_lives(
    first: str, second: str, template: str
) -> None:
    one = normalize_text(template.format(root=first), repo_root=first)
    two = normalize_text(template.format(root=second), repo_root=second)
    assert one == two
    assert "/tmp/" not in one


@given(_DIR, _DIR, st.sampled_from(_TEMPLATES))
def test_unknown_temp_dirs_normalize_alike(first: str, second: str, template: str) -> None:
    """Without the repo root, absolute paths still collapse to ``<path>`` plus a file name."""
    assert normalize_text(template.format(root=first)) == normalize_text(
        template.format(root=second)
    )


@given(_DIR, _DIR)
def test_extracted_signals_do_not_depend_on_the_directory(first: str, second: str) -> None:
    log = (
        "Traceback (most recent call last):\n"
        '  File "{root}/main.py", line 1, in <module>\n'
        "    import app.config\n"
        "ValueError: could not read {root}/settings/local.ini at 0x7f3a2b1c, took 0.25s\n"
    )
    signals = [
        extract_signals({"stderr": log.format(root=root)}, repo_root=root)
        for root in (first, second)
    ]
    assert signals[0] == signals[1]


def test_what_varies_between_runs_becomes_placeholders() -> None:
    text = (
        "at 0x7f402f8e3a60 id 123e4567-e89b-12d3-a456-426614174000 commit 83db48fbf26 "
        "on 2024-05-01T12:00:00Z after 0:00:01, 4 failed, 1 passed in 0.86s (12 ms)"
    )
    assert normalize_text(text) == (
        "at <addr> id <uuid> commit <hash> on <time> after <time>, <n> failed, <n> passed "
        "in <dur> (<dur>)"
    )


def test_identifiers_with_digits_and_urls_are_kept() -> None:
    text = "module py3compat has test_case_1 see https://example.com/a/b"
    assert normalize_text(text) == text


def test_paths_keep_file_names_but_not_temp_names() -> None:
    assert normalize_paths("/tmp/tmpab12xyz/config.yaml") == "<path>/config.yaml"
    assert normalize_paths("/tmp/tmpab12xyz") == "<path>"
    assert normalize_paths("/tmp/pytest-of-root/pytest-7/test_a0") == "<path>"
    assert normalize_paths(r"C:\Users\bob\AppData\Local\Temp\x.py") == "<path>/x.py"
    assert normalize_paths("rootdir: /srv/repo", repo_root="/srv/repo") == "rootdir: ."


def test_curly_quotes_and_colour_codes_are_removed() -> None:
    assert normalize_text("\x1b[91merror\x1b[0m: ‘x’ undeclared") == "error: 'x' undeclared"


def test_message_template_is_cut_at_a_word_boundary() -> None:
    template = message_template("word " * 100, max_chars=30)
    assert len(template) <= 30
    assert template.endswith("word")


def test_diff_blocks_never_become_signals() -> None:
    log = (
        "applying patch\n"
        "diff --git a/app/cart.py b/app/cart.py\n"
        "index 83db48f..bf269f4 100644\n"
        "--- a/app/cart.py\n"
        "+++ b/app/cart.py\n"
        "@@ -1,3 +1,3 @@\n"
        " def total(items):\n"
        "-    raise KeyError('sku')\n"
        "+error: not really an error line\n"
        "new file mode 100755\n"
        "done\n"
    )
    assert strip_diff_noise(log) == "applying patch\ndone"
    assert extract_signals({"log": log}) == []
