"""The conformance check itself: it passes GitHub-shaped traffic and catches departures.

The suite-wide guarantee (every exchange of every test validated) lives in conftest's
``start_server`` fixture; these tests prove the check is not vacuous and pin the description
quirks the adapter and server were shaped around.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from scenarios.github_server import Exchange, LocalGitHub
from scenarios.github_server.conformance import pinned_version
from tests.github.conftest import OPENAPI_CACHE, REPO, TOKEN, ConformanceTally

JSON = (("content-type", "application/json; charset=utf-8"),)


def _exchange(
    method: str,
    path: str,
    status: int,
    body: Any = None,
    *,
    request_body: Any = None,
    query: tuple[tuple[str, str], ...] = (),
) -> Exchange:
    return Exchange(
        method=method,
        path=path,
        query=query,
        request_headers=JSON if request_body is not None else (),
        request_body=b"" if request_body is None else json.dumps(request_body).encode(),
        status=status,
        response_headers=JSON if body is not None else (),
        response_body=b"" if body is None else json.dumps(body).encode(),
    )


def _live_issue(server: LocalGitHub) -> dict[str, Any]:
    server.open_issue(REPO, author="octo", title="t", body="b")
    answer = httpx.get(
        f"{server.api_url}/repos/{REPO}/issues/1", headers={"Authorization": f"token {TOKEN}"}
    )
    return answer.json()  # type: ignore[no-any-return]


def test_the_pinned_description_is_the_one_loaded(conformance: ConformanceTally) -> None:
    version = pinned_version()
    assert conformance.checker.version == version
    assert conformance.checker.description == OPENAPI_CACHE / version / "api.github.com.json"


def test_a_real_issue_conforms_and_a_damaged_one_does_not(
    github_server: LocalGitHub, conformance: ConformanceTally
) -> None:
    issue = _live_issue(github_server)
    path = f"/repos/{REPO}/issues/1"
    assert conformance.checker.check(_exchange("GET", path, 200, issue)) == []
    damaged = {key: value for key, value in issue.items() if key != "number"}
    found = conformance.checker.check(_exchange("GET", path, 200, damaged))
    assert found and found[0].part == "response" and "number" in found[0].detail
    wrong_type = {**issue, "comments": "none"}
    assert conformance.checker.check(_exchange("GET", path, 200, wrong_type))


def test_null_state_reason_breaks_the_enum_so_the_server_omits_it(
    github_server: LocalGitHub, conformance: ConformanceTally
) -> None:
    issue = _live_issue(github_server)
    assert "state_reason" not in issue
    found = conformance.checker.check(
        _exchange("GET", f"/repos/{REPO}/issues/1", 200, {**issue, "state_reason": None})
    )
    assert found and "state_reason" in found[0].detail


def test_paths_outside_the_description_are_violations(conformance: ConformanceTally) -> None:
    found = conformance.checker.check(_exchange("GET", "/nowhere", 404, {"message": "Not Found"}))
    assert found and found[0].part == "request"


def test_an_unencoded_slash_in_git_ref_is_outside_the_description(
    conformance: ConformanceTally,
) -> None:
    """Why the adapter reads refs through matching-refs, where PyGithub encodes the slash."""
    ref = {
        "ref": "refs/heads/main",
        "node_id": "x",
        "url": "https://x/y",
        "object": {"type": "commit", "sha": "a" * 40, "url": "https://x/z"},
    }
    slash = _exchange("GET", "/repos/o/r/git/ref/heads/main", 200, ref)
    assert conformance.checker.check(slash)[0].detail.startswith("Path not found")
    encoded = _exchange("GET", "/repos/o/r/git/matching-refs/heads%2Fmain", 200, [ref])
    assert conformance.checker.check(encoded) == []


def test_a_bare_label_list_is_not_an_admitted_request_body(conformance: ConformanceTally) -> None:
    """Why the adapter posts ``{"labels": [...]}`` instead of PyGithub's bare list."""
    path = "/repos/o/r/issues/1/labels"
    bare = _exchange("POST", path, 200, [], request_body=["evo"])
    assert conformance.checker.check(bare)[0].part == "request"
    wrapped = _exchange("POST", path, 200, [], request_body={"labels": ["evo"]})
    assert conformance.checker.check(wrapped) == []


def test_undocumented_generic_errors_are_held_to_basic_error(
    conformance: ConformanceTally,
) -> None:
    path = "/repos/o/r"  # documents 200, 301, 403 and 404 only
    limited = _exchange("GET", path, 429, {"message": "slow down", "documentation_url": "u"})
    assert conformance.checker.check(limited) == []
    garbled = _exchange("GET", path, 500, {"message": 5})
    assert conformance.checker.check(garbled)[0].detail.startswith("basic-error")
    teapot = _exchange("GET", path, 418, {"message": "teapot"})
    assert conformance.checker.check(teapot)
