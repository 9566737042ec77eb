"""``EVOKERNEL_*`` environment variables.

``EVOKERNEL_<SECTION>__<KEY>[__<KEY>...]`` sets a nested key (``EVOKERNEL_SANDBOX__KIND=local``);
a misspelt key is an error. ``EVOKERNEL_STORE`` is short for ``EVOKERNEL_STORE__PATH``.
Variables with no ``__`` that are not aliases are left alone, because other tools use the
prefix for other things (``EVOKERNEL_TASK_FILE`` is how an agent command receives its task).
Values are strings, converted by the model; a value starting with ``[`` or ``{`` is JSON, and
exactly ``true`` or ``false`` is a boolean (switches are strict booleans: ``yes`` or ``1`` is
refused, not read as true).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from evokernel.application.config.model import EvoConfig
from evokernel.application.config.sources.base import KeyPath, Layer, set_path
from evokernel.errors import ConfigError

PREFIX = "EVOKERNEL_"
SOURCE = "environment"
ALIASES: dict[str, KeyPath] = {"STORE": ("store", "path")}
"""Single-word variables that stand for a nested key."""


def environment_layer(environ: Mapping[str, str]) -> Layer:
    """The configuration keys set by ``EVOKERNEL_*`` variables in ``environ``.

    Raises:
        ConfigError: a variable names no section, or its JSON value does not parse.
    """
    data: dict[str, Any] = {}
    labels: dict[KeyPath, str] = {}
    notes: list[str] = []
    for name in sorted(environ):
        if not name.startswith(PREFIX):
            continue
        path = _key_path(name)
        if path is None:
            note = _one_underscore(name)
            if note is not None:
                notes.append(note)
            continue
        label = f"env {name}"
        set_path(data, path, _value(name, environ[name], label), label)
        labels[path] = label
    return Layer(SOURCE, data, labels, notes)


def _one_underscore(name: str) -> str | None:
    """A warning for ``EVOKERNEL_SANDBOX_KIND``: it starts like a section but sets nothing
    (a nested key needs two underscores), so it is probably a typo."""
    rest = name[len(PREFIX) :].lower()
    for section in EvoConfig.model_fields:
        if rest.startswith(f"{section}_") and len(rest) > len(section) + 1:
            meant = f"{PREFIX}{section.upper()}__{rest[len(section) + 1 :].upper()}"
            return f"env {name} sets nothing; did you mean {meant} (two underscores)?"
    return None


def _key_path(name: str) -> KeyPath | None:
    rest = name[len(PREFIX) :]
    if "__" not in rest:
        if rest in ALIASES:
            return ALIASES[rest]
        if rest.lower() in EvoConfig.model_fields:
            label = f"env {name}"
            raise ConfigError(
                f"{label}: {rest.lower()} is a section; set one key, e.g. {name}__<KEY>",
                key=rest.lower(),
                source=label,
            )
        return None
    parts = tuple(part.lower() for part in rest.split("__"))
    if not all(parts):
        label = f"env {name}"
        raise ConfigError(f"{label}: empty key segment in {name}", source=label)
    return parts


def _value(name: str, raw: str, label: str) -> Any:
    text = raw.strip()
    if text[:1] in ("[", "{"):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"{label}: value is not valid JSON: {exc}", source=label) from exc
    if text in ("true", "false"):
        return text == "true"
    return raw
