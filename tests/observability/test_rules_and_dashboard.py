"""The alerting rules and the Grafana dashboard, checked with Prometheus's own promtool and
against the metric names a live ``evokernel serve`` exports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import orjson
import yaml
from prometheus_client.parser import text_string_to_metric_families

from evokernel.adapters.network import NodeIdentity
from evokernel.application.metrics import metric_samples, read_metrics
from evokernel.demo.repos import build_shop
from tests.report.conftest import write_known_store
from tests.server.test_serve import (
    EVOKERNEL,
    _serving,
    served,  # noqa: F401 (fixture: a live `evokernel serve`)
)

DOCS = Path(__file__).parents[2] / "docs" / "observability"
RULES = DOCS / "rules.yml"
DASHBOARD = DOCS / "grafana-dashboard.json"
_METRIC = re.compile(r"\bevokernel_[a-z0-9_]+\b")


def _promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    assert tool, "promtool missing: `make setup` installs Debian's prometheus package"
    return subprocess.run(
        [tool, *args], input=stdin, capture_output=True, text=True, timeout=120, cwd=DOCS
    )


def _rule_expressions() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def _dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def test_promtool_accepts_the_rules() -> None:
    done = _promtool("check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    """The alerts fire on the series they are meant for (false replay, infra errors ...)."""
    done = _promtool("test", "rules", "rules.test.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_dashboard_expression_is_valid_promql(tmp_path: Path) -> None:
    expressions = _dashboard_expressions()
    assert len(expressions) >= 15
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:panel{i}", "expr": e.replace("$__rate_interval", "5m")}
                    for i, e in enumerate(expressions)
                ],
            }
        ]
    }
    as_rules = tmp_path / "dashboard-rules.yml"
    as_rules.write_text(yaml.safe_dump(rules))
    done = _promtool("check", "rules", str(as_rules))
    assert done.returncode == 0, done.stdout + done.stderr


def test_live_metrics_pass_promtool_and_cover_every_name_rules_and_dashboard_use(
    served: str,  # noqa: F811
) -> None:
    text = httpx.get(f"{served}/metrics", timeout=30).text
    done = _promtool("check", "metrics", stdin=text)
    assert done.returncode == 0, done.stdout + done.stderr
    exported = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}
    used = {
        name
        for expr in (*_rule_expressions(), *_dashboard_expressions())
        for name in _METRIC.findall(expr)
    }
    assert used, "no metric names found in rules or dashboard"
    assert "evokernel_store_append_seconds_bucket" in used  # the store append latency panel
    assert used - exported == set(), (
        f"rules or dashboard name metrics nobody exports: {used - exported}"
    )


def test_no_asset_ids_in_labels(tmp_path: Path) -> None:
    """Labels are bounded sets (states, accounts), never capsule or gene ids."""
    write_known_store(tmp_path / "store")
    samples = metric_samples(read_metrics(tmp_path / "store"))
    assert any(s.name == "evokernel_capsules" and s.value for s in samples)
    values = {value for sample in samples for value in sample.labels.values()}
    assert not {v for v in values if v.startswith(("capsule_", "gene_", "run_"))}


def _sample(text: str, name: str) -> float:
    """The value of the unlabelled sample ``name`` in an exposition."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and not sample.labels:
                return float(sample.value)
    raise AssertionError(f"{name} not in the scrape")


def test_serve_exposes_the_append_latency_of_a_capture_run_by_another_process(
    tmp_path: Path,
) -> None:
    """Appends happen in the task's process; ``serve`` (another process) shows them."""
    store_dir = tmp_path / "store"
    NodeIdentity.generate().save(store_dir / "node")
    shop = build_shop(tmp_path / "shop")
    proposal = tmp_path / "proposal.json"
    proposal.write_bytes(orjson.dumps({"diff": shop.fixes["cart"], "intent": "fix discount"}))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "EVOKERNEL_SANDBOX__KIND": "local",
    }
    with _serving(store_dir, tmp_path) as base:
        before = httpx.get(f"{base}/metrics", timeout=30).text
        capture = subprocess.run(
            [
                EVOKERNEL,
                "capture",
                "--repo",
                str(shop.path),
                "--proposal",
                str(proposal),
                "--store",
                str(store_dir),
                "--json",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        after = httpx.get(f"{base}/metrics", timeout=30).text

    assert capture.returncode in (0, 1), capture.stderr[-2000:]  # captured or rejected
    seq = "evokernel_store_last_seq"
    appended = _sample(after, seq) - _sample(before, seq)
    count = "evokernel_store_append_seconds_count"
    assert _sample(before, count) == 0
    assert 0 < _sample(after, count) <= appended  # one per commit; a commit holds 1+ records
    assert _sample(after, "evokernel_store_append_seconds_sum") > 0
    done = _promtool("check", "metrics", stdin=after)
    assert done.returncode == 0, done.stdout + done.stderr
