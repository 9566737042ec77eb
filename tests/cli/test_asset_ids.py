"""Asset ids accept unique prefixes, and revoking a gene says revoke takes capsules."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke
from tests.report.conftest import write_known_store


def _known(tmp_path: Path) -> str:
    store = tmp_path / "known-store"
    write_known_store(store)
    return str(store)


def test_assets_show_takes_a_unique_prefix(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--store", _known(tmp_path), "assets", "show", "capsule_b", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["capsule"]["capsule_id"] == "capsule_b1"


def test_an_ambiguous_prefix_lists_what_it_matches(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--store", _known(tmp_path), "assets", "show", "capsule_")
    assert result.exit_code == 2
    words = " ".join(result.output.split())
    assert "AmbiguousIdError: 'capsule_' matches 3 ids: capsule_a1, capsule_b1, capsule_c1" in words


def test_revoking_a_gene_says_revoke_takes_capsules(invoke: Invoke, tmp_path: Path) -> None:
    store = _known(tmp_path)
    before = (Path(store) / "events.jsonl").read_bytes()
    result = invoke("--store", store, "assets", "revoke", "gene_aaaa")
    assert result.exit_code == 2
    words = " ".join(result.output.split())
    assert "NotACapsuleError: gene_aaaa1111 is a gene; revoke takes a capsule id" in words
    assert "capsule_a1" in words
    assert (Path(store) / "events.jsonl").read_bytes() == before  # nothing recorded


def test_revoke_takes_a_prefix(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--store", _known(tmp_path), "assets", "revoke", "capsule_a", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["capsule_id"] == "capsule_a1"
