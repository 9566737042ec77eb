"""Reading instances and predictions in SWE-bench's field names: what is accepted, and bad
input refused with a message naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from evokernel.application.eval import EvalInputError, RepoCache, load_instances, load_predictions
from evokernel.application.eval.batch import check_batch


def _write(path: Path, rows: list[object]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return path


def test_json_encoded_test_lists_are_decoded(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "i.jsonl",
        [
            {
                "instance_id": "a__b-1",
                "repo": "/r",
                "base_commit": "abc",
                "FAIL_TO_PASS": '["t.py::test_x"]',
                "PASS_TO_PASS": ["t.py::test_y"],
                "problem_statement": "ignored, as the harness's other fields are",
            }
        ],
    )
    [instance] = load_instances(path)
    assert instance.fail_to_pass == ["t.py::test_x"]
    assert instance.pass_to_pass == ["t.py::test_y"]


def test_evokernel_proposal_lines_are_accepted(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "p.jsonl",
        [
            {
                "instance_id": "a__b-1",
                "diff": "--- a/x\n",
                "proposer": {"agent": "me", "model": "m1"},
            }
        ],
    )
    [prediction] = load_predictions(path)
    assert (prediction.model_name_or_path, prediction.model_patch) == ("m1", "--- a/x\n")


def test_a_line_that_is_not_json_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"instance_id": "x"}\n\n{oops\n')
    with pytest.raises(EvalInputError, match=r"p\.jsonl:3: not valid JSON"):
        load_predictions(path)


def test_a_repeated_instance_id_is_refused(tmp_path: Path) -> None:
    row = {"instance_id": "x", "model_patch": ""}
    with pytest.raises(EvalInputError, match="'x' appears twice"):
        load_predictions(_write(tmp_path / "p.jsonl", [row, row]))


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    with pytest.raises(EvalInputError, match="item 1: base_commit: Field required"):
        load_instances(_write(tmp_path / "i.jsonl", [{"instance_id": "x", "repo": "/r"}]))


def test_a_repository_that_does_not_exist_is_bad_input(tmp_path: Path) -> None:
    instances = load_instances(
        _write(
            tmp_path / "i.jsonl",
            [{"instance_id": "x", "repo": str(tmp_path / "no"), "base_commit": "a"}],
        )
    )
    predictions = load_predictions(_write(tmp_path / "p.jsonl", [{"instance_id": "x"}]))
    with pytest.raises(EvalInputError, match="not a git repository"):
        check_batch(instances, predictions, RepoCache(tmp_path / "cache"))


def test_a_clone_url_is_cloned_once_and_holds_the_commit(tmp_path: Path) -> None:
    from evokernel.demo.repos import commit, git

    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    sha = commit(origin, {"a.py": "x = 1\n"}, "first")
    cache = RepoCache(tmp_path / "cache")
    first = cache.path(f"file://{origin}", sha)
    newer = commit(origin, {"a.py": "x = 2\n"}, "second")
    again = cache.path(f"file://{origin}", newer)  # a commit the clone lacks: fetched
    assert first == again
    assert first.parent == tmp_path / "cache"
    assert git(first, "cat-file", "-t", newer) == "commit"
    with cache.checkout(f"file://{origin}", newer) as clone:
        assert git(clone, "cat-file", "-t", newer) == "commit"
