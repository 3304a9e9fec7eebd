"""`plan`'s estimate recomputed for a finished run: its actual counts, its execution input, its tap.

The report shows it beside the actual duration, intake pause and state transitions, so the model `plan`
prints before a run can be checked after every run (and recalibrated with `--seconds-per-batch`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from migration_cli.deployed_tap import read_tap
from migration_cli.migration_plan import (
    RunSettings,
    Tap,
    counts_from_report,
    default_seconds_per_batch,
    estimate,
)
from migration_cli.report_model import MigrationReport, PlanBesideActual
from migration_runtime.execution_input import DEFAULTS, ONLINE


def plan_beside_actual(
    report: MigrationReport,
    execution_input: Mapping[str, Any],
    tap: Tap,
    *,
    migrate_memory_mb: int,
    worker_limit: int | None,
    seconds_per_batch: float | None = None,
    seconds_per_batch_source: str = "default (calibrated locally)",
) -> PlanBesideActual | None:
    """The estimate for ``report``'s counts, or None for a dry run or a run that counted no records.
    ``seconds_per_batch``: None for the calibrated default at ``tap``'s records per message."""
    if report.dry_run or not report.counts.legacy:
        return None
    if seconds_per_batch is None:
        seconds_per_batch = default_seconds_per_batch(tap)
    config = {**DEFAULTS, **execution_input}
    settings = RunSettings(
        segments=int(config["segments"]),
        poll_interval_seconds=int(config["poll_interval_seconds"]),
        empty_readings_required=int(config["empty_readings_required"]),
        seconds_per_batch=seconds_per_batch,
        seconds_per_batch_source=seconds_per_batch_source,
        worker_limit=worker_limit,
        migrate_memory_mb=migrate_memory_mb,
        intake_messages=report.counts.intake_received or 0,
        online=config.get("mode") == ONLINE,
    )
    plan = estimate(counts_from_report(report.counts.model_dump()), tap, settings)
    return PlanBesideActual(
        duration_seconds=round(plan.duration_seconds, 1),
        intake_paused_seconds=round(plan.intake_paused_seconds, 1),
        state_transitions=plan.state_transitions,
        cost_usd=round(plan.cost.total, 6),
        seconds_per_batch=seconds_per_batch,
        seconds_per_batch_source=seconds_per_batch_source,
    )


def execution_input_of(stepfunctions: Any, execution_arn: str) -> dict[str, Any]:
    """The input the execution was started with (an object; anything else reads as no input)."""
    text = stepfunctions.describe_execution(executionArn=execution_arn).get("input") or "{}"
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return document if isinstance(document, dict) else {}


def with_plan_estimate(
    report: MigrationReport,
    stepfunctions: Any,
    lambda_client: Any,
    outputs: Any,
    *,
    worker_limit: int | None,
) -> MigrationReport:
    """``report`` with its ``estimate`` filled in from the deployed tap and the execution's input."""
    tap, memory_mb = read_tap(lambda_client, outputs)
    comparison = plan_beside_actual(
        report,
        execution_input_of(stepfunctions, report.execution_arn),
        tap,
        migrate_memory_mb=memory_mb,
        worker_limit=worker_limit,
    )
    return report.model_copy(update={"estimate": comparison})
