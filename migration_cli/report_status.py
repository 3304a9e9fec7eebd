"""The words for how an execution ended, shared by `watch`, `report` and `local run`."""

from __future__ import annotations

from typing import Any

from migration_runtime.migration_errors import MigrationError


def report_status(description: dict[str, Any]) -> str:
    """SUCCEEDED, ROLLED_BACK or FAILED for a finished execution (RUNNING while it runs)."""
    status = str(description["status"])
    if status == "SUCCEEDED":
        return "SUCCEEDED"
    if status == "RUNNING":
        return "RUNNING"
    if status == "FAILED" and description.get("error") == MigrationError.ROLLED_BACK:
        return "ROLLED_BACK"
    return "FAILED"
