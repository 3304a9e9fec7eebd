"""DLQ redrive: ``StartMessageMoveTask``, ``ListMessageMoveTasks`` and ``CancelMessageMoveTask``.

moto 5.2.5 answers these with HTTP 500, which a state machine's Catch cannot even catch. The shim
moves the messages for real, in a background thread, from the dead-letter queue back to its source
queue (or to ``DestinationArn``), as new messages (receive count starts again, as on AWS).

Limitation: moto does not record which source queue dead-lettered a message, so without
``DestinationArn`` the DLQ must serve exactly one source queue (true for every queue of this stack).

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``moto.sqs.responses.SQSResponse`` gains
three action methods (moto dispatches on the snake-cased action name), using ``_get_param``,
``current_account``, ``region`` and ``ActionResult``; ``sqs_backends[account][region]`` with
``queues``, ``receive_message``, ``send_message``, ``delete_message``, ``list_dead_letter_source_queues``.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import ActionResult
from moto.sqs.exceptions import SQSException
from moto.sqs.models import sqs_backends
from moto.sqs.responses import SQSResponse

from embedded_aws.moto_internals.patching import PatchSet

_BATCH = 10


@dataclass
class _MoveTask:
    handle: str
    source_arn: str
    destination_arn: str
    max_per_second: int | None
    to_move: int
    started_ms: int
    status: str = "RUNNING"
    moved: int = 0
    failure_reason: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def describe(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "TaskHandle": self.handle,
            "Status": self.status,
            "SourceArn": self.source_arn,
            "DestinationArn": self.destination_arn,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
            "StartedTimestamp": self.started_ms,
        }
        if self.max_per_second is not None:
            entry["MaxNumberOfMessagesPerSecond"] = self.max_per_second
        if self.failure_reason:
            entry["FailureReason"] = self.failure_reason
        return entry


_ACTIVE = ("RUNNING", "CANCELLING")
_TASKS: list[_MoveTask] = []
_TASKS_LOCK = threading.Lock()


def _queue_by_arn(backend: Any, arn: str) -> Any:
    for queue in backend.queues.values():
        if queue.queue_arn == arn:
            return queue
    raise SQSException(
        "ResourceNotFoundException", f"The resource that you specified for the arn {arn} does not exist."
    )


def _move(task: _MoveTask, backend: Any, source: Any, destination: Any) -> None:
    try:
        while not task.cancel.is_set():
            batch_started = time.monotonic()
            messages = backend.receive_message(source.name, _BATCH, 0, 30, ["All"])
            if not messages:
                break
            for message in messages:
                backend.send_message(
                    destination.name,
                    message.body,
                    message_attributes=message.message_attributes or None,
                    group_id=message.group_id,
                    deduplication_id=message.deduplication_id,
                )
                backend.delete_message(source.name, message.receipt_handle)
                task.moved += 1
            if task.max_per_second:
                pause = len(messages) / task.max_per_second - (time.monotonic() - batch_started)
                if pause > 0:
                    time.sleep(pause)
        task.status = "CANCELLED" if task.cancel.is_set() else "COMPLETED"
    except Exception as exc:  # reported through ListMessageMoveTasks, as AWS does
        task.status = "FAILED"
        task.failure_reason = f"{type(exc).__name__}: {exc}"


def start_message_move_task(self: SQSResponse) -> ActionResult:
    backend = sqs_backends[self.current_account][self.region]
    source_arn = self._get_param("SourceArn")
    destination_arn = self._get_param("DestinationArn")
    max_per_second = self._get_param("MaxNumberOfMessagesPerSecond")
    source = _queue_by_arn(backend, source_arn)
    if destination_arn is None:
        origins = backend.list_dead_letter_source_queues(source.name)
        if not origins:
            raise SQSException(
                "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue."
            )
        if len(origins) > 1:
            raise SQSException(
                "InvalidParameterValue",
                "This local emulator needs DestinationArn when a dead-letter queue serves several queues.",
            )
        destination = origins[0]
    else:
        destination = _queue_by_arn(backend, destination_arn)
    with _TASKS_LOCK:
        # "Only one active message movement task is supported per queue at any given time" (SQS API
        # reference, StartMessageMoveTask); a task being cancelled is still active.
        if any(t.source_arn == source_arn and t.status in _ACTIVE for t in _TASKS):
            raise SQSException(
                "InvalidParameterValue",
                "There is already a task running. Only one active task is allowed for a source queue arn "
                "at a given time.",
            )
        task = _MoveTask(
            handle=uuid.uuid4().hex,
            source_arn=source_arn,
            destination_arn=destination.queue_arn,
            max_per_second=int(max_per_second) if max_per_second else None,
            to_move=source.approximate_number_of_messages,
            started_ms=int(time.time() * 1000),
        )
        _TASKS.append(task)
    threading.Thread(
        target=_move, args=(task, backend, source, destination), name="sqs-message-move", daemon=True
    ).start()
    return ActionResult({"TaskHandle": task.handle})


def list_message_move_tasks(self: SQSResponse) -> ActionResult:
    source_arn = self._get_param("SourceArn")
    max_results = int(self._get_param("MaxResults") or 1)
    _queue_by_arn(sqs_backends[self.current_account][self.region], source_arn)
    with _TASKS_LOCK:
        tasks = [t for t in reversed(_TASKS) if t.source_arn == source_arn][:max_results]
    return ActionResult({"Results": [t.describe() for t in tasks]})


def cancel_message_move_task(self: SQSResponse) -> ActionResult:
    handle = self._get_param("TaskHandle")
    with _TASKS_LOCK:
        task = next((t for t in _TASKS if t.handle == handle), None)
    if task is None or task.status != "RUNNING":
        raise SQSException("ResourceNotFoundException", "Task does not exist or is not running.")
    task.status = "CANCELLING"
    task.cancel.set()
    return ActionResult({"ApproximateNumberOfMessagesMoved": task.moved})


def install(patches: PatchSet) -> None:
    with _TASKS_LOCK:
        _TASKS.clear()
    patches.replace(SQSResponse, "start_message_move_task", start_message_move_task)
    patches.replace(SQSResponse, "list_message_move_tasks", list_message_move_tasks)
    patches.replace(SQSResponse, "cancel_message_move_task", cancel_message_move_task)
