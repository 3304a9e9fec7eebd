"""Environment variable names and typed getters with defaults.

Getters read the environment on every call (not at import time): tests can set variables first, and the
local runtime starts fresh workers when a function's configuration changes, so nothing needs caching.
"""

from __future__ import annotations

import os

LEGACY_TABLE_NAME = "LEGACY_TABLE_NAME"
LEGACY_STREAM_ARN = "LEGACY_STREAM_ARN"
NEW_TABLE_NAME = "NEW_TABLE_NAME"
INTAKE_DLQ_URL = "INTAKE_DLQ_URL"
MIGRATION_QUEUE_URL = "MIGRATION_QUEUE_URL"
MIGRATION_DLQ_URL = "MIGRATION_DLQ_URL"
ENQUEUE_TIME_RESERVE_MS = "ENQUEUE_TIME_RESERVE_MS"
ENQUEUE_SCAN_PAGE_SIZE = "ENQUEUE_SCAN_PAGE_SIZE"
ENQUEUE_CALL_SLICE_SECONDS = "ENQUEUE_CALL_SLICE_SECONDS"
RECORDS_PER_MESSAGE = "RECORDS_PER_MESSAGE"
RETRY_BASE_DELAY_SECONDS = "RETRY_BASE_DELAY_SECONDS"
RETRY_MAX_DELAY_SECONDS = "RETRY_MAX_DELAY_SECONDS"
MAX_RECEIVE_COUNT = "MAX_RECEIVE_COUNT"
FAULT_TRANSIENT_RATE = "FAULT_TRANSIENT_RATE"
FAULT_PERMANENT_IDS = "FAULT_PERMANENT_IDS"
POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
CONTROL_TABLE_NAME = "CONTROL_TABLE_NAME"
LEGACY_MAPPING_UUID = "LEGACY_MAPPING_UUID"
NEW_MAPPING_UUID = "NEW_MAPPING_UUID"
CAPTURE_MAPPING_UUID = "CAPTURE_MAPPING_UUID"
GATE_TOPIC_ARN = "GATE_TOPIC_ARN"
# The record mapping the stack chose (record_mappings/<name>), and its lookup tables: LOOKUP_TABLE_<NAME>.
RECORD_MAPPING = "RECORD_MAPPING"
LOOKUP_TABLE_PREFIX = "LOOKUP_TABLE_"

DEFAULT_ENQUEUE_TIME_RESERVE_MS = 10_000
# One scan page is always sent completely before the time check, so a page must stay small enough to be
# enqueued well inside the reserve; 100 records is 10 SendMessageBatch calls.
DEFAULT_ENQUEUE_SCAN_PAGE_SIZE = 100
# Each enqueue call hands its counts back after at most this long, so progress shows while a segment is
# scanned (0: only the Lambda deadline ends a call).
DEFAULT_ENQUEUE_CALL_SLICE_SECONDS = 20
# Scanned records one bulk-copy message carries (migration_runtime.packed_messages): SQS requests and
# migrate_record invocations per record fall by that factor; 1 sends one record per message. At most
# MAX_RECORDS_PER_MESSAGE: a migrate_record invocation takes a batch of (up to 10) messages, every record
# of them within its timeout.
DEFAULT_RECORDS_PER_MESSAGE = 10
MAX_RECORDS_PER_MESSAGE = 100
DEFAULT_RETRY_BASE_DELAY_SECONDS = 2
DEFAULT_RETRY_MAX_DELAY_SECONDS = 120
DEFAULT_MAX_RECEIVE_COUNT = 5
DEFAULT_METRICS_NAMESPACE = "OnboardingMigration"


class SettingError(ValueError):
    """A required variable is missing or a variable cannot be parsed."""


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingError(f"environment variable {name} is required")
    return value


def _int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise SettingError(f"environment variable {name} must be an integer") from error
    if value < minimum:
        raise SettingError(f"environment variable {name} must be >= {minimum}")
    return value


