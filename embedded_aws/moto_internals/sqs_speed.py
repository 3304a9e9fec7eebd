"""Keeps moto's SQS cost per message flat as queues get deep, and its queues safe under concurrency.

Stock moto 5.2.5 degrades with queue depth because:
- every ``Message.visible`` / ``delayed`` check, i.e. every message of the queue on every receive, calls
  a slow clock (``moto.core.utils.unix_time_millis`` builds two datetimes);
- each received message is checked against the retention period through ``get_queue_attributes``,
  which recomputes all queue attributes, three full scans of the queue included;
- ``SendMessage`` reads ``queue.attributes`` (three more full scans) only to learn whether the queue
  deduplicates by content;
- ``DeleteMessage`` and ``ChangeMessageVisibility`` walk every message, rebuilding the list of its
  receipt handles;
- ``ReceiveMessage`` builds the list of all visible messages to take the first ten;
- ``GetQueueAttributes`` recomputes all attributes several times per attribute name asked.
Every replacement below keeps moto's behaviour and only removes the avoidable work.

moto's queues also have no lock around receive and delete (two concurrent receivers can get the same
message, a delete that rebuilds the list can drop a message appended meanwhile), and the runtime's
pollers receive concurrently, so those operations are serialised here.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
the module globals ``unix_time`` and
``unix_time_millis`` of ``moto.sqs.models``; ``SQSBackend.receive_message``, ``send_message``,
``send_message_batch``, ``change_message_visibility``, ``get_queue_attributes``,
``is_message_valid_based_on_retention_period``, ``get_queue``; ``Queue.messages``, ``attributes``,
``approximate_number_of_messages*``, ``delete_message``, ``_messages``, ``_messages_lock``,
``pending_messages``, ``deleted_messages``, ``message_retention_period``, ``fifo_queue``,
``sqs_backends[account][region].queues``, ``_messages_lock`` notified by ``Queue.add_message``
(behaviour test: tests/functional/runtime/test_runtime_sqs_event_source.py),
``content_based_deduplication``; ``Message.mark_received``, ``receipt_handle``,
``all_receipt_handles``, ``visible_at``, ``delayed_until``, ``sent_timestamp``.
"""

from __future__ import annotations

import functools
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

import moto.sqs.models as sqs_models
from moto.sqs.exceptions import InvalidAttributeName, InvalidParameterValue, ReceiptHandleIsInvalid
from moto.sqs.models import Message, Queue, SQSBackend

from embedded_aws.moto_internals.patching import PatchSet

# One lock for all queue mutations that moto does not protect itself. Long polls wait outside it.
SQS_LOCK = threading.RLock()
# Longest sleep of a long poll between two scans: messages whose visibility timeout expires do not
# wake a waiting receiver, so it looks again at least this often.
_LONG_POLL_RESCAN_SECONDS = 0.1


def _unix_time(dt: Any = None) -> float:
    if dt is not None:
        return _original_unix_time(dt)
    return time.time()


def _unix_time_millis(dt: Any = None) -> float:
    if dt is not None:
        return _original_unix_time(dt) * 1000.0
    return time.time() * 1000.0


_original_unix_time = sqs_models.unix_time
# Receipt handle -> message, so that a delete does not scan the queue.
_MESSAGES_BY_HANDLE: weakref.WeakValueDictionary[str, Message] = weakref.WeakValueDictionary()
_SENDING = threading.local()


class _AvailableMessages:
    """``Queue.messages`` as a lazy view: moto's receive stops after ``count`` messages, so it no longer
    builds the list of every visible message of the queue on each call. Supports what moto does with it:
    iteration, ``len`` and truth testing."""

    __slots__ = ("_queue",)

    def __init__(self, queue: Queue) -> None:
        self._queue = queue

    def __iter__(self) -> Iterator[Message]:
        now = time.time() * 1000.0
        for message in self._queue._messages:
            if message.visible_at < now and message.delayed_until <= now:
                yield message

    def __len__(self) -> int:
        return _count_available(self._queue)

    def __bool__(self) -> bool:
        return any(True for _ in self)


def _available(queue: Queue) -> _AvailableMessages:
    return _AvailableMessages(queue)


def _count_delayed(queue: Queue) -> int:
    now = time.time() * 1000.0
    return sum(1 for m in queue._messages if now < m.delayed_until)


def _count_not_visible(queue: Queue) -> int:
    now = time.time() * 1000.0
    return sum(1 for m in queue._messages if now <= m.visible_at)


def _count_available(queue: Queue) -> int:
    now = time.time() * 1000.0
    return sum(1 for m in queue._messages if m.visible_at < now and m.delayed_until <= now)


def _retention_check(self: SQSBackend, queue_name: str, message: Message) -> bool:
    queue = self.get_queue(queue_name)
    return message.sent_timestamp / 1000 + int(queue.message_retention_period) > time.time()  # type: ignore[attr-defined,operator]


def _delete_message(self: Queue, receipt_handle: str) -> None:
    with SQS_LOCK:
        if receipt_handle in self.deleted_messages:
            # Already deleted: AWS (and moto) accept deleting it again.
            return
        message = _MESSAGES_BY_HANDLE.get(receipt_handle)
        # ``in`` compares by identity first: a C-speed scan, no Python per message.
        if message is None or message not in self._messages:
            raise ReceiptHandleIsInvalid()
        self._messages.remove(message)
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)  # type: ignore[arg-type]


