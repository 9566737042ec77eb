"""The base image: apt sources parsing, pull-then-build fallback, the real air-gapped build."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.docker.aptsources import (
    AptSource,
    choose_base_source,
    find_base_source,
    parse_deb822,
    parse_one_line,
    read_apt_sources,
)
from sandbox.docker.client import docker_client_factory, inspect_image
from sandbox.docker.images import ImageAction, ImageBuildConfig, ImageReport, ensure_image
from sandbox.docker.rootfs import RootfsSpec, build_rootfs, debootstrap_argv, run_step
from sandbox.errors import EngineUnavailableError, ImageBuildError, ImageNotFoundError
from tests.processes import wait_until_gone

DEB822 = """\
Types: deb
# a comment inside a stanza
URIs: http://mirror.example.invalid/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.invalid/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example.invalid/debian
Suites: bookworm
Components: main

Enabled: no
Types: deb
URIs: http://disabled.example.invalid/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://inline.example.invalid/debian
Suites: trixie
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBF...
 -----END PGP PUBLIC KEY BLOCK-----
"""

ONE_LINE = """\
# main archive
deb http://one.example.invalid/ubuntu jammy main universe
deb-src http://one.example.invalid/ubuntu jammy main
deb [arch=amd64 signed-by=/etc/apt/keyrings/x.gpg] http://one.example.invalid/u jammy-updates main
deb http://one.example.invalid/ubuntu jammy-security main  # trailing comment
"""


def closed_loopback_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- apt sources -------------------------------------------------------------------------


def test_one_line_format_keeps_binary_entries_with_options() -> None:
    sources = parse_one_line(ONE_LINE, "x.list")
    assert [(s.uri, s.suite) for s in sources] == [
        ("http://one.example.invalid/ubuntu", "jammy"),
        ("http://one.example.invalid/u", "jammy-updates"),
        ("http://one.example.invalid/ubuntu", "jammy-security"),
    ]
    assert sources[0].components == ["main", "universe"]
    assert sources[1].signed_by == Path("/etc/apt/keyrings/x.gpg")
    assert sources[0].origin == "x.list"


def test_deb822_expands_suites_and_skips_disabled_and_source_stanzas() -> None:
    sources = parse_deb822(DEB822, "debian.sources")
    pairs = [(s.uri, s.suite) for s in sources]
    assert pairs == [
        ("http://mirror.example.invalid/debian", "bookworm"),
        ("http://mirror.example.invalid/debian", "bookworm-updates"),
        ("http://mirror.example.invalid/debian-security", "bookworm-security"),
        ("http://inline.example.invalid/debian", "trixie"),
    ]
    assert sources[0].components == ["main", "contrib"]
    assert sources[0].signed_by == Path("/usr/share/keyrings/debian-archive-keyring.gpg")
    # An inline key block is not a keyring path.
    assert sources[-1].signed_by is None


def test_directory_reading_ignores_disabled_files(tmp_path: Path) -> None:
    listing = tmp_path / "sources.list.d"
    listing.mkdir()
    (listing / "debian.sources").write_text(DEB822)
    (listing / "ubuntu.list").write_text(ONE_LINE)
    (listing / "vendor.list.disabled-by-farm").write_text("deb https://vendor.invalid/apt x main\n")
    (listing / "old.sources.save").write_text(DEB822.replace("bookworm", "buster"))
    sources = read_apt_sources(tmp_path / "sources.list", listing)
    assert {s.origin for s in sources} == {
        str(listing / "debian.sources"),
        str(listing / "ubuntu.list"),
    }
    assert not any("vendor" in s.uri or s.suite == "buster" for s in sources)


def test_main_file_is_read_before_the_directory(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(
        "deb http://first.example.invalid/debian bookworm main\n"
    )
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.sources").write_text(DEB822)
    chosen = find_base_source(tmp_path / "sources.list", tmp_path / "d", tmp_path / "no-os-release")
    assert chosen.uri == "http://first.example.invalid/debian"


def test_choice_skips_update_suites_and_prefers_the_host_codename(tmp_path: Path) -> None:
    sources = parse_deb822(DEB822)
    assert choose_base_source(sources, codename="trixie").suite == "trixie"
    chosen = choose_base_source(sources, codename="bookworm")
    assert (chosen.uri, chosen.suite) == ("http://mirror.example.invalid/debian", "bookworm")
    os_release = tmp_path / "os-release"
    os_release.write_text('NAME="Debian"\nVERSION_CODENAME=trixie\n')
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "debian.sources").write_text(DEB822)
    assert find_base_source(tmp_path / "none", tmp_path / "d", os_release).suite == "trixie"


def test_no_release_suite_is_a_typed_error_naming_the_step() -> None:
    only_updates = parse_one_line("deb http://x.example.invalid/debian bookworm-security main\n")
    with pytest.raises(ImageBuildError) as caught:
        choose_base_source(only_updates)
    assert caught.value.step == "apt-sources"
    assert "bookworm-security" in str(caught.value)


def test_explicit_mirror_and_suite_override_the_host() -> None:
    config = ImageBuildConfig(mirror="http://m.example.invalid/debian", suite="trixie")
    assert config.base_source() == AptSource(
        uri="http://m.example.invalid/debian", suite="trixie", origin="configuration"
    )


def test_debootstrap_command_line_uses_the_source_keyring(tmp_path: Path) -> None:
    keyring = tmp_path / "k.gpg"
    keyring.write_bytes(b"key")
    source = AptSource(uri="http://m.example.invalid/debian", suite="bookworm", signed_by=keyring)
    argv = debootstrap_argv("/usr/sbin/debootstrap", source, RootfsSpec(), tmp_path / "root")
    assert argv == [
        "/usr/sbin/debootstrap",
        "--variant=minbase",
        "--include=python3,python3-pytest,python3-pip,git",
        "--components=main",
        f"--keyring={keyring}",
        "bookworm",
        str(tmp_path / "root"),
        "http://m.example.invalid/debian",
    ]


# --- build steps ---------------------------------------------------------------------------


def test_failing_step_raises_with_its_name_and_output_tail() -> None:
    script = "for i in $(seq 1 100); do echo line$i; done; echo boom >&2; exit 3"
    with pytest.raises(ImageBuildError) as caught:
        run_step("add-user", ["sh", "-c", script], timeout_s=30, env={"PATH": "/usr/bin:/bin"})
    assert caught.value.step == "add-user"
    assert "status 3" in str(caught.value)
    assert caught.value.log_tail.endswith("boom")
    assert "line1\n" not in caught.value.log_tail  # only the tail is kept


def test_step_past_its_deadline_is_killed_with_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = f"sleep 120 & echo $! > {pid_file}; wait"
    with pytest.raises(ImageBuildError, match="did not finish"):
        run_step("debootstrap", ["sh", "-c", script], timeout_s=1, env={"PATH": "/usr/bin:/bin"})
    # The background child belonged to the killed process group: wait until it is gone.
    child = int(pid_file.read_text())
    assert wait_until_gone(child), f"child {child} outlived the killed step"


def test_missing_debootstrap_says_how_to_install_it(tmp_path: Path) -> None:
    source = AptSource(uri="http://m.example.invalid/debian", suite="bookworm")
    spec = RootfsSpec(debootstrap="evokernel-no-such-debootstrap")
    with pytest.raises(ImageBuildError) as caught:
        build_rootfs(source, tmp_path / "root", spec)
    assert caught.value.step == "debootstrap"
    assert "apt-get install debootstrap" in str(caught.value)


# --- against the real engine -----------------------------------------------------------------


def test_unreachable_engine_is_a_typed_error() -> None:
    with pytest.raises(EngineUnavailableError):
        ensure_image(docker_client_factory("unix:///nonexistent.sock"), "evokernel/x:1")


def test_missing_image_without_pull_or_build_is_not_found(docker_engine: object) -> None:
    image = f"evokernel/sandbox-python:absent-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ImageNotFoundError) as caught:
        ensure_image(docker_client_factory(), image, allow_pull=False, allow_build=False)
    assert caught.value.image == image


def test_failed_pull_falls_through_fast_and_is_reported(docker_engine: object) -> None:
    image = f"127.0.0.1:{closed_loopback_port()}/evokernel/sandbox-python:absent"
    with pytest.raises(ImageNotFoundError) as caught:
        ensure_image(docker_client_factory(), image, allow_build=False)
    assert "pull failed" in str(caught.value)
    assert "connection refused" in str(caught.value)


def test_debootstrap_failure_names_the_step_and_leaves_no_rootfs(
    docker_engine: object, tmp_path: Path
) -> None:
    config = ImageBuildConfig(
        mirror=f"http://127.0.0.1:{closed_loopback_port()}/debian",
        suite="bookworm",
        work_dir=tmp_path,
    )
    image = f"evokernel/sandbox-python:broken-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ImageBuildError) as caught:
        ensure_image(docker_client_factory(), image, allow_pull=False, build=config)
    assert caught.value.step == "debootstrap"
    assert caught.value.log_tail
    assert not list(tmp_path.glob("evokernel-rootfs-*"))
    assert inspect_image(docker_engine, image) is None


class BuiltImage:
    """An image built once for this module, air-gapped, with what the build reported."""

    def __init__(
        self, image: str, report: ImageReport, progress: list[str], work_dir: Path
    ) -> None:
        self.image = image
        self.report = report
        self.progress = progress
        self.work_dir = work_dir


@pytest.fixture(scope="module")
def built_image(
    docker_engine: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltImage]:
    """Build a throwaway-tagged image for real (about 45 s), then remove it.

    The name carries a loopback registry nothing listens on, so the pull attempt is real and
    fails fast without any traffic leaving the machine.
    """
    image = (
        f"127.0.0.1:{closed_loopback_port()}/evokernel/sandbox-python:test-{uuid.uuid4().hex[:8]}"
    )
    work_dir = tmp_path_factory.mktemp("image-build")
    lines: list[str] = []
    report = ensure_image(
        docker_client_factory(),
        image,
        progress=lines.append,
        build=ImageBuildConfig(work_dir=work_dir),
    )
    yield BuiltImage(image, report, lines, work_dir)
    docker_engine.images.remove(image, force=True)  # type: ignore[attr-defined]


@pytest.mark.docker
def test_build_falls_through_a_failed_pull_to_the_air_gapped_build(built_image: BuiltImage) -> None:
    report = built_image.report
    assert report.action is ImageAction.BUILT
    assert [step.name for step in report.steps] == ["pull", "rootfs", "import"]
    assert report.steps[0].ok is False
    assert report.pull_error and "connection refused" in report.pull_error
    assert report.source is not None and report.source.suite
    assert report.image_id.startswith("sha256:")
    assert any(line.startswith("debootstrap:") for line in built_image.progress)
    assert not list(built_image.work_dir.glob("evokernel-rootfs-*"))


@pytest.mark.docker
def test_built_image_runs_pytest_and_pip_as_the_unprivileged_user_without_network(
    built_image: BuiltImage, docker_engine: object
) -> None:
    output = docker_engine.containers.run(  # type: ignore[attr-defined]
        built_image.image,
        [
            "sh",
            "-c",
            "id -u; id -g; pwd; python3 -m pytest --version; python3 -m pip --version; "
            "git --version",
        ],
        network_mode="none",
        remove=True,
        stdout=True,
        stderr=True,
    ).decode()
    uid, gid, cwd, *_rest = output.split("\n")
    assert (uid, gid, cwd) == ("1000", "1000", "/workspace")
    assert "pytest" in output and "git version" in output
    assert "pip " in output  # env-image setup stages can pip install
    config = docker_engine.api.inspect_image(built_image.image)["Config"]  # type: ignore[attr-defined]
    assert config["User"] == "1000:1000"
    assert "LANG=C.UTF-8" in config["Env"]
    assert config["Cmd"] == ["/bin/sh"]


@pytest.mark.docker
def test_second_call_finds_the_image_and_does_nothing(built_image: BuiltImage) -> None:
    lines: list[str] = []
    again = ensure_image(docker_client_factory(), built_image.image, progress=lines.append)
    assert again.action is ImageAction.PRESENT
    assert again.image_id == built_image.report.image_id
    assert again.steps == [] and lines == []
