"""Find the OS package mirror and suite in the machine's apt sources.

The air-gapped image build bootstraps Debian from the same mirror the host already trusts, so
nothing about a host is hard-coded. Both apt formats are read: the one-line format
(``/etc/apt/sources.list``, ``sources.list.d/*.list``) and deb822 (``sources.list.d/*.sources``).
Like apt itself, files with any other suffix (``.disabled``, ``.save``) are ignored, as are
stanzas with ``Enabled: no``, ``deb-src`` entries and security / updates / backports suites.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from sandbox.errors import ImageBuildError

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

# Suites that only carry updates on top of a release; debootstrap needs the release itself.
_DERIVED_SUITE = re.compile(r"[-/](security|updates|backports|proposed-updates|proposed)$")


class AptSource(BaseModel):
    """One enabled binary-package source: a mirror URI and a suite."""

    model_config = _MODEL_CONFIG

    uri: str
    """Mirror URI as written in the sources file, e.g. ``http://deb.debian.org/debian``."""
    suite: str
    """Release suite (codename), e.g. ``bookworm``."""
    components: list[str] = Field(default_factory=lambda: ["main"])
    """Archive components, e.g. ``["main"]``."""
    signed_by: Path | None = None
    """Keyring file the source is signed by, when the entry names one."""
    origin: str = ""
    """File the entry was read from, for messages."""


def parse_one_line(text: str, origin: str = "") -> list[AptSource]:
    """Parse the one-line format: ``deb [opt=value ...] uri suite component...``."""
    sources: list[AptSource] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        options: dict[str, str] = {}
        match = re.match(r"^(\S+)\s+\[([^\]]*)\]\s+(.*)$", line)
        if match:
            kind, opts, rest = match.groups()
            for opt in opts.split():
                key, _, value = opt.partition("=")
                options[key.lower()] = value
        else:
            kind, _, rest = line.partition(" ")
        if kind != "deb":
            continue
        fields = rest.split()
        if len(fields) < 2:
            continue
        uri, suite, *components = fields
        signed = options.get("signed-by", "")
        sources.append(
            AptSource(
                uri=uri,
                suite=suite,
                components=components or ["main"],
                signed_by=Path(signed) if signed.startswith("/") else None,
                origin=origin,
            )
        )
    return sources


def _deb822_stanzas(text: str) -> list[dict[str, str]]:
    """Split deb822 text into stanzas of field -> value (continuation lines joined)."""
    stanzas: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        if not raw.strip():
            if current:
                stanzas.append(current)
            current, key = {}, ""
            continue
        if raw[0] in " \t" and key:
            current[key] += "\n" + raw.strip()
            continue
        name, sep, value = raw.partition(":")
        if not sep:
            continue
        key = name.strip().lower()
        current[key] = value.strip()
    if current:
        stanzas.append(current)
    return stanzas


def parse_deb822(text: str, origin: str = "") -> list[AptSource]:
    """Parse the deb822 format (``Types:``, ``URIs:``, ``Suites:``, ``Components:``)."""
    sources: list[AptSource] = []
    for stanza in _deb822_stanzas(text):
        if stanza.get("enabled", "yes").strip().lower() == "no":
            continue
        if "deb" not in stanza.get("types", "").split():
            continue
        signed = stanza.get("signed-by", "")
        # Signed-By may hold an inline key block; only a single absolute path names a keyring.
        keyring = Path(signed) if signed.startswith("/") and "\n" not in signed else None
        components = stanza.get("components", "").split() or ["main"]
        for uri in stanza.get("uris", "").split():
            for suite in stanza.get("suites", "").split():
                sources.append(
                    AptSource(
                        uri=uri,
                        suite=suite,
                        components=components,
                        signed_by=keyring,
                        origin=origin,
                    )
                )
    return sources


def read_apt_sources(
    sources_list: Path = Path("/etc/apt/sources.list"),
    sources_dir: Path = Path("/etc/apt/sources.list.d"),
) -> list[AptSource]:
    """Every enabled ``deb`` entry, in apt's reading order (the main file, then the directory)."""
    sources: list[AptSource] = []
    if sources_list.is_file():
        sources += parse_one_line(sources_list.read_text(errors="replace"), str(sources_list))
    if sources_dir.is_dir():
        for path in sorted(sources_dir.iterdir()):
            if not path.is_file():
                continue
            if path.suffix == ".list":
                sources += parse_one_line(path.read_text(errors="replace"), str(path))
            elif path.suffix == ".sources":
                sources += parse_deb822(path.read_text(errors="replace"), str(path))
    return sources


def read_codename(os_release: Path = Path("/etc/os-release")) -> str | None:
    """The host's release codename (``VERSION_CODENAME``), if the file names one."""
    if not os_release.is_file():
        return None
    for line in os_release.read_text(errors="replace").splitlines():
        name, _, value = line.partition("=")
        if name.strip() == "VERSION_CODENAME":
            return value.strip().strip("\"'") or None
    return None


def choose_base_source(sources: list[AptSource], codename: str | None = None) -> AptSource:
    """Pick the entry to bootstrap from: a release suite, the host's codename first.

    Raises:
        ImageBuildError: no enabled entry names a release suite (step ``apt-sources``).
    """
    releases = [s for s in sources if not _DERIVED_SUITE.search(s.suite) and s.suite != "/"]
    if codename:
        matching = [s for s in releases if s.suite == codename]
        releases = matching or releases
    if not releases:
        seen = ", ".join(sorted({f"{s.uri} {s.suite}" for s in sources})) or "none"
        raise ImageBuildError(
            "no enabled apt source names a release suite to bootstrap from "
            f"(entries seen: {seen}); pass a mirror and suite explicitly",
            step="apt-sources",
        )
    return releases[0]


def find_base_source(
    sources_list: Path = Path("/etc/apt/sources.list"),
    sources_dir: Path = Path("/etc/apt/sources.list.d"),
    os_release: Path = Path("/etc/os-release"),
) -> AptSource:
    """Read the machine's apt sources and choose the mirror and suite to bootstrap from."""
    return choose_base_source(
        read_apt_sources(sources_list, sources_dir), read_codename(os_release)
    )
