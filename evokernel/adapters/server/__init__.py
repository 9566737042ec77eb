"""The node's HTTP server: ``/metrics``, ``/healthz`` and the node API (``evokernel serve``)."""

from __future__ import annotations

from evokernel.adapters.server.app import build_app

__all__ = ["build_app"]
