"""Hidden markers: rendering, parsing, and exact matching."""

from __future__ import annotations

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evokernel.adapters.github import Marker, MarkerKey, parse_markers

values = st.from_regex(r"\A[A-Za-z0-9._:/+@-]{1,60}\Z")


@given(key=st.sampled_from(list(MarkerKey)), value=values)
def test_render_then_parse_round_trips(key: MarkerKey, value: str) -> None:
    marker = Marker(key=key, value=value)
    body = f"Some report.\n\n{marker.render()}\ntrailing text"
    assert parse_markers(body) == [marker]
    assert marker.found_in(body)


def test_rendered_marker_is_an_html_comment_and_search_text_is_inside_it() -> None:
    marker = Marker(key=MarkerKey.SIGNATURE, value="sha256:abc")
    assert marker.render() == "<!-- evokernel:signature=sha256:abc -->"
    assert marker.search_text in marker.render()


def test_found_in_needs_the_exact_value() -> None:
    body = Marker(key=MarkerKey.ISSUE, value="12").render()
    assert not Marker(key=MarkerKey.ISSUE, value="1").found_in(body)
    assert not Marker(key=MarkerKey.PULL, value="12").found_in(body)
    assert not Marker(key=MarkerKey.ISSUE, value="12").found_in("evokernel:issue=12")
    assert not Marker(key=MarkerKey.ISSUE, value="12").found_in(None)


def test_unknown_keys_and_malformed_comments_are_ignored() -> None:
    body = "<!-- evokernel:colour=red --> <!-- evokernel:issue= --> <!-- evokernel:issue=7 -->"
    assert parse_markers(body) == [Marker(key=MarkerKey.ISSUE, value="7")]


@pytest.mark.parametrize("value", ["", "has space", "a-->b", "<x>", "x" * 201])
def test_values_that_could_break_out_are_refused(value: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        Marker(key=MarkerKey.RUN, value=value)
