"""enqueue_records: scan one legacy table segment and send eligible records to the migration queue.

Event: {"segment", "total_segments", "cursor", "dry_run"} (plus an optional "correlation_id").
Returns the cursor with done=false when fewer than ENQUEUE_TIME_RESERVE_MS remain or the call has used its
ENQUEUE_CALL_SLICE_SECONDS, so the caller loops (and shows progress between calls).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from migration_runtime import aws_clients, settings
from migration_runtime.call_time_slice import sliced_remaining_time_ms
from migration_runtime.configured_mapping import configured_mapping
from migration_runtime.segment_enqueue import EnqueueRequest, enqueue_segment

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=settings.metrics_namespace())


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@logger.inject_lambda_context(log_event=False, clear_state=True, correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # One call per page run: also keeps the EMF blob non-empty when the request is refused.
    metrics.add_metric(name="EnqueueCalls", unit=MetricUnit.Count, value=1)
    request = EnqueueRequest.model_validate(event)
    result = enqueue_segment(
        request,
        dynamodb=aws_clients.dynamodb(),
        sqs=aws_clients.sqs(),
        legacy_table_name=settings.legacy_table_name(),
        migration_queue_url=settings.migration_queue_url(),
        control_table_name=settings.control_table_name(),
        mapping=configured_mapping(),
        page_size=settings.enqueue_scan_page_size(),
        records_per_message=settings.records_per_message(),
        time_reserve_ms=settings.enqueue_time_reserve_ms(),
        remaining_time_ms=sliced_remaining_time_ms(
            context.get_remaining_time_in_millis,
            slice_seconds=settings.enqueue_call_slice_seconds(),
            reserve_ms=settings.enqueue_time_reserve_ms(),
        ),
    )
    counts = result.counts
    metrics.add_metric(name="RecordsScanned", unit=MetricUnit.Count, value=counts.scanned)
    metrics.add_metric(name="RecordsEnqueued", unit=MetricUnit.Count, value=counts.enqueued)
    metrics.add_metric(name="MessagesEnqueued", unit=MetricUnit.Count, value=counts.messages)
    metrics.add_metric(name="RecordsIneligible", unit=MetricUnit.Count, value=counts.ineligible)
    metrics.add_metric(name="RecordsInvalid", unit=MetricUnit.Count, value=counts.invalid)
    logger.info(
        "segment page(s) enqueued" if not request.dry_run else "segment page(s) counted (dry run)",
        extra={
            "segment": result.segment,
            "total_segments": result.total_segments,
            "done": result.done,
            **counts.model_dump(),
        },
    )
    return result.to_document()
