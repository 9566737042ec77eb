"""``evokernel serve`` refuses to start the node API without a token (no server is started)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Invoke


def test_serve_refuses_to_start_without_a_token(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(
        "serve", "--store", str(tmp_path / "store"), env={"EVOKERNEL_NETWORK_TOKEN": ""}
    )

    assert result.exit_code == 2
    assert "EVOKERNEL_NETWORK_TOKEN" in result.output
    assert not (tmp_path / "store").exists()  # refused before anything was created
