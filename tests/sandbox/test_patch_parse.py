"""The one unified-diff parser: bytes in, exact bytes out, problems recorded rather than raised."""

from __future__ import annotations

import pytest

from sandbox import DiffSyntaxError, parse_patch

CRLF_DIFF = (
    b"diff --git a/calc.py b/calc.py\n"
    b"index 1111111..2222222 100644\n"
    b"--- a/calc.py\n"
    b"+++ b/calc.py\n"
    b"@@ -3,2 +3,2 @@ class Calc:\n"
    b"     def add(self, a, b):\r\n"
    b"-        return a - b\r\n"
    b"+        return a + b\xff\r\n"
    b"\\ No newline at end of file\n"
)


def test_hunk_lines_keep_carriage_returns_and_non_utf8_bytes() -> None:
    (section,) = parse_patch(CRLF_DIFF).files
    (hunk,) = section.hunks
    assert section.old_path == section.new_path == "calc.py"
    assert section.old_blob == "1111111"
    assert hunk.section == "class Calc:"
    assert hunk.old_lines == [b"    def add(self, a, b):\r\n", b"        return a - b\r\n"]
    # "\ No newline at end of file" takes the newline (only) off the line before it.
    assert hunk.new_lines[-1] == b"        return a + b\xff\r"


def test_text_with_surrogate_escapes_parses_to_the_same_bytes() -> None:
    as_text = CRLF_DIFF.decode("utf-8", "surrogateescape")
    assert parse_patch(as_text).files[0].hunks == parse_patch(CRLF_DIFF).files[0].hunks
    assert parse_patch(as_text).raw == CRLF_DIFF


def test_a_last_line_without_newline_is_read_as_git_reads_it() -> None:
    (section,) = parse_patch("--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b").files
    assert section.hunks[0].lines == [("-", b"a\n"), ("+", b"b\n")]


def test_short_counts_take_following_context_and_never_a_mail_signature() -> None:
    diff = "--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n+b\n c\n-- \n2.39.2\n"
    (hunk,) = parse_patch(diff).files[0].hunks
    assert hunk.lines == [("-", b"a\n"), ("+", b"b\n"), (" ", b"c\n")]
    assert hunk.recounted


@pytest.mark.parametrize(
    ("diff", "message"),
    [
        ("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n", "diff ends inside a hunk"),
        ("@@ -1 +1 @@\n-a\n+b\n", "hunk before any file header"),
        ("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n?b\n+c\n", "unexpected line in hunk"),
        ("--- a/x\n+++ b/x\n@@ -one +1 @@\n", "bad hunk header"),
    ],
)
def test_malformed_hunks_are_recorded_not_raised(diff: str, message: str) -> None:
    problems = parse_patch(diff).problems
    assert problems and problems[0].message.startswith(message) and problems[0].line >= 1


def test_bad_quoting_raises_with_its_line() -> None:
    with pytest.raises(DiffSyntaxError) as caught:
        parse_patch('x\n--- "a/x\\q"\n+++ b/x\n')
    assert caught.value.line == 2
