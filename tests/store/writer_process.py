"""A writer run as its own process by the multi-process test: ``python writer_process.py``.

Usage: ``writer_process.py STORE_DIR WRITER_ID COUNT DURABILITY``. Prints ``ready`` once the
log is open, waits for a line on stdin (so all writers start together), appends COUNT records,
prints ``done``.
"""

from __future__ import annotations

import sys

from store import EventLog


def main(directory: str, writer: int, count: int, durability: str) -> None:
    with EventLog.open(directory, durability) as log:
        print("ready", flush=True)
        sys.stdin.readline()
        for n in range(count):
            log.append("k", {"writer": writer, "n": n})
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
