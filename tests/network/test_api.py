"""The node API over a real uvicorn server on loopback: the token, each route, and sync."""

from __future__ import annotations

import inspect
import socket
from collections.abc import Iterator
from dataclasses import replace

import httpx
import orjson
import pytest

from evokernel.adapters.network import (
    CursorStore,
    NodeApiState,
    PeerError,
    UntrustedSenderError,
    export_store,
    network_routes,
    open_node_api,
    sign_revocation,
    sync_from_peer,
    verify_bundle,
)
from evokernel.adapters.network.client import PeerClient
from evokernel.adapters.network.sync import CURSORS_NAME
from evokernel.application.projection import EvolutionRepository
from evokernel.domain.models import AssetState
from tests.network.conftest import MakeNode, Node, capsule_id, local_events
from tests.network.server import serving

TOKEN = "test-token-4f1c"
ROUTES = [
    ("GET", "/v1/network/fetch"),
    ("POST", "/v1/network/publish"),
    ("POST", "/v1/network/revoke"),
]


def state_of(node: Node) -> NodeApiState:
    return open_node_api(node.store_dir, TOKEN)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=30) as http:
        yield http


@pytest.fixture
def receiver_url(receiver: Node) -> Iterator[str]:
    """Node B's API, served for real."""
    with serving(network_routes(state_of(receiver))) as url:
        yield url


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_request_without_a_token_is_401_and_changes_nothing(
    method: str, path: str, receiver: Node, receiver_url: str, client: httpx.Client
) -> None:
    before = receiver.events_bytes()

    response = client.request(method, receiver_url + path, content=b"{}")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert receiver.events_bytes() == before


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_request_with_a_wrong_token_is_403(
    method: str, path: str, receiver_url: str, client: httpx.Client
) -> None:
    response = client.request(method, receiver_url + path, content=b"{}", headers=auth("nope"))

    assert response.status_code == 403


def test_a_basic_auth_header_is_not_a_bearer_token(receiver_url: str, client: httpx.Client) -> None:
    response = client.get(receiver_url + "/v1/network/fetch", auth=("user", TOKEN))

    assert response.status_code == 401


def test_publish_imports_a_bundle_quarantined(
    publisher: Node, receiver: Node, receiver_url: str
) -> None:
    with PeerClient(receiver_url, TOKEN) as peer:
        report = peer.publish(export_store(publisher.store_dir, publisher.identity))

    with EvolutionRepository.open(receiver.store_dir, readonly=True) as store:
        view = store.view()
    assert sorted(report.imported_capsules) == sorted([capsule_id(1), capsule_id(2)])
    assert {view.capsules[c].state for c in report.imported_capsules} == {AssetState.QUARANTINED}


def test_publish_refuses_tampered_and_replayed_bundles(
    publisher: Node, receiver: Node, receiver_url: str, client: httpx.Client
) -> None:
    bundle = export_store(publisher.store_dir, publisher.identity)
    raw = bundle.model_dump(mode="json")
    raw["capsules"][0]["diff"] += "+extra\n"
    url = receiver_url + "/v1/network/publish"
    before = receiver.events_bytes()

    tampered = client.post(url, content=orjson.dumps(raw), headers=auth())
    assert (tampered.status_code, tampered.json()["error"]) == (422, "BundleHashError")
    assert receiver.events_bytes() == before

    assert client.post(url, content=bundle.to_json(), headers=auth()).status_code == 200
    after_first = receiver.events_bytes()
    replayed = client.post(url, content=bundle.to_json(), headers=auth())
    assert (replayed.status_code, replayed.json()["error"]) == (409, "BundleReplayError")
    assert receiver.events_bytes() == after_first


def test_publish_refuses_a_body_that_is_not_a_bundle(
    receiver_url: str, client: httpx.Client
) -> None:
    response = client.post(receiver_url + "/v1/network/publish", content=b"[1", headers=auth())

    assert (response.status_code, response.json()["error"]) == (400, "MessageFormatError")


def test_a_body_over_the_limit_is_refused_unread(
    publisher: Node, receiver: Node, client: httpx.Client
) -> None:
    small = replace(state_of(receiver), max_body_bytes=1024)
    with serving(network_routes(small)) as url:
        bundle = export_store(publisher.store_dir, publisher.identity).to_json()
        response = client.post(url + "/v1/network/publish", content=bundle, headers=auth())

    assert response.status_code == 413 and len(bundle) > 1024


def test_revoke_is_honoured_from_the_publisher_only(
    publisher: Node, receiver: Node, receiver_url: str, make_node: MakeNode
) -> None:
    other = make_node("c")
    receiver.trusts(other)
    with PeerClient(receiver_url, TOKEN) as peer:
        peer.publish(export_store(publisher.store_dir, publisher.identity))

        with pytest.raises(PeerError) as refused:
            peer.revoke(sign_revocation(other.identity, capsule_id(1)))
        report = peer.revoke(sign_revocation(publisher.identity, capsule_id(1)))

    assert refused.value.status == 403 and "NotPublisherError" in str(refused.value)
    assert report.revoked and report.state is AssetState.REVOKED


