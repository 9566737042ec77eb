"""Load the effective configuration and remember where each value came from.

Why not pydantic-settings: its ``settings_customise_sources`` orders sources well, but it
cannot say which source set each key, cannot name the file an unknown key came from, and
merges a ``[sandbox]`` table field by field even when a higher layer switches the backend's
``kind``. The rules here are few: layers are merged lowest first; a table whose ``kind``
differs from the one below replaces it instead of merging into it; every leaf remembers its
layer; the merged tables are validated once by ``EvoConfig``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from evokernel.application.config.hints import did_you_mean, toml_line
from evokernel.application.config.model import EvoConfig
from evokernel.application.config.sources import (
    Layer,
    cli_layer,
    defaults_layer,
    environment_layer,
    pyproject_layer,
    toml_file_layer,
)
from evokernel.application.config.sources.base import KeyPath, set_path
from evokernel.application.config.sources.pyproject import SOURCE as PYPROJECT_SOURCE
from evokernel.application.config.sources.toml_file import FILE_NAME as TOML_FILE_NAME
from evokernel.application.config.sources.toml_file import SOURCE as TOML_SOURCE
from evokernel.domain.models import Model
from evokernel.errors import ConfigError


class ConfigEntry(Model):
    """One effective key: its value and the source that set it."""

    key: str
    """Dotted key, e.g. ``sandbox.kind``."""
    value: Any
    """Effective value (JSON form)."""
    source: str
    """Where it came from: ``default``, ``pyproject.toml [tool.evokernel]``,
    ``evokernel.toml``, ``env EVOKERNEL_...`` or ``cli``."""


class LoadedConfig(Model):
    """The effective configuration and the provenance of every key."""

    repo: Path
    """Repository root the files were looked up in."""
    config: EvoConfig
    """The effective configuration."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Dotted key -> the source that set it (see ``ConfigEntry.source``)."""
    warnings: list[str] = Field(default_factory=list)
    """Things that are probably mistakes but not errors (a variable that sets nothing)."""

    def entries(self) -> list[ConfigEntry]:
        """Every effective key with its value and source, in model order."""
        return [
            ConfigEntry(key=key, value=value, source=self.sources.get(key, "default"))
            for key, value in _leaves(self.config.model_dump(mode="json"), self.config)
        ]


def config_sources(repo: Path, cli: Mapping[str, Any], environ: Mapping[str, str]) -> list[Layer]:
    """THE precedence, lowest first: defaults < pyproject < evokernel.toml < environment < CLI.

    Raises:
        ConfigError: a file is not valid TOML, or an environment variable is malformed.
    """
    return [
        defaults_layer(),
        pyproject_layer(repo),
        toml_file_layer(repo),
        environment_layer(environ),
        cli_layer(cli),
    ]


