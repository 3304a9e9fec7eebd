"""What a migration costs on AWS: billed units from measured usage, priced at list prices.

Billing rules applied (from the pricing pages cited in ``migration_cli.aws_prices``). Shared by the
benchmarks (measured usage) and `plan` (estimated usage), so both price a run the same way:
- SQS: every API request is billed, empty receives included; each 64 KB chunk of a payload is a request.
- Lambda: one request per invocation, plus duration x configured memory (GB-seconds), rounded up to 1 ms.
- DynamoDB on-demand: a standard write costs one write request unit per 1 KB of item (rounded up; for a
  conditional put the larger of the old and new item); a transactional write (TransactWriteItems) costs
  two write request units per 1 KB of each item it writes ("transactional write requests require 2 write
  request units to perform one write for items up to 1 KB", https://aws.amazon.com/dynamodb/pricing/on-demand/),
  so a migrated or intake record (its item and its pointer, ``migration_runtime.application_writes``) costs
  ``record_transaction_write_units``; a strongly consistent read costs one read request
  unit per 4 KB (half when eventually consistent), and a Scan rounds the sum of the item sizes it read.
- Step Functions standard: one price per state transition.
Item sizes follow DynamoDB's rules (``item_size_bytes``): attribute names count, numbers take about one
byte per two significant digits plus one, lists and maps three bytes plus one per element.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from migration_cli import aws_prices
from migration_runtime.dynamodb_item_size import attribute_value_size, item_size_bytes

# The item size rules live with the domain (the batching and the record limits use them too).
__all__ = ["attribute_value_size", "item_size_bytes"]

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
SQS_CHUNK_BYTES = 64 * 1024


def write_units(item_bytes: int) -> int:
    """Write request units of one standard write of an item of this size."""
    return max(1, math.ceil(item_bytes / WRITE_UNIT_BYTES))


TRANSACTION_WRITE_FACTOR = 2
POINTER_ITEM_WRITE_UNITS = 1
"""An application's pointer item (its id, version, fate, the live item's key and checksum) is under 1 KB:
the ids are at most about 1 KB together, as the onboarding item's sort key limits them."""


def transaction_write_units(item_bytes: int) -> int:
    """Write request units of writing (or deleting) one item of this size inside a transaction."""
    return TRANSACTION_WRITE_FACTOR * write_units(item_bytes)


def record_transaction_write_units(item_write_units: float) -> float:
    """Units of the one transaction that writes a record's item (of ``item_write_units`` standard units)
    and its pointer; a key move deletes the old item too (its units again), not counted here."""
    return TRANSACTION_WRITE_FACTOR * (item_write_units + POINTER_ITEM_WRITE_UNITS)


def scan_read_units(scanned_bytes: int, consistent: bool) -> float:
    """Read request units of reading ``scanned_bytes`` of items with Scan."""
    units = max(1, math.ceil(scanned_bytes / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


def sqs_billed_requests(payload_bytes: int) -> int:
    """Billed requests of one SQS call carrying ``payload_bytes`` (each 64 KB chunk counts)."""
    return max(1, math.ceil(payload_bytes / SQS_CHUNK_BYTES))


def gb_seconds(duration_ms: float, memory_mb: int) -> float:
    """Billed duration of one invocation: rounded up to the millisecond, times memory in GB."""
    return math.ceil(duration_ms) / 1000 * memory_mb / 1024


@dataclass(frozen=True)
class Usage:
    """Billable consumption of one run (any migration approach)."""

    sqs_requests: float = 0
    lambda_invocations: float = 0
    lambda_gb_seconds: float = 0.0
    dynamodb_write_units: float = 0.0
    dynamodb_read_units: float = 0.0
    state_transitions: float = 0

    def per(self, records: int) -> Usage:
        """The same usage divided by a record count (per-record figures)."""
        if records <= 0:
            raise ValueError("records must be positive")
        return Usage(**{f.name: getattr(self, f.name) / records for f in fields(self)})


@dataclass(frozen=True)
class Cost:
    """Dollars per service for one ``Usage``."""

    sqs: float
    lambda_requests: float
    lambda_duration: float
    dynamodb_writes: float
    dynamodb_reads: float
    step_functions: float

    @property
    def total(self) -> float:
        return sum(getattr(self, f.name) for f in fields(self))

    def per_million(self, records: int) -> Cost:
        """Dollars for a million records at the rate of ``records`` records for this cost."""
        if records <= 0:
            raise ValueError("records must be positive")
        scale = 1_000_000 / records
        return Cost(**{f.name: getattr(self, f.name) * scale for f in fields(self)})


def cost_of(usage: Usage) -> Cost:
    prices = aws_prices
    return Cost(
        sqs=usage.sqs_requests * prices.SQS_STANDARD_REQUEST.usd_per_unit,
        lambda_requests=usage.lambda_invocations * prices.LAMBDA_REQUEST.usd_per_unit,
        lambda_duration=usage.lambda_gb_seconds * prices.LAMBDA_GB_SECOND_X86.usd_per_unit,
        dynamodb_writes=usage.dynamodb_write_units * prices.DYNAMODB_WRITE_REQUEST_UNIT.usd_per_unit,
        dynamodb_reads=usage.dynamodb_read_units * prices.DYNAMODB_READ_REQUEST_UNIT.usd_per_unit,
        step_functions=usage.state_transitions * prices.STEP_FUNCTIONS_STANDARD_TRANSITION.usd_per_unit,
    )
