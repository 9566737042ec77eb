"""The Starlette application: routes behind a gate that does what GitHub does on every request.

The gate authenticates (``Authorization: token X`` or ``Bearer X``; 401 otherwise), serves an
injected failure if one matches, charges the rate limit (403 "API rate limit exceeded" when spent),
runs the handler under the world's lock, and puts ``x-ratelimit-*`` headers on every answer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from scenarios.github_server import issues_api, payloads, pulls_api, repos_api
from scenarios.github_server.calls import Answer, Call, Handler
from scenarios.github_server.errors import DOCS_URL, ApiError, not_found
from scenarios.github_server.exchanges import ExchangeLog, ExchangeRecorder
from scenarios.github_server.limits import Failure, FailureKind, FailureQueue, RateLimits, RateState
from scenarios.github_server.payloads import Urls
from scenarios.github_server.records import User
from scenarios.github_server.state import World

_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
_SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


@dataclass
class Gate:
    world: World
    urls: Urls
    tokens: Mapping[str, str]
    limits: RateLimits
    failures: FailureQueue
    prefix: str

    def _user(self, request: Request) -> User | None:
        scheme, _, secret = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer") or secret.strip() not in self.tokens:
            return None
        return self.world.user(self.tokens[secret.strip()])

    def endpoint(self, handler: Handler | None) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            raw = await request.body()
            return self.serve(request, raw, handler)

        return serve

    def serve(self, request: Request, raw: bytes, handler: Handler | None) -> Response:
        path = request.url.path[len(self.prefix) :] or "/"
        resource = "search" if path.startswith("/search/") else "core"
        user = self._user(request)
        if user is None:
            anonymous = self.limits.peek("", "core")
            return _respond(Answer(401, ApiError(401, "Bad credentials").body()), anonymous)
        if handler is None and path == "/rate_limit" and request.method == "GET":
            core, search = (
                self.limits.peek(user.login, "core"),
                self.limits.peek(user.login, "search"),
            )
            return _respond(Answer(200, payloads.rate_limit(core.json(), search.json())), core)
        failure = self.failures.take(request.method, path)
        if failure is not None:
            return self._fail(failure, user, resource)
        state, allowed = self.limits.charge(user.login, resource)
        if not allowed:
            message = f"API rate limit exceeded for user ID {user.id}."
            return _respond(Answer(403, ApiError(403, message).body()), state)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return _respond(Answer(400, ApiError(400, "Problems parsing JSON").body()), state)
        call = Call(
            self.world,
            self.urls,
            user,
            request.url,
            dict(request.path_params),
            request.query_params,
            body,
        )
        try:
            if handler is None:
                raise not_found()
            with self.world.lock:
                answer = handler(call)
        except ApiError as exc:
            answer = Answer(exc.status, exc.body(), exc.headers)
        return _respond(answer, state)

    def _fail(self, failure: Failure, user: User, resource: str) -> Response:
        state = self.limits.peek(user.login, resource)
        if failure.kind is FailureKind.SERVER_ERROR:
            return _respond(Answer(500, {"message": "Server Error"}), state)
        if failure.kind is FailureKind.PRIMARY_RATE_LIMIT:
            reset = failure.reset_at or int(self.world.clock()) + 60
            spent = RateState(state.resource, state.limit, state.limit, reset)
            message = f"API rate limit exceeded for user ID {user.id}."
            return _respond(Answer(403, {"message": message, "documentation_url": DOCS_URL}), spent)
        status = 403 if failure.kind is FailureKind.SECONDARY_RATE_LIMIT else 429
        headers = {} if failure.retry_after is None else {"retry-after": str(failure.retry_after)}
        body = {"message": _SECONDARY, "documentation_url": DOCS_URL}
        return _respond(Answer(status, body, headers), state)


def _respond(answer: Answer, state: RateState) -> Response:
    headers = {
        **state.headers(),
        "x-github-api-version-selected": "2022-11-28",
        "x-github-media-type": "github.v3; format=json",
        "x-github-request-id": uuid.uuid4().hex[:16].upper(),
        **answer.headers,
    }
    if answer.body is None:
        return Response(status_code=answer.status, headers=headers)
    content = json.dumps(answer.body).encode()
    return Response(content, answer.status, headers, media_type="application/json; charset=utf-8")


def build_app(gate: Gate, log: ExchangeLog) -> ExchangeRecorder:
    """Every route of the three API modules, ``/rate_limit``, and a 404 for anything else."""
    routes = [
        Route(gate.prefix + path, gate.endpoint(handler), methods=[method])
        for module in (repos_api, issues_api, pulls_api)
        for method, path, handler in module.ROUTES
    ]
    routes.append(Route(gate.prefix + "/rate_limit", gate.endpoint(None), methods=["GET"]))
    routes.append(Route(gate.prefix + "/{rest:path}", gate.endpoint(None), methods=_METHODS))
    return ExchangeRecorder(Starlette(routes=routes), log, gate.prefix)
