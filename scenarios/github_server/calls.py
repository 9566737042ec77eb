"""What a handler receives (``Call``) and returns (``Answer``), plus pagination.

Handlers are plain functions ``(Call) -> Answer`` over the world; everything GitHub does on every
request (authentication, rate limits, injected failures, headers) is the gate's job, not theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import URL, QueryParams

from scenarios.github_server.errors import ApiError, validation_failed
from scenarios.github_server.payloads import Urls
from scenarios.github_server.records import Repository, User
from scenarios.github_server.state import World


@dataclass
class Call:
    """One authenticated API request as a handler sees it."""

    world: World
    urls: Urls
    user: User
    url: URL
    params: dict[str, Any]
    query: QueryParams
    body: Any = None

    def repo(self) -> Repository:
        """The repository named by the path, as the caller may see it."""
        return self.world.repo(f"{self.params['owner']}/{self.params['repo']}", viewer=self.user)

    def field(self, name: str, kind: type | tuple[type, ...], required: bool = False) -> Any:
        """A field of the JSON object body, type-checked the way GitHub answers 422."""
        if not isinstance(self.body, dict):
            if required:
                raise ApiError(400, "Problems parsing JSON")
            return None
        value = self.body.get(name)
        if value is None:
            if required:
                raise validation_failed({"field": name, "code": "missing_field"})
            return None
        if not isinstance(value, kind):
            raise validation_failed({"field": name, "code": "invalid"})
        return value


@dataclass
class Answer:
    """A handler's reply: status, JSON body (None for no body) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Answer]


def paginate(call: Call, items: Sequence[Any], default_per_page: int = 30) -> Answer:
    """One page of ``items`` with GitHub's ``Link`` header (next, last, prev, first)."""
    per_page = _positive(call.query.get("per_page"), default_per_page, upper=100)
    page = _positive(call.query.get("page"), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = list(items[(page - 1) * per_page : page * per_page])
    return Answer(200, chunk, _links(call.url, page, last))


def page_slice(call: Call, items: Sequence[Any]) -> tuple[list[Any], dict[str, str]]:
    """Like ``paginate`` but returns the page and headers, for bodies that wrap the list."""
    answer = paginate(call, items)
    return answer.body, answer.headers


def _positive(raw: str | None, default: int, upper: int | None = None) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError as exc:
        raise validation_failed({"field": "page", "code": "invalid"}) from exc
    value = max(value, 1)
    return min(value, upper) if upper else value


def _links(url: URL, page: int, last: int) -> dict[str, str]:
    rels: list[tuple[str, int]] = []
    if page < last:
        rels += [("next", page + 1), ("last", last)]
    if page > 1:
        rels += [("prev", page - 1), ("first", 1)]
    if not rels:
        return {}
    parts = [f'<{url.include_query_params(page=number)}>; rel="{rel}"' for rel, number in rels]
    return {"link": ", ".join(parts)}
