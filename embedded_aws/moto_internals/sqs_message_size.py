"""SQS message and batch sizes counted as AWS counts them: UTF-8 bytes of the body and of every attribute.

AWS, "Amazon SQS message quotas" (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html)
and SendMessage / SendMessageBatch API references: a message is at most 1 MiB (1,048,576 bytes, the
limit raised from 256 KiB in 2025), its message attributes (name, data type and value) included; a
batch's messages together are at most 1 MiB. A message over it is refused with
``InvalidParameterValue`` ("Message must be shorter than 1048576 bytes"), a batch with
``BatchRequestTooLong``.

moto 5.2.5 already uses 1 MiB but counts the body's characters only: a body of multi-byte characters,
or one with large attributes, passed locally and would be refused on AWS.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
``SQSBackend.send_message(self, queue_name, message_body, message_attributes, ...)`` and
``send_message_batch(self, queue_name, entries)`` (entries: dicts with ``MessageBody`` and
``MessageAttributes`` of ``{"DataType", "StringValue" | "BinaryValue"}``); ``get_queue`` with
``maximum_message_size``; ``InvalidParameterValue(message)``, ``BatchRequestTooLong(length)``.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from typing import Any

from moto.sqs.exceptions import BatchRequestTooLong, InvalidParameterValue
from moto.sqs.models import SQSBackend

from embedded_aws.moto_internals.patching import PatchSet
from migration_runtime.aws_limits import SQS_MAX_BATCH_BYTES


def _utf8(text: Any) -> int:
    return len(str(text).encode("utf-8"))


def _binary_size(value: Any) -> int:
    if isinstance(value, bytes | bytearray):
        return len(value)
    try:  # the query and JSON protocols carry binary values base64-encoded
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return _utf8(value)


def message_size(body: str, attributes: dict[str, Any] | None) -> int:
    """Bytes AWS counts against the message size quota."""
    size = _utf8(body)
    for name, attribute in (attributes or {}).items():
        size += _utf8(name) + _utf8(attribute.get("DataType", ""))
        if attribute.get("StringValue") is not None:
            size += _utf8(attribute["StringValue"])
        if attribute.get("BinaryValue") is not None:
            size += _binary_size(attribute["BinaryValue"])
    return size


def install(patches: PatchSet) -> None:
    send_message: Callable[..., Any] = SQSBackend.send_message
    send_message_batch: Callable[..., Any] = SQSBackend.send_message_batch

    @functools.wraps(send_message)
    def checked_send_message(
        self: SQSBackend,
        queue_name: str,
        message_body: str,
        message_attributes: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        limit = int(self.get_queue(queue_name).maximum_message_size)
        if message_size(message_body, message_attributes) > limit:
            raise InvalidParameterValue(
                f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
            )
        return send_message(self, queue_name, message_body, message_attributes, *args, **kwargs)

    @functools.wraps(send_message_batch)
    def checked_send_message_batch(
        self: SQSBackend, queue_name: str, entries: dict[str, dict[str, Any]]
    ) -> Any:
        total = sum(
            message_size(e.get("MessageBody", ""), e.get("MessageAttributes")) for e in entries.values()
        )
        if total > SQS_MAX_BATCH_BYTES:
            raise BatchRequestTooLong(total)
        return send_message_batch(self, queue_name, entries)

    patches.replace(SQSBackend, "send_message", checked_send_message)
    patches.replace(SQSBackend, "send_message_batch", checked_send_message_batch)
