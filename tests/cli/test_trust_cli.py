"""The CLI on stores and inputs it must not trust: corrupt records, odd paths, huge proposals.

Each test runs the real command and then checks the store itself.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from evokernel.demo.repos import SampleRepo, build_shop
from tests.cli.conftest import Invoke


def _change_a_ts_digit(path: Path, line: int) -> bytes:
    """Change one digit of a record's ``ts`` in place: same length, still valid JSON."""
    lines = path.read_bytes().splitlines(keepends=True)
    raw = bytearray(lines[line - 1])
    assert raw.endswith(b'Z"}\n')
    digit = len(raw) - 5
    raw[digit] = ord("1") if raw[digit] != ord("1") else ord("2")
    lines[line - 1] = bytes(raw)
    path.write_bytes(b"".join(lines))
    return path.read_bytes()


@pytest.mark.parametrize("command", [("store", "stats"), ("store", "tail"), ("assets", "list")])
def test_reads_refuse_a_record_changed_by_one_byte(
    invoke: Invoke, store_dir: Path, command: tuple[str, ...]
) -> None:
    damaged = _change_a_ts_digit(store_dir / "events.jsonl", 150)
    result = invoke(*command, "--store", str(store_dir))
    assert result.exit_code == 1
    assert "StoreCorruptError" in result.stderr and "seq 150" in result.stderr
    assert "This is a bug" not in result.stderr
    assert (store_dir / "events.jsonl").read_bytes() == damaged


