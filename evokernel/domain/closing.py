"""``Closing``: ``with thing:`` closes ``thing`` on the way out (httpx's ``Client`` shape).

Written once here instead of an ``__enter__``/``__exit__`` pair in every class that holds a
resource (the kernel's store, the GitHub client's connection pool).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


class Closing(ABC):
    """A resource holder usable as a context manager; subclasses say how to ``close``."""

    @abstractmethod
    def close(self) -> None:
        """Release what this object holds."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
