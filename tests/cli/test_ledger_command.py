"""``evokernel ledger show``: balances, reputation and entries, read from the store."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.cli.conftest import Invoke
from tests.economics.test_ledger import write_history


def test_ledger_show_prints_balances_and_reputation(invoke: Invoke, tmp_path: Path) -> None:
    write_history(tmp_path / "store")

    shown = invoke("ledger", "show", "--store", str(tmp_path / "store"), "--json")
    table = invoke("ledger", "show", "--store", str(tmp_path / "store"), "--account", "node-b")

    data = orjson.loads(shown.stdout)
    by_account = {a["account"]: a for a in data["accounts"]}
    assert by_account["node-a"]["balance"] == -21.5
    assert by_account["node-b"]["reputation"] > 0.5 > by_account["node-a"]["reputation"]
    assert data["savings"]["reuses"] == 0  # no CapsuleReused here: only ledger entries
    assert table.exit_code == 0 and "node-b" in table.stdout and "node-a" not in table.stdout


def test_ledger_show_on_a_missing_store_is_bad_input(invoke: Invoke, tmp_path: Path) -> None:
    assert invoke("ledger", "show", "--store", str(tmp_path / "nothing")).exit_code == 2
