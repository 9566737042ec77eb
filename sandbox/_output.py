"""Capping captured output: keep the head and the tail, count what was cut from the middle.

Backends feed chunks as they arrive (a reader loop on a pipe, a Docker log stream), so a
100 MB flood never sits in memory: at most ``cap`` bytes plus one chunk are held at a time.
The head shows how a command started, the tail how it ended; the middle is where floods live.
"""

from __future__ import annotations

MARKER_TEMPLATE = "\n[... evokernel: {dropped} bytes dropped from the middle ...]\n"
"""Inserted between head and tail when output was cut; names how many bytes were dropped."""


class HeadTailBuffer:
    """A streaming byte sink that keeps the first and last bytes of a stream up to a cap.

    Args:
        cap: maximum bytes kept in total; half (rounded up) for the head, the rest for the tail.
    """

    def __init__(self, cap: int) -> None:
        if cap < 2:
            raise ValueError("cap must be at least 2 bytes")
        self.cap = cap
        self._head_cap = (cap + 1) // 2
        self._tail_cap = cap - self._head_cap
        self._head = bytearray()
        self._tail = bytearray()
        self.total_bytes = 0
        """Bytes fed so far, kept or not."""

    def feed(self, chunk: bytes) -> None:
        """Add the next chunk of the stream."""
        if not chunk:
            return
        self.total_bytes += len(chunk)
        room = self._head_cap - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
            if not chunk:
                return
        if len(chunk) >= self._tail_cap:
            self._tail = bytearray(chunk[len(chunk) - self._tail_cap :])
            return
        self._tail += chunk
        # Trim lazily (at twice the cap) so a stream of tiny chunks does not copy on every feed.
        if len(self._tail) > 2 * self._tail_cap:
            del self._tail[: len(self._tail) - self._tail_cap]

    @property
    def dropped_bytes(self) -> int:
        """Bytes cut from the middle (0 when everything fitted)."""
        return max(0, self.total_bytes - self.cap)

    def getvalue(self) -> bytes:
        """The kept bytes: everything, or head + marker + tail when the stream was cut."""
        tail = bytes(self._tail[len(self._tail) - self._tail_cap :]) if self._tail_cap else b""
        if self.dropped_bytes == 0:
            return bytes(self._head) + bytes(self._tail)
        marker = MARKER_TEMPLATE.format(dropped=self.dropped_bytes).encode()
        return bytes(self._head) + marker + tail

    def text(self) -> str:
        """The kept bytes decoded as UTF-8 (undecodable bytes replaced, never raised)."""
        return self.getvalue().decode("utf-8", errors="replace")


def cap_output(data: bytes, cap: int) -> tuple[str, int]:
    """Cap a whole byte string at once.

    Returns:
        The kept text (head, marker, tail) and the number of bytes dropped.
    """
    buffer = HeadTailBuffer(cap)
    buffer.feed(data)
    return buffer.text(), buffer.dropped_bytes
