"""Retry backoff for failed queue messages: visible again after a delay that grows with the receive count.

Without it a failed message waits the queue's full visibility timeout (6 x the function timeout) before
each retry, and a permanently failing record needs most of an hour to reach the DLQ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migration_runtime import settings

MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200  # the SQS limit (12 hours)


@dataclass(frozen=True)
class RetryBackoff:
    base_delay_seconds: int = settings.DEFAULT_RETRY_BASE_DELAY_SECONDS
    max_delay_seconds: int = settings.DEFAULT_RETRY_MAX_DELAY_SECONDS

    @classmethod
    def from_settings(cls) -> RetryBackoff:
        return cls(
            base_delay_seconds=settings.retry_base_delay_seconds(),
            max_delay_seconds=settings.retry_max_delay_seconds(),
        )

    def delay_seconds(self, receive_count: int) -> int:
        """min(base * 2**(receive_count - 1), max), within what SQS accepts."""
        exponent = max(receive_count, 1) - 1
        # Cap the exponent: 2**64 seconds is already beyond any maximum, and huge ints are pointless.
        delay = min(self.base_delay_seconds * 2 ** min(exponent, 32), self.max_delay_seconds)
        return max(0, min(delay, MAX_VISIBILITY_TIMEOUT_SECONDS))

    def delay_message(self, sqs: Any, *, queue_url: str, receipt_handle: str, receive_count: int) -> int:
        delay = self.delay_seconds(receive_count)
        sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=delay
        )
        return delay
