"""Send a rejected intake message to the intake DLQ, with why and where from.

The original body is kept byte for byte (nothing lost); the reason travels as a message attribute, so an
operator can read it without parsing the body, and it never contains personal data.
"""

from __future__ import annotations

from typing import Any

REJECTION_REASON_ATTRIBUTE = "rejection_reason"
SOURCE_QUEUE_ATTRIBUTE = "source_queue"


def send_to_intake_dlq(sqs: Any, *, dlq_url: str, body: str, reason: str, source_queue: str) -> str:
    response = sqs.send_message(
        QueueUrl=dlq_url,
        MessageBody=body,
        MessageAttributes={
            REJECTION_REASON_ATTRIBUTE: {"DataType": "String", "StringValue": reason or "unknown"},
            SOURCE_QUEUE_ATTRIBUTE: {"DataType": "String", "StringValue": source_queue or "unknown"},
        },
    )
    return str(response["MessageId"])
