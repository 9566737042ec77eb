"""JSON Schemas of the SWE-bench harness's outputs (``swebench.harness.run_evaluation``):
the run report ``<model>.<run_id>.json`` and each instance's ``report.json``.

Written from the harness's field names; users' tooling reads exactly these.
"""

from __future__ import annotations

from typing import Any

_IDS: dict[str, Any] = {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
_COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}

RUN_REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "total_instances",
        "submitted_instances",
        "completed_instances",
        "resolved_instances",
        "unresolved_instances",
        "empty_patch_instances",
        "error_instances",
        "completed_ids",
        "incomplete_ids",
        "empty_patch_ids",
        "submitted_ids",
        "resolved_ids",
        "unresolved_ids",
        "error_ids",
        "schema_version",
    ],
    "properties": {
        "total_instances": _COUNT,
        "submitted_instances": _COUNT,
        "completed_instances": _COUNT,
        "resolved_instances": _COUNT,
        "unresolved_instances": _COUNT,
        "empty_patch_instances": _COUNT,
        "error_instances": _COUNT,
        "completed_ids": _IDS,
        "incomplete_ids": _IDS,
        "empty_patch_ids": _IDS,
        "submitted_ids": _IDS,
        "resolved_ids": _IDS,
        "unresolved_ids": _IDS,
        "error_ids": _IDS,
        "schema_version": {"const": 2},
    },
    "additionalProperties": False,
}

_SPLIT: dict[str, Any] = {
    "type": "object",
    "required": ["success", "failure"],
    "properties": {
        "success": {"type": "array", "items": {"type": "string"}},
        "failure": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}

INSTANCE_REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": {
        "type": "object",
        "required": ["patch_is_None", "patch_exists", "patch_successfully_applied", "resolved"],
        "properties": {
            "patch_is_None": {"type": "boolean"},
            "patch_exists": {"type": "boolean"},
            "patch_successfully_applied": {"type": "boolean"},
            "resolved": {"type": "boolean"},
            "tests_status": {
                "type": "object",
                "required": ["FAIL_TO_PASS", "PASS_TO_PASS"],
                "properties": {
                    "FAIL_TO_PASS": _SPLIT,
                    "PASS_TO_PASS": _SPLIT,
                    "FAIL_TO_FAIL": _SPLIT,
                    "PASS_TO_FAIL": _SPLIT,
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
}
