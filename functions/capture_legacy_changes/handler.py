"""capture_legacy_changes: the legacy table's stream consumer during an online migration, and the proof
that it has caught up.

Thin wiring only; the logic is ``migration_runtime.change_capture`` and
``migration_runtime.shard_covering_sentinels``. Two events reach it:
- a batch of stream records (``Records``) from its event source mapping, which exists disabled and is
  enabled by the migration's state machine for the run. A failed batch answers with the sequence number
  to retry from (ReportBatchItemFailures), never an exception, so Lambda keeps the shard's order;
- ``{"place_sentinels": <group id>}`` from the state machine: a sentinel on every shard of the stream,
  whose arrival proves the capture reads every shard (before the bulk copy) or has caught up on every
  shard (once the legacy consumer is paused). A failure raises (the state machine rolls back);
- ``{"beat_sentinels": <group id>}`` from the wait for that group, before each reading: the members not
  yet seen are written again.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from migration_runtime import aws_clients, settings
from migration_runtime.change_capture import ChangeCapture
from migration_runtime.configured_mapping import configured_mapping
from migration_runtime.shard_covering_sentinels import ShardCoveringPlacement

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=settings.metrics_namespace())


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "place_sentinels" in event:
        return place_sentinels(str(event["place_sentinels"]))
    if "beat_sentinels" in event:
        return {"rewritten": sentinel_placement().beat(str(event["beat_sentinels"]))}
    capture = ChangeCapture(
        dynamodb=aws_clients.dynamodb(),
        sqs=aws_clients.sqs(),
        migration_queue_url=settings.migration_queue_url(),
        control_table_name=settings.control_table_name(),
        mapping=configured_mapping(),
    )
    records = event.get("Records") or []
    result = capture.capture(records)
    metrics.add_metric(name="LegacyChangesCaptured", unit=MetricUnit.Count, value=result.changes)
    if result.failed_from is not None:
        metrics.add_metric(name="CaptureBatchesFailed", unit=MetricUnit.Count, value=1)
        # Sequence numbers and an error kind only: the records hold customer data.
        logger.warning(
            "capture batch failed; retried from its first record",
            extra={"records": len(records), "failed_from": result.failed_from, "error_type": result.error},
        )
    else:
        logger.info("changes captured", extra={"changes": result.changes, "sentinels": result.sentinels})
    return result.batch_item_failures()


def sentinel_placement() -> ShardCoveringPlacement:
    return ShardCoveringPlacement(
        dynamodb=aws_clients.dynamodb(),
        streams=aws_clients.dynamodb_streams(),
        legacy_table_name=settings.legacy_table_name(),
        record_id_field=configured_mapping().record_id_field,
        stream_arn=settings.legacy_stream_arn(),
        control_table_name=settings.control_table_name(),
    )


def place_sentinels(group: str) -> dict[str, Any]:
    placed = sentinel_placement().place(group)
    logger.info("sentinels placed", extra={"members": placed.members, "shards": placed.shards})
    metrics.add_metric(name="SentinelStreamShards", unit=MetricUnit.Count, value=placed.shards)
    return placed.as_result()
