"""validate_migration: compare the legacy and new tables and report.

The logic is ``migration_runtime.migration_verification``.

Event: {"segments": int (default 4), "mode": "offline" | "online", "stage": "bulk" | "converge" |
"cut_over", "since": ISO time} (plus an optional "correlation_id"). Online, the verifications while the
legacy backend serves (both tables in full, then only what changed since) mark what differs; the
cut-over's re-verifies only what changed since ``since``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from migration_runtime import aws_clients, settings
from migration_runtime.configured_mapping import configured_lookups, configured_mapping
from migration_runtime.execution_input import DEFAULT_SEGMENTS, MAX_SEGMENTS, OFFLINE, ONLINE
from migration_runtime.migration_verification import verify_changed_records, verify_migration

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=settings.metrics_namespace())


class ValidateRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    segments: int = Field(default=DEFAULT_SEGMENTS, ge=1, le=MAX_SEGMENTS)
    mode: Literal["offline", "online"] = OFFLINE
    stage: Literal["bulk", "converge", "cut_over"] = "bulk"
    """Online only: ``bulk`` (both tables in full) and ``converge`` (only what changed since the full
    verification began) while the legacy backend serves, suspects marked; ``cut_over`` in the pause."""
    since: datetime | None = None
    """Online ``converge`` and ``cut_over``: re-verify the applications changed since this moment (when
    the previous verification began)."""


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@logger.inject_lambda_context(log_event=False, clear_state=True, correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any] | None, context: LambdaContext) -> dict[str, Any]:
    metrics.add_metric(name="ValidationRuns", unit=MetricUnit.Count, value=1)
    request = ValidateRequest.model_validate(event or {})
    dynamodb = aws_clients.dynamodb()
    tables_and_queues = {
        "dynamodb": dynamodb,
        "sqs": aws_clients.sqs(),
        "legacy_table_name": settings.legacy_table_name(),
        "new_table_name": settings.new_table_name(),
        "control_table_name": settings.control_table_name(),
        "migration_dlq_url": settings.migration_dlq_url(),
        "intake_dlq_url": settings.intake_dlq_url(),
        "mapping": configured_mapping(),
        "lookups": configured_lookups(dynamodb),
    }
    online = request.mode == ONLINE
    if online and request.stage in ("converge", "cut_over"):
        if request.since is None:
            raise ValueError(f"since is required for the {request.stage} stage's re-verification")
        report = verify_changed_records(
            **tables_and_queues, since=request.since, record_suspects=request.stage == "converge"
        )
    else:
        report = verify_migration(**tables_and_queues, segments=request.segments, record_suspects=online)
    counts = report.counts
    metrics.add_metric(name="MissingRecords", unit=MetricUnit.Count, value=counts.missing)
    metrics.add_metric(name="ChecksumMismatches", unit=MetricUnit.Count, value=counts.checksum_mismatches)
    metrics.add_metric(name="RejectedRecords", unit=MetricUnit.Count, value=counts.rejected)
    metrics.add_metric(name="MigrationClean", unit=MetricUnit.Count, value=1 if report.clean else 0)
    # Counts only: the bounded samples stay in the returned report, the full lists in the ledger.
    logger.info(
        "migration validated",
        extra={
            "clean": report.clean,
            "scope": report.scope.value,
            **counts.model_dump(),
            "truncated": report.truncated,
        },
    )
    return report.to_document()