def legacy_table_name() -> str:
    return _required(LEGACY_TABLE_NAME)


def legacy_stream_arn() -> str:
    return _required(LEGACY_STREAM_ARN)


def new_table_name() -> str:
    return _required(NEW_TABLE_NAME)


def intake_dlq_url() -> str:
    return _required(INTAKE_DLQ_URL)


def migration_queue_url() -> str:
    return _required(MIGRATION_QUEUE_URL)


def migration_dlq_url() -> str:
    return _required(MIGRATION_DLQ_URL)


def control_table_name() -> str:
    return _required(CONTROL_TABLE_NAME)


def legacy_mapping_uuid() -> str:
    return _required(LEGACY_MAPPING_UUID)


def new_mapping_uuid() -> str:
    return _required(NEW_MAPPING_UUID)


def capture_mapping_uuid() -> str | None:
    """The online capture's mapping; None for a watchdog deployed before the online mode existed."""
    return os.environ.get(CAPTURE_MAPPING_UUID) or None


def gate_topic_arn() -> str | None:
    return os.environ.get(GATE_TOPIC_ARN, "").strip() or None


def record_mapping_name() -> str:
    """The record mapping the functions load (``record_mappings/<name>``); the onboarding one by default."""
    return os.environ.get(RECORD_MAPPING, "").strip() or "onboarding"


def lookup_table_name(lookup: str) -> str:
    """The deployed name of the mapping's lookup table ``lookup`` (``LOOKUP_TABLE_<LOOKUP>``)."""
    return _required(f"{LOOKUP_TABLE_PREFIX}{lookup.upper()}")


def enqueue_time_reserve_ms() -> int:
    return _int(ENQUEUE_TIME_RESERVE_MS, DEFAULT_ENQUEUE_TIME_RESERVE_MS)


def enqueue_scan_page_size() -> int:
    return _int(ENQUEUE_SCAN_PAGE_SIZE, DEFAULT_ENQUEUE_SCAN_PAGE_SIZE, minimum=1)


def enqueue_call_slice_seconds() -> int:
    return _int(ENQUEUE_CALL_SLICE_SECONDS, DEFAULT_ENQUEUE_CALL_SLICE_SECONDS)


def records_per_message() -> int:
    value = _int(RECORDS_PER_MESSAGE, DEFAULT_RECORDS_PER_MESSAGE, minimum=1)
    if value > MAX_RECORDS_PER_MESSAGE:
        raise SettingError(f"environment variable {RECORDS_PER_MESSAGE} must be <= {MAX_RECORDS_PER_MESSAGE}")
    return value


def retry_base_delay_seconds() -> int:
    return _int(RETRY_BASE_DELAY_SECONDS, DEFAULT_RETRY_BASE_DELAY_SECONDS)


def retry_max_delay_seconds() -> int:
    return _int(RETRY_MAX_DELAY_SECONDS, DEFAULT_RETRY_MAX_DELAY_SECONDS)


def max_receive_count() -> int:
    return _int(MAX_RECEIVE_COUNT, DEFAULT_MAX_RECEIVE_COUNT, minimum=1)


def fault_transient_rate() -> float:
    raw = os.environ.get(FAULT_TRANSIENT_RATE, "").strip()
    if not raw:
        return 0.0
    try:
        rate = float(raw)
    except ValueError as error:
        raise SettingError(f"environment variable {FAULT_TRANSIENT_RATE} must be a number") from error
    if not 0.0 <= rate <= 1.0:
        raise SettingError(f"environment variable {FAULT_TRANSIENT_RATE} must be between 0 and 1")
    return rate


def fault_permanent_ids() -> frozenset[str]:
    raw = os.environ.get(FAULT_PERMANENT_IDS, "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def metrics_namespace() -> str:
    return os.environ.get(POWERTOOLS_METRICS_NAMESPACE, "").strip() or DEFAULT_METRICS_NAMESPACE
