"""The lowest layer: every key with the default written in the model."""

from __future__ import annotations

from evokernel.application.config.model import EvoConfig
from evokernel.application.config.sources.base import Layer


def defaults_layer() -> Layer:
    """All keys at their documented defaults."""
    return Layer("default", EvoConfig().model_dump(mode="json"))