def test_verify_names_line_1_of_an_all_garbage_log(invoke: Invoke, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    (store / "events.jsonl").write_bytes(b"this is not\na log\n")
    result = invoke("store", "verify", "--store", str(store), "--json")
    assert result.exit_code == 1
    report = orjson.loads(result.stdout)
    assert (report["ok"], report["first_bad_line"]) == (False, 1)


def test_verify_fails_on_a_complete_last_record_with_a_renamed_hash_key(
    invoke: Invoke, store_dir: Path
) -> None:
    log = store_dir / "events.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    lines[-1] = lines[-1].replace(b'{"hash":', b'{"hash_":', 1)
    log.write_bytes(b"".join(lines))
    result = invoke("store", "verify", "--store", str(store_dir), "--json")
    assert result.exit_code == 1
    report = orjson.loads(result.stdout)
    assert (report["ok"], report["first_bad_line"], report["torn_tail_bytes"]) == (False, 300, 0)


@pytest.mark.parametrize("command", [("store", "verify"), ("store", "stats"), ("assets", "list")])
def test_a_log_that_is_a_directory_is_bad_input(
    invoke: Invoke, tmp_path: Path, command: tuple[str, ...]
) -> None:
    (tmp_path / "store" / "events.jsonl").mkdir(parents=True)
    result = invoke(*command, "--store", str(tmp_path / "store"))
    assert result.exit_code == 2
    assert "StorePathError" in result.stderr and "This is a bug" not in result.stderr


def test_capture_of_a_missing_proposal_file_is_bad_input(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(
        "capture", "--repo", ".", "--proposal", str(tmp_path / "nonexistent.json"),
        "--store", str(tmp_path / "store"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "ProposalError" in result.stderr and "nonexistent.json" in result.stderr
    assert not (tmp_path / "store" / "events.jsonl").exists()


@pytest.fixture
def shop(tmp_path: Path, docker_engine: object) -> SampleRepo:
    return build_shop(tmp_path / "shop")


def test_a_refused_50_mb_proposal_is_recorded_by_hash_and_size_only(
    invoke: Invoke, shop: SampleRepo, tmp_path: Path
) -> None:
    huge = shop.fixes["cart"] + "+" + "x" * (50 * 1024 * 1024) + "\n"
    proposal = tmp_path / "proposal.json"
    proposal.write_bytes(orjson.dumps({"diff": huge, "intent": "fill the disk"}))
    store = tmp_path / "store"
    result = invoke(
        "capture", "--repo", str(shop.path), "--proposal", str(proposal), "--store", str(store)
    )
    assert result.exit_code == 1, result.output
    lines = (store / "events.jsonl").read_bytes().splitlines()
    assert max(len(line) for line in lines) < 64 * 1024
    records = [orjson.loads(line) for line in lines]
    proposed = next(r["payload"] for r in records if r["kind"] == "mutation_proposed")
    rejected = next(r["payload"] for r in records if r["kind"] == "mutation_rejected")
    assert proposed["proposal"] is None
    assert proposed["refused"]["diff_bytes"] == len(huge.encode())
    assert len(proposed["refused"]["sha256"]) == 64
    assert rejected["reason_code"] == "patch_refused"


def test_replay_refuses_a_capsule_whose_diff_was_edited_in_place(
    invoke: Invoke, shop: SampleRepo, tmp_path: Path
) -> None:
    proposal = tmp_path / "proposal.json"
    proposal.write_bytes(orjson.dumps({"diff": shop.fixes["cart"], "intent": "fix discount"}))
    store = tmp_path / "store"
    args = ("--repo", str(shop.path), "--store", str(store))
    assert invoke("capture", *args, "--proposal", str(proposal)).exit_code == 0
    log = store / "events.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if b'"kind":"capsule_committed"' in line)
    # Edit the stored diff in place: one character of an added line, same length.
    edited = lines[number].replace(b"\\n+", b"\\n-", 1)
    assert edited != lines[number] and len(edited) == len(lines[number])
    lines[number] = edited
    log.write_bytes(b"".join(lines))
    damaged = log.read_bytes()

    result = invoke("replay", *args, "--json")
    assert result.exit_code == 1
    assert "StoreCorruptError" in result.stderr and f"seq {number + 1}" in result.stderr
    assert log.read_bytes() == damaged  # nothing was chained onto the corrupt record


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[policy]\nmax_changed_lines = 99999999999999999999999\n", "policy.max_changed_lines"),
        ('[policy]\nallow_test_edits = "yes"\n', "policy.allow_test_edits"),
        ("[policy]\nallow_test_edits = 1\n", "policy.allow_test_edits"),
        ('[sandbox]\nkind = "docker"\nuser = "0:0"\n', "sandbox.user"),
        ('[sandbox]\nkind = "docker"\nuser = "1000:0"\n', "sandbox.user"),
        ('[sandbox]\nkind = "local"\nunshare_network = "no"\n', "sandbox.unshare_network"),
    ],
    ids=["int beyond 64 bits", "switch 'yes'", "switch 1", "root user", "root group", "'no'"],
)
def test_bad_configuration_values_are_bad_input(
    invoke: Invoke, isolated_cwd: Path, toml: str, key: str
) -> None:
    (isolated_cwd / "evokernel.toml").write_text(toml)
    result = invoke("config", "show")
    assert result.exit_code == 2, result.output
    assert "ConfigError" in result.stderr and key in result.stderr
    assert "This is a bug" not in result.stderr


def test_a_switch_set_to_true_in_the_environment_is_a_real_boolean(invoke: Invoke) -> None:
    result = invoke("config", "show", "--json", env={"EVOKERNEL_POLICY__ALLOW_TEST_EDITS": "true"})
    assert result.exit_code == 0, result.output
    assert '"allow_test_edits"' in result.stdout and "true" in result.stdout
    refused = invoke("config", "show", env={"EVOKERNEL_POLICY__ALLOW_TEST_EDITS": "yes"})
    assert refused.exit_code == 2 and "ConfigError" in refused.stderr


@pytest.mark.parametrize("args", [("--repo", "nogit"), ("--repo", ".", "--rev", "no-such-rev")])
def test_sandbox_run_on_a_bad_repository_or_revision_is_bad_input(
    invoke: Invoke, isolated_cwd: Path, args: tuple[str, ...]
) -> None:
    (isolated_cwd / "nogit").mkdir()
    subprocess_git(isolated_cwd)
    result = invoke("sandbox", "run", *args, "--", "true", env={"EVOKERNEL_SANDBOX__KIND": "local"})
    assert result.exit_code == 2, result.output
    assert "WorkspaceInputError" in result.stderr


def test_a_slots_dir_that_is_a_file_is_bad_input(
    invoke: Invoke, isolated_cwd: Path, docker_engine: object
) -> None:
    subprocess_git(isolated_cwd)
    (isolated_cwd.parent / "afile").write_text("not a directory")
    env = {
        "EVOKERNEL_SANDBOX__KIND": "docker",
        "EVOKERNEL_SANDBOX__SLOTS_DIR": str(isolated_cwd.parent / "afile"),
    }
    result = invoke("sandbox", "run", "--repo", ".", "--", "true", env=env)
    assert result.exit_code == 2, result.output
    assert "SandboxConfigError" in result.stderr and "slots_dir" in result.stderr


def subprocess_git(repo: Path) -> None:
    """Make ``repo`` (which has an empty ``.git`` directory) a real repository with a commit."""
    import shutil
    import subprocess

    shutil.rmtree(repo / ".git")
    for args in (
        ("init", "-q"),
        (
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "init",
        ),
    ):
        subprocess.run(["git", *args], cwd=repo, check=True)


@pytest.mark.parametrize("command", [("network", "import"), ("network", "apply-revocation")])
def test_a_missing_message_file_is_bad_input(
    invoke: Invoke, tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = invoke(*command, str(tmp_path / "nonexistent.json"), "--store", str(tmp_path / "s"))
    assert result.exit_code == 2
    assert "This is a bug" not in result.stderr
    assert not (tmp_path / "s" / "events.jsonl").exists()
