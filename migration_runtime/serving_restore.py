"""The watchdog's work: after a migration ends abnormally, make sure exactly one backend serves the intake.

On AWS some ends run no Catch at all: an operator's StopExecution (ABORTED), the execution timeout
(TIMED_OUT), the terminal errors ``States.DataLimitExceeded`` and ``States.Runtime`` and the 25,000-event
history quota (FAILED) - "States.ALL ... can't catch the States.DataLimitExceeded terminal error type and
runtime error types" (AWS Step Functions developer guide, "Handling errors in Step Functions workflows").
Step Functions then only emits an "Execution Status Change" event to EventBridge; the rule on it invokes
this code, which reads the durable run state (``migration_runtime.run_control``) and restores the safe mapping
configuration:
- before the cut-over: the new mapping disabled first, then the legacy one enabled;
- once the cut-over was decided (or the new backend already served before the run): the legacy mapping
  disabled first, then the new one enabled. Legacy is never re-enabled over a serving new backend.
Disabling before enabling means the two backends never both consume the intake. An online run's change
capture (the legacy table's stream mapping) is switched off after that.

It is idempotent and safe after an end the state machine handled itself (its rollback records an
outcome first): a run with an outcome, a dry run, or an unknown run changes no mapping; the lock is
released only when this execution holds it, so a later run is never disturbed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from migration_runtime import run_control
from migration_runtime.run_control import Backend, Outcome

ABNORMAL_STATUSES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
# UpdateEventSourceMapping answers ResourceInUseException while a mapping is still Enabling/Disabling/
# Updating from an earlier change (Lambda API reference): wait and try again.
MAPPING_UPDATE_ATTEMPTS = 8
MAPPING_RETRY_BASE_SECONDS = 0.5


@dataclass(frozen=True)
class MappingIds:
    legacy: str
    new: str
    capture: str | None = None
    """The online capture's stream mapping: switched off after the intake mappings are put right."""


@dataclass(frozen=True)
class RestoreResult:
    execution_arn: str
    status: str
    action: str  # "restored", "already-handled", "dry-run", "unknown-run", "ignored"
    restored_to: str | None
    lock_released: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _set_enabled(lambda_client: Any, uuid: str, enabled: bool, sleep: Callable[[float], None]) -> None:
    for attempt in range(1, MAPPING_UPDATE_ATTEMPTS + 1):
        try:
            lambda_client.update_event_source_mapping(UUID=uuid, Enabled=enabled)
            return
        except lambda_client.exceptions.ResourceInUseException:
            if attempt == MAPPING_UPDATE_ATTEMPTS:
                raise
            sleep(min(MAPPING_RETRY_BASE_SECONDS * 2 ** (attempt - 1), 10.0))


def apply_serving(
    lambda_client: Any,
    mappings: MappingIds,
    backend: Backend,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Make ``backend`` the only consumer of the intake: disable the other mapping first."""
    if backend is Backend.NEW:
        _set_enabled(lambda_client, mappings.legacy, False, sleep)
        _set_enabled(lambda_client, mappings.new, True, sleep)
    else:
        _set_enabled(lambda_client, mappings.new, False, sleep)
        _set_enabled(lambda_client, mappings.legacy, True, sleep)


def restore_after_abnormal_end(
    *,
    dynamodb: Any,
    lambda_client: Any,
    sns: Any,
    control_table_name: str,
    mappings: MappingIds,
    topic_arn: str | None,
    execution_arn: str,
    status: str,
    now: datetime,
    sleep: Callable[[float], None] = time.sleep,
) -> RestoreResult:
    if status not in ABNORMAL_STATUSES:
        return RestoreResult(execution_arn, status, "ignored", None, False)
    run = run_control.read_run(dynamodb, control_table_name, execution_arn)
    if run is None or run.dry_run or run.outcome is not None:
        # Nothing was paused by this run (it ended before its first record, or it was a dry run), or the
        # state machine already restored serving itself: only a lock it still holds is released.
        released = run_control.release_lock(dynamodb, control_table_name, execution_arn)
        action = "unknown-run" if run is None else "dry-run" if run.dry_run else "already-handled"
        return RestoreResult(execution_arn, status, action, None, released)

    backend = run.safe_backend
    apply_serving(lambda_client, mappings, backend, sleep=sleep)
    if mappings.capture:
        # An online run's capture has no reader left once the run is over (a later run starts it again).
        _set_enabled(lambda_client, mappings.capture, False, sleep)
    run_control.record_outcome(
        dynamodb,
        control_table_name,
        execution_arn,
        outcome=Outcome.RESTORED_BY_WATCHDOG,
        at=now,
        details={"restored_to": backend.value, "end_status": status, "phase_at_end": run.phase},
    )
    released = run_control.release_lock(dynamodb, control_table_name, execution_arn)
    result = RestoreResult(execution_arn, status, "restored", backend.value, released)
    if topic_arn:
        sns.publish(
            TopicArn=topic_arn,
            Subject="Migration ended abnormally; serving restored"[:100],
            Message=json.dumps(
                {
                    **result.to_dict(),
                    "phase_at_end": run.phase,
                    "cut_over": run.cut_over,
                    "what_happened": (
                        f"The execution ended {status} in phase {run.phase or 'unknown'} without running "
                        f"its own rollback. The intake is served by the {backend.value} backend again."
                    ),
                }
            ),
        )
    return result
