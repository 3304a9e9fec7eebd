"""AWS service quotas the migration must respect, in one place.

Every size check (batching, rejection of a record that can never fit, the local runtime's refusals) reads
these numbers, so a quota that AWS raises is a one-line change. Sources, read 2026-12-01:
- SQS: 1 MiB per message and per SendMessageBatch request, 10 entries per batch (the message size quota
  was raised from 256 KiB to 1 MiB in 2025); "Amazon SQS message quotas". A message's delay
  (``DelaySeconds``) is 0 to 900 seconds (15 minutes); SendMessage API reference.
- DynamoDB: 400 KB per item (attribute names and values), partition key 1-2,048 bytes, sort key
  1-1,024 bytes, BatchWriteItem 25 items / 16 MB; "Quotas in Amazon DynamoDB".
- DynamoDB data types: numbers up to 38 significant digits, magnitude 1E-130 to
  9.9999999999999999999999999999999999999E+125; attribute names at least one character; nested attributes
  up to 32 levels, the top-level attribute counting as level 1; "Supported data types and naming rules in
  Amazon DynamoDB" and "Quotas in Amazon DynamoDB" (nested attribute depth).
- Step Functions: 256 KiB per state input or output, 25,000 events per Standard execution history;
  "Step Functions service quotas".
"""

from __future__ import annotations

from decimal import Decimal

SQS_MAX_MESSAGE_BYTES = 1024 * 1024
SQS_MAX_BATCH_BYTES = 1024 * 1024
SQS_MAX_BATCH_ENTRIES = 10
SQS_MAX_DELAY_SECONDS = 900

# "400 KB" read as 400,000 bytes: AWS does not say which KB, measured limits lie between 409 and 410 KB,
# and moto refuses items over 405,000 bytes, so the decimal figure is safe on both.
DYNAMODB_MAX_ITEM_BYTES = 400_000
DYNAMODB_MAX_PARTITION_KEY_BYTES = 2048
DYNAMODB_MAX_SORT_KEY_BYTES = 1024
DYNAMODB_MAX_NUMBER_DIGITS = 38
DYNAMODB_MIN_NUMBER_MAGNITUDE = Decimal("1E-130")
DYNAMODB_MAX_NUMBER_MAGNITUDE = Decimal("9.9999999999999999999999999999999999999E+125")
DYNAMODB_MAX_NESTING_LEVELS = 32
DYNAMODB_MAX_BATCH_WRITE_ITEMS = 25
DYNAMODB_MAX_BATCH_WRITE_BYTES = 16 * 1024 * 1024

STATES_MAX_PAYLOAD_BYTES = 256 * 1024
STATES_MAX_HISTORY_EVENTS = 25_000

# What a multi-entry batch keeps free below its byte quota, for what a service may count beyond the entries'
# own bytes (entry ids, DelaySeconds, the request envelope). A batch of one entry may use the whole
# per-entry quota: one message of exactly SQS_MAX_MESSAGE_BYTES is within both SQS quotas.
SQS_BATCH_ENVELOPE_MARGIN_BYTES = 8 * 1024
DYNAMODB_BATCH_WRITE_ENVELOPE_MARGIN_BYTES = 1024 * 1024
