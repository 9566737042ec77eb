"""Path globs for patch policies: ``**`` crosses directories, ``*`` and ``?`` do not.

A pattern without ``/`` matches a name at any depth (``*.pem``); a pattern that matches a
directory covers everything under it (``secrets`` covers ``secrets/db.txt``).
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """Compile a path glob: ``**`` crosses ``/``, ``*`` and ``?`` do not, ``[...]`` classes."""
    body = pattern.strip("/")
    out: list[str] = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        elif body[i] == "[" and "]" in body[i + 2 :]:
            end = body.index("]", i + 2)
            inner = body[i + 1 : end]
            negate = inner.startswith("!")
            inner = inner[1:] if negate else inner
            out.append("[" + ("^" if negate else "") + inner.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    anchor = "" if "/" in body else "(?:.*/)?"
    return re.compile(anchor + "".join(out) + "(?:/.*)?", re.DOTALL)