def load_config(
    repo: Path,
    cli: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadedConfig:
    """Merge every source over the defaults and validate the result.

    Relative paths from files and defaults are taken from ``repo``; from flags and
    environment variables, from the current directory.

    Args:
        repo: repository root holding ``pyproject.toml`` / ``evokernel.toml``.
        cli: flags the user gave (``None`` values are ignored), dotted or nested keys.
        environ: the environment to read ``EVOKERNEL_*`` from (the CLI passes ``os.environ``;
            library callers pass what they mean, by default nothing).

    Raises:
        ConfigError: an unknown key or a bad value; ``key`` and ``source`` name it.
    """
    layers = config_sources(repo, cli or {}, environ or {})
    merged: dict[str, Any] = {}
    origin: dict[KeyPath, str] = {}
    for layer in layers:
        _merge(merged, layer.data, (), layer, origin)
    files = _file_sources(repo)
    _refuse_wide_integers(merged, (), origin)
    config = _validate(merged, origin, files)
    rebased = _rebase_paths(config, origin, repo)
    for path, value in rebased.items():
        set_path(merged, path, value, "paths")
    if rebased:
        config = _validate(merged, origin, files)
    sources = {
        key: _origin_of(tuple(key.split(".")), origin)
        for key, _ in _leaves(config.model_dump(mode="json"), config)
    }
    notes = [note for layer in layers for note in layer.notes]
    return LoadedConfig(repo=repo, config=config, sources=sources, warnings=notes)


def find_repo_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding ``.git``; ``start`` if none."""
    start = start.absolute()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def _merge(
    target: dict[str, Any],
    over: Mapping[str, Any],
    prefix: KeyPath,
    layer: Layer,
    origin: dict[KeyPath, str],
) -> None:
    for key, value in over.items():
        path = (*prefix, key)
        below = target.get(key)
        if (
            isinstance(value, Mapping)
            and isinstance(below, dict)
            and not _switches_kind(below, value)
        ):
            _merge(below, value, path, layer, origin)
            continue
        # A new value, a non-table, or a table that changes its ``kind``: replace wholesale.
        for stale in [p for p in origin if p[: len(path)] == path]:
            del origin[stale]
        target[key] = _plain(value)
        _record_origin(value, path, layer, origin)


def _record_origin(value: Any, path: KeyPath, layer: Layer, origin: dict[KeyPath, str]) -> None:
    if isinstance(value, Mapping) and value:
        for key, inner in value.items():
            _record_origin(inner, (*path, key), layer, origin)
    else:
        origin[path] = layer.label(path)


def _switches_kind(below: Mapping[str, Any], over: Mapping[str, Any]) -> bool:
    return "kind" in over and "kind" in below and over["kind"] != below["kind"]


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(inner) for key, inner in value.items()}
    return value


def _origin_of(path: KeyPath, origin: Mapping[KeyPath, str]) -> str:
    for end in range(len(path), 0, -1):
        found = origin.get(path[:end])
        if found is not None:
            return found
    # Keys nested under a value set wholesale (a table's defaults) belong to its setter.
    for key, source in origin.items():
        if key[: len(path)] == path:
            return source
    return "default"


_INT64 = range(-(2**63), 2**63)


def _refuse_wide_integers(value: Any, path: KeyPath, origin: Mapping[KeyPath, str]) -> None:
    """An integer beyond 64 bits is bad input: nothing downstream (JSON, the engine) takes it."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _refuse_wide_integers(inner, (*path, str(key)), origin)
    elif isinstance(value, list):
        for inner in value:
            _refuse_wide_integers(inner, path, origin)
    elif isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        key = ".".join(path) or "(root)"
        source = _origin_of(path, origin)
        raise ConfigError(
            f"{source}: {key}: integer {value} is beyond the 64-bit range", key=key, source=source
        )


def _file_sources(repo: Path) -> dict[str, tuple[Path, KeyPath]]:
    """The files behind the file sources' labels, and the table each one's keys live under."""
    return {
        TOML_SOURCE: (repo / TOML_FILE_NAME, ()),
        PYPROJECT_SOURCE: (repo / "pyproject.toml", ("tool", "evokernel")),
    }


def _where(source: str, path: KeyPath, files: Mapping[str, tuple[Path, KeyPath]]) -> str:
    """``source``, with ``line N`` when it is a file and the line can be found."""
    if source not in files:
        return source
    file, root = files[source]
    line = toml_line(file, path, root)
    return f"{source} line {line}" if line is not None else source


def _validate(
    merged: dict[str, Any],
    origin: Mapping[KeyPath, str],
    files: Mapping[str, tuple[Path, KeyPath]],
) -> EvoConfig:
    try:
        return EvoConfig.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        path = _key_path_in(merged, first["loc"])
        key = ".".join(path) or "(root)"
        source = _origin_of(path, origin)
        where = _where(source, path, files)
        if first["type"] == "extra_forbidden":
            message = f"{where}: unknown key {key!r}"
            guess = did_you_mean(path[-1]) if path else None
            if guess is not None and guess != path[-1]:
                message += f"; did you mean {guess!r}?"
        else:
            message = f"{where}: {key}: {first['msg']}"
        count = exc.error_count()
        if count > 1:
            message += f" (and {count - 1} more problem{'s' if count > 2 else ''})"
        raise ConfigError(message, key=key, source=source) from exc


def _key_path_in(merged: Mapping[str, Any], loc: tuple[int | str, ...]) -> KeyPath:
    """The key path of an error location, without the union tags pydantic inserts."""
    node: Any = merged
    path: list[str] = []
    for part in loc:
        if isinstance(node, Mapping):
            found = part in node
        else:
            found = isinstance(node, list) and isinstance(part, int) and part < len(node)
        # Not found: a discriminator tag such as ``docker`` in ("sandbox", "docker", "image").
        if found:
            node = node[part]
            path.append(str(part))
    return tuple(path)


def _rebase_paths(
    config: EvoConfig, origin: Mapping[KeyPath, str], repo: Path
) -> dict[KeyPath, Path]:
    rebased: dict[KeyPath, Path] = {}
    for path, value in _model_leaves(config, ()):
        if not isinstance(value, Path) or value.is_absolute():
            continue
        source = _origin_of(path, origin)
        from_files = source == "default" or source.endswith(("evokernel.toml", "[tool.evokernel]"))
        rebased[path] = (repo / value) if from_files else Path(os.path.abspath(value))
    return rebased


def _model_leaves(model: BaseModel, prefix: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _model_leaves(value, (*prefix, name))
        else:
            yield (*prefix, name), value


def _leaves(
    dumped: Mapping[str, Any], model: BaseModel, prefix: str = ""
) -> Iterator[tuple[str, Any]]:
    """Dotted keys and JSON values of every field that is not itself a section."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = f"{prefix}{name}"
        if isinstance(value, BaseModel) and isinstance(dumped.get(name), Mapping):
            yield from _leaves(dumped[name], value, f"{key}.")
        else:
            yield key, dumped.get(name)
