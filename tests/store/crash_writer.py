"""The writer the crash test kills: appends forever and acknowledges what each append returned.

Kept apart from the test module (and free of pytest) so that the forkserver can preload it
and start each writer in a few milliseconds.
"""

from __future__ import annotations

import os
import random
from multiprocessing.connection import Connection
from pathlib import Path

from store import Durability, EventLog

READY = b"ready\n"


def write_until_killed(directory: Path, acks: Connection, seed: int) -> None:
    """Append forever; after each append returns, send its records as ``seq hash`` lines.

    Sends ``ready`` first, before opening the log, so the killer's clock starts when the
    writer runs (a kill can then land in the open and its torn-tail repair too).

    Mixes single appends with large group commits so that some kills land inside a
    multi-kilobyte ``write`` and leave a torn tail, and picks a durability policy per run:
    both promise that a process crash loses nothing an append acknowledged.
    """
    os.write(acks.fileno(), READY)
    rng = random.Random(seed)
    durability = rng.choice(list(Durability))
    with EventLog.open(directory, durability) as log:
        while True:
            if rng.random() < 0.3:
                size = rng.randrange(1, 64)
                items = [("k", {"pad": "x" * rng.randrange(4096)}) for _ in range(size)]
                records = log.append_many(items)
            else:
                records = [log.append("k", {"pad": "y" * rng.randrange(512)})]
            # Raw writes of whole lines: a kill can cut the last line short, never garble it.
            os.write(
                acks.fileno(), b"".join(b"%d %s\n" % (r.seq, r.hash.encode()) for r in records)
            )
