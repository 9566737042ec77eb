"""Open a report in a real headless Chromium: console errors, requests, a screenshot.

Used by the tests and by ``evokernel report --screenshot``. Playwright drives the machine's own
Chromium (Debian's ``chromium``; ``make setup`` installs it), never a browser it downloads. The
flags keep Chromium from reaching out on its own (background networking, component updates).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pydantic import Field

from evokernel.domain.models import Model
from evokernel.errors import EvoKernelError

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Flags for a quiet headless Chromium that fetches nothing it was not asked for."""


class BrowserNotFoundError(EvoKernelError):
    """No Chromium (or Playwright) to open the report with."""


class PageCheck(Model):
    """What a headless browser saw when it opened a report."""

    console_errors: list[str] = Field(default_factory=list)
    """Console messages of type error, and uncaught page errors."""
    requests: list[str] = Field(default_factory=list)
    """Every URL the page requested (the report itself included)."""
    nodes: int
    """Nodes drawn in the lineage graph."""
    edges: int
    """Edges drawn in the lineage graph."""
    details_after_click: str = ""
    """The details line after clicking the last node (empty when there is none)."""


def find_chromium() -> str:
    """The Chromium executable: ``$EVOKERNEL_CHROMIUM`` or ``chromium`` on ``PATH``.

    Raises:
        BrowserNotFoundError: none found.
    """
    found = os.environ.get("EVOKERNEL_CHROMIUM") or shutil.which("chromium")
    if not found:
        raise BrowserNotFoundError(
            "no chromium on PATH: run `make setup` (installs Debian's chromium)"
        )
    return found


def check_page(html_file: Path, screenshot: Path | None = None) -> PageCheck:
    """Open ``html_file`` in headless Chromium, click a lineage node, optionally screenshot.

    Raises:
        BrowserNotFoundError: Chromium or Playwright is missing.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserNotFoundError("playwright is not installed: run `make setup`") from exc
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_FLAGS))
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(html_file.absolute().as_uri(), wait_until="load")
            nodes = page.locator("#lineage g.node")
            count = nodes.count()
            details = ""
            if count:
                nodes.nth(count - 1).click()
                details = page.locator("#details").inner_text()
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
            return PageCheck(
                console_errors=errors,
                requests=requests,
                nodes=count,
                edges=page.locator("#lineage path.edge").count(),
                details_after_click=details,
            )
        finally:
            browser.close()
