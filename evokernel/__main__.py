"""``python -m evokernel``: the same command as ``evokernel``."""

from __future__ import annotations

from evokernel.adapters.cli.app import main

if __name__ == "__main__":
    main()
