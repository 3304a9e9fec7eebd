"""Send a rejected intake message to the intake DLQ, with why and where from.

The original body is kept byte for byte (nothing lost); the reason travels as a message attribute, so an
operator can read it without parsing the body, and it never contains personal data. Attributes count
toward SQS's 1 MiB message quota ("Amazon SQS message attributes"), so for a body near the quota the
reason (then the source queue) is shortened to what is left; a body within a few dozen bytes of the quota
leaves room for no attribute at all and is sent without them (the only case without a reason).
"""

from __future__ import annotations

from typing import Any

from migration_runtime.aws_limits import SQS_MAX_MESSAGE_BYTES
from migration_runtime.size_bounded_batches import sqs_message_size

REJECTION_REASON_ATTRIBUTE = "rejection_reason"
SOURCE_QUEUE_ATTRIBUTE = "source_queue"


def rejection_attributes(body: str, reason: str, source_queue: str) -> dict[str, dict[str, str]]:
    """The attributes that fit beside ``body`` in one SQS message: the reason first, shortened if needed."""
    room = SQS_MAX_MESSAGE_BYTES - sqs_message_size(body)
    attributes: dict[str, dict[str, str]] = {}
    for name, value in ((REJECTION_REASON_ATTRIBUTE, reason), (SOURCE_QUEUE_ATTRIBUTE, source_queue)):
        overhead = sqs_message_size("", {name: {"DataType": "String", "StringValue": ""}})
        text = _utf8_prefix(value or "unknown", room - overhead)
        if not text:
            break
        attributes[name] = {"DataType": "String", "StringValue": text}
        room -= overhead + len(text.encode("utf-8"))
    return attributes


def _utf8_prefix(text: str, max_bytes: int) -> str:
    if max_bytes <= 0:
        return ""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def send_to_intake_dlq(sqs: Any, *, dlq_url: str, body: str, reason: str, source_queue: str) -> str:
    request: dict[str, Any] = {"QueueUrl": dlq_url, "MessageBody": body}
    attributes = rejection_attributes(body, reason, source_queue)
    if attributes:
        request["MessageAttributes"] = attributes
    response = sqs.send_message(**request)
    return str(response["MessageId"])