def test_fetch_returns_this_nodes_signed_bundle(
    publisher: Node, receiver: Node, client: httpx.Client
) -> None:
    with serving(network_routes(state_of(publisher))) as url:
        response = client.get(
            url + "/v1/network/fetch",
            params={"signal": "test-failed:tests/test_m.py::test_1"},
            headers=auth(),
        )

    verified = verify_bundle(response.content, receiver.trust)
    assert [c.capsule_id for c in verified.bundle.capsules] == [capsule_id(1)]


@pytest.mark.parametrize(
    "after",
    ["-1", "1" * 4301, "\u0661\u0662", "1.5", "1" * 19],
    ids=["negative", "4301 digits", "arabic-indic digits", "decimal", "19 digits"],
)
def test_fetch_refuses_a_cursor_that_is_not_a_number(
    receiver_url: str, client: httpx.Client, after: str
) -> None:
    response = client.get(
        receiver_url + "/v1/network/fetch", params={"after": after}, headers=auth()
    )

    assert response.status_code == 400
    assert response.json()["error"] == "MessageFormatError"


def test_sync_pulls_only_what_changed_since_its_cursor(publisher: Node, receiver: Node) -> None:
    cursors = CursorStore(receiver.node_dir / CURSORS_NAME)
    with (
        serving(network_routes(state_of(publisher))) as url,
        EvolutionRepository.open(receiver.store_dir) as store,
    ):
        # 1. First sync: everything A vouches for; the cursor moves to A's head.
        first = sync_from_peer(store, receiver.trust, cursors, url, TOKEN)
        assert first.cursor_before == 0 and first.imported is not None
        assert sorted(first.imported.imported_capsules) == sorted([capsule_id(1), capsule_id(2)])
        saved = cursors.get(url)
        assert saved is not None and saved.seq == first.cursor_after > 0
        assert saved.node_id == publisher.identity.node_id

        # 2. Nothing new at A: nothing fetched, nothing written here.
        before = receiver.events_bytes()
        second = sync_from_peer(store, receiver.trust, cursors, url, TOKEN)
        assert second.cursor_before == first.cursor_after
        assert second.capsules_fetched == 0 and second.imported is None
        assert receiver.events_bytes() == before

        # 3. A captures one more capsule: the next sync brings exactly that one.
        publisher.record(local_events(4))
        third = sync_from_peer(store, receiver.trust, cursors, url + "/", TOKEN)
        assert third.imported is not None and third.imported.imported_capsules == [capsule_id(4)]
        assert third.cursor_after > second.cursor_after


def test_sync_from_an_untrusted_peer_is_refused_unless_trusted_on_first_use(
    publisher: Node, make_node: MakeNode
) -> None:
    stranger = make_node("c")
    cursors = CursorStore(stranger.node_dir / CURSORS_NAME)
    with (
        serving(network_routes(state_of(publisher))) as url,
        EvolutionRepository.open(stranger.store_dir) as store,
    ):
        with pytest.raises(UntrustedSenderError):
            sync_from_peer(store, stranger.trust, cursors, url, TOKEN)
        assert cursors.get(url) is None and stranger.events_bytes() == b""

        report = sync_from_peer(store, stranger.trust, cursors, url, TOKEN, tofu=True)

    assert report.imported is not None and report.imported.trusted_on_first_use


def test_sync_with_a_wrong_token_is_a_peer_error(publisher: Node, receiver: Node) -> None:
    cursors = CursorStore(receiver.node_dir / CURSORS_NAME)
    with (
        serving(network_routes(state_of(publisher))) as url,
        EvolutionRepository.open(receiver.store_dir) as store,
        pytest.raises(PeerError) as caught,
    ):
        sync_from_peer(store, receiver.trust, cursors, url, "wrong")

    assert caught.value.status == 403


def test_an_unreachable_peer_is_a_peer_error(receiver: Node) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cursors = CursorStore(receiver.node_dir / CURSORS_NAME)

    with EvolutionRepository.open(receiver.store_dir) as store, pytest.raises(PeerError) as caught:
        sync_from_peer(store, receiver.trust, cursors, f"http://127.0.0.1:{port}", TOKEN)

    assert caught.value.status is None and "ConnectError" in str(caught.value)


def test_the_api_is_never_served_without_a_token(receiver: Node) -> None:
    with pytest.raises(ValueError, match="token"):
        open_node_api(receiver.store_dir, "")


def test_every_httpx_error_a_request_can_raise_is_mapped() -> None:
    """The client maps ``httpx.HTTPError``; every other httpx exception must be one that a
    request cannot raise at us (URL parsing is handled before, streaming is not used)."""
    outside = {
        name
        for name, value in vars(httpx).items()
        if inspect.isclass(value)
        and issubclass(value, Exception)
        and not issubclass(value, httpx.HTTPError)
    }

    assert outside == {
        "InvalidURL",
        "CookieConflict",
        "StreamError",
        "StreamConsumed",
        "StreamClosed",
        "ResponseNotRead",
        "RequestNotRead",
    }
    with pytest.raises(ValueError, match="URL"):
        PeerClient("ftp://127.0.0.1/", TOKEN)
