"""Everything in the project that knows moto's internals lives in this package.

moto is pinned exactly (requirements-dev.txt / constraints.txt); each internal relied on is listed in
the docstring of the module using it and has a contract test in
tests/functional/runtime/test_runtime_moto_contracts.py,
so an upgrade that changes one fails loudly instead of silently changing the runtime's behaviour.
"""

from __future__ import annotations

from collections.abc import Callable

from embedded_aws.moto_internals import (
    dynamodb_compact_items,
    dynamodb_scan_speed,
    dynamodb_speed,
    dynamodb_streams,
    dynamodb_transactions,
    event_source_mappings,
    eventbridge_lambda_targets,
    json_response_speed,
    message_move,
    model_tracking,
    quiet_loggers,
    server_speed,
    sfn_aws_sdk,
    sfn_child_executions,
    sfn_context_object,
    sfn_error_handling,
    sfn_execution_start,
    sfn_history_quota,
    sfn_json_path,
    sfn_status_events,
    sfn_variables,
    sqs_backlog_bound,
    sqs_message_size,
    sqs_speed,
)
from embedded_aws.moto_internals.eventbridge_lambda_targets import LambdaDelivery
from embedded_aws.moto_internals.lambda_functions import LambdaExecution
from embedded_aws.moto_internals.patching import PatchSet
from embedded_aws.moto_internals.sfn_status_events import StatusListener

PINNED_MOTO_VERSION = "5.2.5"


def install(
    execution: LambdaExecution,
    status_listener: StatusListener,
    deliver_to_lambda: LambdaDelivery,
    history_quota: int | Callable[[], int],
    backlog_bound: sqs_backlog_bound.BacklogBound | None = None,
    stream_unread_from: dynamodb_streams.ProtectedFrom | None = None,
) -> PatchSet:
    """Apply every runtime patch; ``PatchSet.restore()`` undoes them all.

    ``status_listener`` gets each Step Functions execution status change; ``deliver_to_lambda`` each
    event an EventBridge rule sends to a Lambda target; ``history_quota`` is the number of history
    events at which an execution fails; ``backlog_bound``, if any, holds sends to a drained queue whose
    backlog reached it; ``stream_unread_from(stream_arn)`` the lowest sequence number an enabled mapping
    of a DynamoDB stream still has to read (the stream keeps it)."""
    patches = PatchSet()
    try:
        execution.install(patches)
        event_source_mappings.detach_inline_delivery(patches)
        sqs_speed.install(patches)
        sqs_message_size.install(patches)  # after sqs_speed: it wraps the sending it installed
        if backlog_bound is not None:
            sqs_backlog_bound.install(patches, backlog_bound)  # outermost: it waits before any lock
        model_tracking.install(patches)
        message_move.install(patches)
        sfn_aws_sdk.install(patches)
        sfn_json_path.install(patches)
        sfn_child_executions.install(patches)
        sfn_variables.install(patches)
        sfn_error_handling.install(patches)
        sfn_execution_start.install(patches)
        sfn_context_object.install(patches)
        sfn_status_events.install(patches, status_listener)
        sfn_history_quota.install(patches, history_quota)
        eventbridge_lambda_targets.install(patches, deliver_to_lambda)
        json_response_speed.install(patches)
        dynamodb_speed.install(patches)
        dynamodb_compact_items.install(patches)
        dynamodb_scan_speed.install(patches)
        # After dynamodb_compact_items: a request's stream records are written once its items are stored.
        dynamodb_streams.install(patches, stream_unread_from)
        dynamodb_transactions.install(patches)
        quiet_loggers.install(patches)
        # Last: it caches the response classes' methods, the message move shim's included.
        server_speed.install(patches)
    except BaseException:
        patches.restore()
        raise
    return patches
