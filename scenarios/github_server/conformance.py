"""Check recorded exchanges against GitHub's official OpenAPI description.

The description comes from the npm package ``@octokit/openapi`` at the version pinned in
``OPENAPI_VERSION`` (file ``generated/api.github.com.json``), fetched with ``npm pack`` into a
cache directory on first use. Validation is done by ``openapi-core``: for every exchange, the
request (path, query, headers, body) must match an operation of the description, and the
response must match that operation's documented answer for its status code.

One rule goes beyond a plain lookup: GitHub answers 401, 403, 429 and 5xx on every endpoint
(bad credentials, rate limits, outages) but documents those statuses only on some operations.
When such a status is not documented for the operation, its body is validated against the
description's own ``basic-error`` schema instead; any other undocumented status is a violation.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from scenarios.github_server.exchanges import Exchange

PACKAGE = "@octokit/openapi"
MEMBER = "package/generated/api.github.com.json"
VERSION_FILE = Path(__file__).with_name("OPENAPI_VERSION")
HOST_URL = "https://api.github.com"
GENERIC_ERROR_STATUSES = frozenset({401, 403, 429, 500, 502, 503, 504})


class DescriptionUnavailableError(RuntimeError):
    """The pinned OpenAPI description could not be fetched (npm failed or the file is wrong)."""


def pinned_version() -> str:
    """The exact ``@octokit/openapi`` version the suite validates against."""
    return VERSION_FILE.read_text().strip()


def fetch_description(cache_dir: Path, version: str | None = None, npm: str = "npm") -> Path:
    """Return the path of ``api.github.com.json`` for ``version``, fetching it once with npm.

    The file lands in ``<cache_dir>/<version>/api.github.com.json``; concurrent callers are
    serialized by a lock file and the file is moved into place atomically.

    Raises:
        DescriptionUnavailableError: npm failed, or the package holds no such file or version.
    """
    from filelock import FileLock

    version = version or pinned_version()
    target_dir = cache_dir / version
    target = target_dir / "api.github.com.json"
    if target.is_file():
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target_dir / ".lock"), timeout=600):
        if target.is_file():
            return target
        with tempfile.TemporaryDirectory(dir=target_dir) as scratch:
            done = subprocess.run(
                [npm, "pack", f"{PACKAGE}@{version}", "--pack-destination", scratch, "--silent"],
                cwd=scratch,
                capture_output=True,
                text=True,
                timeout=600,
            )
            tarballs = list(Path(scratch).glob("*.tgz"))
            if done.returncode != 0 or len(tarballs) != 1:
                detail = done.stderr[-2000:]
                raise DescriptionUnavailableError(
                    f"npm pack {PACKAGE}@{version} failed ({done.returncode}): {detail}"
                )
            with tarfile.open(tarballs[0]) as archive:
                member = archive.extractfile(MEMBER)
                if member is None:
                    raise DescriptionUnavailableError(f"{MEMBER} missing from {tarballs[0].name}")
                partial = Path(scratch) / "api.github.com.json"
                partial.write_bytes(member.read())
            found = json.loads(partial.read_bytes()).get("info", {}).get("version")
            if found != version:
                raise DescriptionUnavailableError(f"description says version {found!r}")
            partial.replace(target)
    return target


@dataclass(frozen=True)
class Violation:
    """One way an exchange departs from the description."""

    method: str
    path: str
    status: int
    part: str
    """``request`` or ``response``."""
    detail: str

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}: {self.part}: {self.detail}"


class _Request:
    """An exchange's request in the shape openapi-core reads (its ``Request`` protocol)."""

    def __init__(self, exchange: Exchange) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = HOST_URL
        self.path = exchange.path
        self.method = exchange.method.lower()
        self.body: bytes | None = exchange.request_body or None
        headers = Headers(list(exchange.request_headers))
        self.content_type = (headers.get("content-type") or "").lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(exchange.query)),
            header=headers,
            cookie=ImmutableMultiDict(),
        )


class _Response:
    """An exchange's response in the shape openapi-core reads (its ``Response`` protocol)."""

    def __init__(self, exchange: Exchange) -> None:
        from werkzeug.datastructures import Headers

        self.status_code = exchange.status
        self.headers = Headers(list(exchange.response_headers))
        self.content_type = (self.headers.get("content-type") or "").lower()
        self.data: bytes | None = exchange.response_body or None


class OpenAPIConformance:
    """Validates exchanges against one loaded description. Load once per session; reuse."""

    def __init__(self, description: Path) -> None:
        import orjson
        from openapi_core import Config, OpenAPI

        self.description = description
        self._document: dict[str, Any] = orjson.loads(description.read_bytes())
        # GitHub's description is trusted input; validating the 13 MB document itself is slow
        self._api = OpenAPI.from_dict(self._document, config=Config(spec_validator_cls=None))
        self.version = str(self._document["info"]["version"])

    @cached_property
    def _basic_error(self) -> Any:
        from openapi_schema_validator import OAS30Validator, oas30_format_checker

        schema = self._document["components"]["schemas"]["basic-error"]
        return OAS30Validator(schema, format_checker=oas30_format_checker)

    def check(self, exchange: Exchange) -> list[Violation]:
        """Every violation in one exchange; an empty list when it conforms."""
        from openapi_core.templating.responses.exceptions import ResponseNotFound

        request, response = _Request(exchange), _Response(exchange)
        found = [
            self._violation(exchange, "request", err)
            for err in self._api.iter_request_errors(request)
        ]
        if found:
            return found
        for err in self._api.iter_response_errors(request, response):
            if isinstance(err, ResponseNotFound) and exchange.status in GENERIC_ERROR_STATUSES:
                found += self._generic_error(exchange)
            else:
                found.append(self._violation(exchange, "response", err))
        return found

    def _generic_error(self, exchange: Exchange) -> list[Violation]:
        try:
            body = json.loads(exchange.response_body)
        except ValueError:
            return [_departure(exchange, "response", "error body is not JSON")]
        return [
            _departure(
                exchange, "response", f"basic-error: {err.message} at {list(err.absolute_path)}"
            )
            for err in self._basic_error.iter_errors(body)
        ]

    def check_all(self, exchanges: Iterable[Exchange]) -> list[Violation]:
        return [violation for exchange in exchanges for violation in self.check(exchange)]

    @staticmethod
    def _violation(exchange: Exchange, part: str, err: Exception) -> Violation:
        details = getattr(err, "details", None)
        text = str(err)
        if isinstance(details, dict) and details.get("schema_errors"):
            parts = [f"{e['message']} at {e['path']}" for e in details["schema_errors"]]
            text = f"{type(err).__name__}: " + "; ".join(parts)
        return _departure(exchange, part, text[:2000])


def _departure(exchange: Exchange, part: str, detail: str) -> Violation:
    """The violation ``detail`` of ``exchange``'s ``part`` (request or response)."""
    return Violation(exchange.method, exchange.path, exchange.status, part, detail)


def assert_conformant(conformance: OpenAPIConformance, exchanges: Iterable[Exchange]) -> int:
    """Test helper: raise AssertionError listing every violation; return how many were checked.

    Raises:
        AssertionError: at least one exchange does not conform.
    """
    items = list(exchanges)
    violations = conformance.check_all(items)
    if violations:
        listing = "\n".join(f"  {violation}" for violation in violations[:50])
        raise AssertionError(
            f"{len(violations)} OpenAPI violation(s) in {len(items)} exchange(s) "
            f"({PACKAGE}@{conformance.version}):\n{listing}"
        )
    return len(items)