def _get_queue_attributes(self: SQSBackend, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
    # moto's version recomputes every attribute (three scans of the queue) several times per name asked.
    queue = self.get_queue(queue_name)
    if not attribute_names:
        return {}
    valid_names = ["All", *queue.BASE_ATTRIBUTES, *queue.FIFO_ATTRIBUTES, *queue.KMS_ATTRIBUTES]
    invalid_name = next((name for name in attribute_names if name not in valid_names), None)
    if invalid_name or invalid_name == "":
        raise InvalidAttributeName(invalid_name)
    attributes = queue.attributes
    if "All" in attribute_names:
        return attributes
    return {name: attributes[name] for name in attribute_names if attributes.get(name) is not None}


def _change_message_visibility(
    self: SQSBackend, queue_name: str, receipt_handle: str, visibility_timeout: int
) -> None:
    # moto's version, with the handle looked up instead of scanning the queue.
    queue = self.get_queue(queue_name)
    with SQS_LOCK:
        message = _MESSAGES_BY_HANDLE.get(receipt_handle)
        if message is None or message not in queue._messages:
            raise ReceiptHandleIsInvalid()
        given_visibility_timeout = time.time() * 1000.0 + int(visibility_timeout) * 1000
        if given_visibility_timeout - message.sent_timestamp > 43200 * 1000:  # type: ignore[operator]
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                "VisibilityTimeout for the message is beyond the limit [43200 seconds]"
            )
        message.change_visibility(visibility_timeout)
        if message.visible and message in queue.pending_messages:
            queue.pending_messages.remove(message)


def wait_for_message(queue_arn: str, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for a message to be sent to the queue (False: no such queue).

    Event source mapping pollers wait here while their queue is empty, as the Lambda service's pollers
    wait in a long poll, instead of asking again every few milliseconds: a send wakes them at once.
    Messages that become visible again after their visibility timeout do not wake a waiter.
    """
    _, _, _, region, account_id, name = queue_arn.split(":", 5)
    queue = sqs_models.sqs_backends[account_id][region].queues.get(name)
    if queue is None:
        return False
    condition = queue._messages_lock
    with condition:
        condition.wait(timeout=timeout)
    return True


def install(patches: PatchSet) -> None:
    patches.replace(sqs_models, "unix_time", _unix_time)
    patches.replace(sqs_models, "unix_time_millis", _unix_time_millis)
    patches.replace(Queue, "messages", property(_available))
    patches.replace(Queue, "approximate_number_of_messages", property(_count_available))
    patches.replace(Queue, "approximate_number_of_messages_delayed", property(_count_delayed))
    patches.replace(Queue, "approximate_number_of_messages_not_visible", property(_count_not_visible))
    patches.replace(SQSBackend, "is_message_valid_based_on_retention_period", _retention_check)
    patches.replace(Queue, "delete_message", _delete_message)

    original_attributes: property = vars(Queue)["attributes"]

    def attributes(self: Queue) -> dict[str, Any]:
        if getattr(_SENDING, "active", False):
            # Inside SendMessage moto only asks whether the queue deduplicates by content.
            if not self.fifo_queue:
                return {}
            return {"ContentBasedDeduplication": "true" if self.content_based_deduplication else "false"}  # type: ignore[attr-defined]
        return original_attributes.fget(self)  # type: ignore[misc]

    patches.replace(Queue, "attributes", property(attributes))

    def sending(original: Any) -> Any:
        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nested = getattr(_SENDING, "active", False)
            _SENDING.active = True
            try:
                return original(*args, **kwargs)
            finally:
                _SENDING.active = nested

        return wrapper

    patches.replace(SQSBackend, "send_message", sending(vars(SQSBackend)["send_message"]))
    patches.replace(SQSBackend, "send_message_batch", sending(vars(SQSBackend)["send_message_batch"]))

    original_mark_received = vars(Message)["mark_received"]

    @functools.wraps(original_mark_received)
    def mark_received(self: Message, visibility_timeout: int | None = None) -> None:
        original_mark_received(self, visibility_timeout)
        _MESSAGES_BY_HANDLE[self.receipt_handle] = self  # type: ignore[index]

    patches.replace(Message, "mark_received", mark_received)

    original_receive = vars(SQSBackend)["receive_message"]

    @functools.wraps(original_receive)
    def receive_message(
        self: SQSBackend,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Message]:
        # Scan under the lock without waiting; a long poll waits between scans, outside the lock.
        deadline = time.monotonic() + (wait_seconds_timeout or 0)
        while True:
            with SQS_LOCK:
                result = original_receive(
                    self, queue_name, count, 0, visibility_timeout, message_attribute_names
                )
            remaining = deadline - time.monotonic()
            if result or remaining <= 0:
                return result
            condition = self.get_queue(queue_name)._messages_lock
            with condition:
                condition.wait(timeout=min(remaining, _LONG_POLL_RESCAN_SECONDS))

    patches.replace(SQSBackend, "receive_message", receive_message)

    patches.replace(SQSBackend, "change_message_visibility", _change_message_visibility)
    patches.replace(SQSBackend, "get_queue_attributes", _get_queue_attributes)
