"""The node's HTTP API: Starlette routes that ``evokernel serve`` mounts.

Every route requires ``Authorization: Bearer <token>``: no header (or not a bearer) is
401, a wrong token is 403. Routes::

    GET  /v1/network/fetch?signal=S&signal=T&after=SEQ   a signed bundle of this node's
                                                       exportable capsules (export_bundle)
    POST /v1/network/publish                           import a bundle (import_bundle)
    POST /v1/network/revoke                            apply a publisher revoke

A refused message answers ``{"error": "<ErrorClass>", "detail": "..."}`` with 400 (format),
403 (untrusted, bad signature, not the publisher), 404 (unknown capsule), 409 (replay), 413
(body too large) or 422 (hash or content mismatch); the store is unchanged. A store that
cannot be used answers 503. Store and crypto
work runs in the thread pool, never on the event loop.

Use: ``network_routes(open_node_api(store_dir, token))`` gives the routes; the server
(``evokernel.adapters.server``) adds them to its app next to ``/metrics`` and ``/healthz``.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from evokernel.adapters.network.client import FETCH_PATH, PUBLISH_PATH, REVOKE_PATH
from evokernel.adapters.network.errors import (
    BundleContentError,
    BundleHashError,
    BundleReplayError,
    MessageFormatError,
    MessageRefusedError,
    NetworkError,
)
from evokernel.adapters.network.export import export_store
from evokernel.adapters.network.identity import NodeIdentity, default_node_dir
from evokernel.adapters.network.importer import import_bundle
from evokernel.adapters.network.revocation import apply_revocation
from evokernel.adapters.network.trust import TrustStore
from evokernel.application.projection import EvolutionRepository
from evokernel.errors import AssetNotFoundError
from store import StoreError

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024 * 1024
"""Largest request body accepted by publish and revoke."""

MAX_AFTER_DIGITS = 18
"""Longest ``after`` a fetch accepts: any store position fits in 18 digits."""

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class NodeApiState:
    """What the node API needs: the store, this node's identity, its peers, the token."""

    store_dir: Path
    """The node's store directory."""
    identity: NodeIdentity
    """Signs the bundles ``fetch`` returns."""
    trust: TrustStore
    """Trusted peers: who may publish and revoke here."""
    token: str
    """The bearer token every request must carry."""
    tofu: bool = False
    """Trust unknown publishers on first use (off by default)."""
    max_body_bytes: int = MAX_BODY_BYTES
    """Largest request body accepted."""


def open_node_api(
    store_dir: Path, token: str, *, node_dir: Path | None = None, tofu: bool = False
) -> NodeApiState:
    """The API state of the node at ``store_dir`` (identity and peers from ``node_dir``,
    by default ``<store_dir>/node``).

    Raises:
        ValueError: ``token`` is empty (the API is never served without one).
        KeyFileNotFoundError, KeyFilePermissionError, IdentityError: no usable node key.
    """
    if not token:
        raise ValueError("the node API needs a non-empty bearer token")
    directory = node_dir or default_node_dir(store_dir)
    return NodeApiState(
        store_dir=store_dir,
        identity=NodeIdentity.load(directory),
        trust=TrustStore.of_node(directory),
        token=token,
        tofu=tofu,
    )


def network_routes(state: NodeApiState) -> list[Route]:
    """The node API's routes over ``state`` (each one behind the bearer token)."""
    if not state.token:
        raise ValueError("the node API needs a non-empty bearer token")
    return [
        Route(FETCH_PATH, _guarded(state, _fetch), methods=["GET"]),
        Route(PUBLISH_PATH, _guarded(state, _publish), methods=["POST"]),
        Route(REVOKE_PATH, _guarded(state, _revoke), methods=["POST"]),
    ]


def _guarded(
    state: NodeApiState, handler: Callable[[NodeApiState, Request], Awaitable[Response]]
) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented:
            return _error(401, "Unauthorized", "a bearer token is required", bearer=True)
        if not hmac.compare_digest(presented.strip().encode(), state.token.encode()):
            return _error(403, "Forbidden", "the bearer token is not valid here")
        try:
            return await handler(state, request)
        except MessageRefusedError as exc:
            logger.warning("refused %s: %s", request.url.path, exc)
            return _error(_status_for(exc), type(exc).__name__, str(exc))
        except AssetNotFoundError as exc:
            return _error(404, type(exc).__name__, str(exc))
        except (StoreError, NetworkError) as exc:  # the store is unusable, or the lock is held
            logger.error("%s failed: %s: %s", request.url.path, type(exc).__name__, exc)
            return _error(503, type(exc).__name__, str(exc))

    return endpoint


def _status_for(exc: MessageRefusedError) -> int:
    if isinstance(exc, MessageFormatError):
        return 400
    if isinstance(exc, BundleReplayError):
        return 409
    if isinstance(exc, BundleHashError | BundleContentError):
        return 422
    return 403  # untrusted sender, bad signature, not the publisher


async def _fetch(state: NodeApiState, request: Request) -> Response:
    signals = request.query_params.getlist("signal")
    after_text = request.query_params.get("after", "0")
    # ASCII digits only (str.isdigit also takes "١٢"), and few enough that int() is cheap
    # and never hits Python's limit on digits (4,300).
    if not (after_text.isascii() and after_text.isdigit() and len(after_text) <= MAX_AFTER_DIGITS):
        return _error(
            400,
            "MessageFormatError",
            f"after must be a non-negative integer of at most {MAX_AFTER_DIGITS} ASCII digits",
        )
    bundle = await run_in_threadpool(
        export_store, state.store_dir, state.identity, signals, after_seq=int(after_text)
    )
    return Response(bundle.to_json(), media_type="application/json")


async def _publish(state: NodeApiState, request: Request) -> Response:
    return await _apply_body(
        state,
        request,
        lambda repository, body: import_bundle(repository, body, state.trust, tofu=state.tofu),
    )


async def _revoke(state: NodeApiState, request: Request) -> Response:
    return await _apply_body(
        state, request, lambda repository, body: apply_revocation(repository, body, state.trust)
    )


async def _apply_body(
    state: NodeApiState, request: Request, apply: Callable[[EvolutionRepository, bytes], BaseModel]
) -> Response:
    """Read the body (413 past the limit), ``apply`` it to the store in the thread pool,
    answer its report."""
    body = await _body(request, state.max_body_bytes)
    if body is None:
        return _error(413, "PayloadTooLarge", f"body exceeds {state.max_body_bytes} bytes")

    def in_store() -> BaseModel:
        with EvolutionRepository.open(state.store_dir) as repository:
            return apply(repository, body)

    return _json(await run_in_threadpool(in_store))


async def _body(request: Request, limit: int) -> bytes | None:
    """The request body, or ``None`` once it grows past ``limit`` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _json(model: BaseModel) -> Response:
    return Response(orjson.dumps(model.model_dump(mode="json")), media_type="application/json")


def _error(status: int, error: str, detail: str, *, bearer: bool = False) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if bearer else None
    return Response(
        orjson.dumps({"error": error, "detail": detail}),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )
