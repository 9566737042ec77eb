"""A client of another node's API; the one module that talks to ``httpx``.

Every ``httpx`` error becomes a ``PeerError`` here (``raise ... from``), and so does any
answer other than 200, with the peer's ``{"error", "detail"}`` when it sent one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import httpx
from pydantic import ValidationError

from evokernel.adapters.network.bundle import Bundle
from evokernel.adapters.network.errors import PeerAddressError, PeerError
from evokernel.adapters.network.importer import ImportReport
from evokernel.adapters.network.revocation import Revocation, RevocationReport
from evokernel.domain.closing import Closing

_Report = TypeVar("_Report", ImportReport, RevocationReport)

FETCH_PATH = "/v1/network/fetch"
"""Route of ``fetch``."""
PUBLISH_PATH = "/v1/network/publish"
"""Route of ``publish``."""
REVOKE_PATH = "/v1/network/revoke"
"""Route of ``revoke``."""


def normalise_peer(peer: str) -> str:
    """The peer's base URL without a trailing slash.

    Raises:
        PeerAddressError: not an http(s) URL with a host (a ``ValueError``: bad input).
    """
    try:
        url = httpx.URL(peer)
    except httpx.InvalidURL as exc:
        raise PeerAddressError(peer, f"not a URL ({exc})") from exc
    if url.scheme not in {"http", "https"} or not url.host:
        raise PeerAddressError(peer, "must be an http(s) URL with a host")
    return str(url).rstrip("/")


class PeerClient(Closing):
    """Talks to one peer's node API with its bearer token.

    Args:
        peer: the peer's base URL (``http://127.0.0.1:8765``).
        token: the peer's bearer token.
        transport: an httpx transport (default: a real connection).
        timeout_s: timeout of each request.
    """

    def __init__(
        self,
        peer: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self.peer = normalise_peer(peer)
        # trust_env=False: no proxy or .netrc from the environment decides where we connect.
        self._client = httpx.Client(
            base_url=self.peer,
            transport=transport,
            timeout=timeout_s,
            trust_env=False,
            headers={"Authorization": f"Bearer {token}"},
        )

    def fetch(self, after: int = 0, signals: Sequence[str] = ()) -> bytes:
        """The peer's bundle of capsules changed after its store position ``after``."""
        params: list[tuple[str, str | int | float | bool | None]] = [("after", after)]
        params += [("signal", s) for s in signals]
        return self._request("GET", FETCH_PATH, params=params).content

    def publish(self, bundle: Bundle) -> ImportReport:
        """Ask the peer to import ``bundle``; its import report."""
        response = self._request("POST", PUBLISH_PATH, content=bundle.to_json())
        return self._parse(ImportReport, response)

    def revoke(self, revocation: Revocation) -> RevocationReport:
        """Send a publisher revoke to the peer; its report."""
        response = self._request("POST", REVOKE_PATH, content=revocation.to_json())
        return self._parse(RevocationReport, response)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise PeerError(self.peer, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise PeerError(
                self.peer,
                f"{method} {path} answered {response.status_code}: {_detail(response)}",
                status=response.status_code,
            )
        return response

    def _parse(self, model: type[_Report], response: httpx.Response) -> _Report:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise PeerError(self.peer, f"unexpected answer: {exc}") from exc


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict) and "detail" in data:
        return f"{data.get('error', 'error')}: {data['detail']}"
    return response.text[:200]
