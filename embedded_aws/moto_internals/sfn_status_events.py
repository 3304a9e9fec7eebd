"""Step Functions "Execution Status Change" events, handed to the runtime as AWS sends them to EventBridge.

AWS, "Automating Step Functions event delivery with EventBridge"
(https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html) and the EventBridge events
reference (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html): a Standard
execution emits source ``aws.states``, detail-type ``Step Functions Execution Status Change`` to the
default bus when it becomes RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED; ``resources`` holds the
execution ARN; the detail carries executionArn, stateMachineArn, name, status, startDate and stopDate
(epoch milliseconds), input / output (JSON text or null) with inputDetails / outputDetails, error, cause.
moto 5.2.5 emits nothing.

``StopExecution`` ends an execution ABORTED at once on AWS; moto only flags the engine and reports
ABORTED whenever the running state next looks, so the stop also records the status and stop date itself.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``parser.backend.execution.Execution`` (``start()``, ``stop(stop_date, error, cause)``, exec_arn,
state_machine.arn, name, exec_status, start_date, stop_date, input_data, output, error, cause) and
``BaseExecutionWorkerCommunication.terminated()`` with its ``execution``; ``SyncExecution``
(StartSyncExecution, run to its end inside ``start()``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.backend.execution import (
    BaseExecutionWorkerCommunication,
    Execution,
    SyncExecution,
)

from embedded_aws.moto_internals.patching import PatchSet

SOURCE = "aws.states"
DETAIL_TYPE = "Step Functions Execution Status Change"

StatusListener = Callable[[dict[str, Any]], None]

_TERMINAL = {
    ExecutionStatus.SUCCEEDED,
    ExecutionStatus.FAILED,
    ExecutionStatus.TIMED_OUT,
    ExecutionStatus.ABORTED,
}
# One terminal event per execution, whichever of the engine and StopExecution gets there first.
_ENDED_ATTRIBUTE = "_embedded_terminal_status_sent"
_LOCK = threading.Lock()


def _epoch_ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # moto's StopExecution stamps naive UTC
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


def status_detail(execution: Any) -> dict[str, Any]:
    """The event's ``detail`` for the execution as it is now."""
    status = execution.exec_status
    succeeded = status == ExecutionStatus.SUCCEEDED
    return {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine.arn,
        "name": execution.name,
        "status": str(status.value if hasattr(status, "value") else status),
        "startDate": _epoch_ms(execution.start_date),
        "stopDate": _epoch_ms(execution.stop_date),
        "input": _json_text(execution.input_data),
        "inputDetails": {"included": True},
        "output": _json_text(execution.output) if succeeded else None,
        "outputDetails": {"included": True} if succeeded else None,
        "error": execution.error,
        "cause": execution.cause,
    }


def install(patches: PatchSet, listener: StatusListener) -> None:
    """Call ``listener(detail)`` on every status change of every execution."""
    original_start = Execution.start
    original_stop = Execution.stop
    original_terminated = BaseExecutionWorkerCommunication.terminated

    def send_terminal(execution: Any) -> None:
        with _LOCK:
            if getattr(execution, _ENDED_ATTRIBUTE, False):
                return
            setattr(execution, _ENDED_ATTRIBUTE, True)
        listener(status_detail(execution))

    def start(self: Execution) -> None:
        # Published before the worker starts, so it precedes the end of even the shortest execution
        # (the publisher keeps order). StartSyncExecution (Express only) sends no status change events.
        if not isinstance(self, SyncExecution):
            listener(
                {
                    **status_detail(self),
                    "status": ExecutionStatus.RUNNING.value,
                    "stopDate": None,
                    "output": None,
                    "outputDetails": None,
                    "error": None,
                    "cause": None,
                }
            )
        original_start(self)

    def stop(self: Execution, stop_date: datetime, error: str | None, cause: str | None) -> None:
        running = self.exec_status == ExecutionStatus.RUNNING
        original_stop(self, stop_date, error, cause)
        if running:
            self.exec_status = ExecutionStatus.ABORTED
            self.stop_date = stop_date
            self.error = error or None
            self.cause = cause or None
            send_terminal(self)

    def terminated(self: BaseExecutionWorkerCommunication) -> None:
        if getattr(self.execution, _ENDED_ATTRIBUTE, False):
            return  # stopped: the engine's later view must not overwrite ABORTED
        original_terminated(self)
        if self.execution.exec_status in _TERMINAL and not isinstance(self.execution, SyncExecution):
            send_terminal(self.execution)

    patches.replace(Execution, "start", start)
    patches.replace(Execution, "stop", stop)
    patches.replace(BaseExecutionWorkerCommunication, "terminated", terminated)
