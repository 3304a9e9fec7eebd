"""restore_serving: the watchdog. After a migration execution ends FAILED, TIMED_OUT or ABORTED, make sure
exactly one backend serves the intake (see migration_runtime.serving_restore).

Event: the EventBridge "Step Functions Execution Status Change" event
({"detail": {"executionArn", "status", ...}}).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from migration_runtime import aws_clients, settings
from migration_runtime.serving_restore import MappingIds, restore_after_abnormal_end
from migration_runtime.timestamps import utc_now

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=settings.metrics_namespace())


class ExecutionStatusDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    executionArn: str  # the event's own spelling
    status: str


class ExecutionStatusChange(BaseModel):
    model_config = ConfigDict(extra="ignore")

    detail: ExecutionStatusDetail


@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = ExecutionStatusChange.model_validate(event).detail
    result = restore_after_abnormal_end(
        dynamodb=aws_clients.dynamodb(),
        lambda_client=aws_clients.lambda_(),
        sns=aws_clients.sns(),
        control_table_name=settings.control_table_name(),
        mappings=MappingIds(
            legacy=settings.legacy_mapping_uuid(),
            new=settings.new_mapping_uuid(),
            capture=settings.capture_mapping_uuid(),
        ),
        topic_arn=settings.gate_topic_arn(),
        execution_arn=detail.executionArn,
        status=detail.status,
        now=utc_now(),
    )
    metrics.add_metric(
        name="ServingRestored", unit=MetricUnit.Count, value=1 if result.action == "restored" else 0
    )
    logger.info("migration end checked", extra=result.to_dict())
    return result.to_dict()
