"""The intake messages the new backend's consumer failed and SQS will deliver again: what the drain
waits for.

After the cut-over the new consumer takes the intake queue while live traffic keeps arriving, so a
reading of the queue with nothing in flight may never come (on AWS the drain wants several such readings
30 s apart). What the drain must not miss is a message the new consumer keeps failing. So the consumer
leaves a mark in the control table for each message it failed (``INTAKE_RETRY`` / ``<message id>``,
with its receive count and a TTL), and removes it once a later attempt of that message succeeds. The
drain ends when nothing waits in the intake queue and either nothing is in flight or no mark is left
(``statemachines/wait_until_quiet.asl.json``, the ``intake_queue_empty`` probe, counts them with one
Query). A message that is failed until SQS moves it to the intake DLQ keeps its mark: the drain then
times out and the run ends failed after the cut-over, the new backend serving, so a person hears of a
consumer that fails messages (its DLQ alarm fires too). The mark expires a day later (TTL), so a
message removed by hand never holds a later drain for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from migration_runtime.dynamodb_codec import to_attribute_map

INTAKE_RETRY_PK = "INTAKE_RETRY"
KEEP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class IntakeRetryMarks:
    """Marks of the failed intake messages, in the control table."""

    dynamodb: Any
    table_name: str

    def failed(self, message_id: str, *, receive_count: int, at: datetime) -> None:
        item = {
            "pk": INTAKE_RETRY_PK,
            "sk": message_id,
            "receive_count": receive_count,
            "failed_at": at.isoformat(),
            "expires_at": int(at.timestamp()) + KEEP_SECONDS,
        }
        self.dynamodb.put_item(TableName=self.table_name, Item=to_attribute_map(item))

    def succeeded(self, message_id: str, *, receive_count: int) -> None:
        """A first attempt cannot have left a mark: only a retried message costs a delete."""
        if receive_count > 1:
            key = {"pk": INTAKE_RETRY_PK, "sk": message_id}
            self.dynamodb.delete_item(TableName=self.table_name, Key=to_attribute_map(key))
