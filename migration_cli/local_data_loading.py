"""Seeding a local run: legacy records into the legacy table, intake message bodies onto the intake queue.

Input files are read (and refused at their first bad line) before anything is deployed; writes and sends
are split within DynamoDB's and SQS's count and byte quotas.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from demo_data.onboarding_records import legacy_records, synthetic_intake_messages
from migration_cli.input_file_checks import InputFileError, read_intake_file, read_legacy_file
from migration_cli.local_run_options import LocalRunError, LocalRunOptions
from migration_runtime.application_ids import application_id_of
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.migration_queue_sender import (
    EnqueueFailed,
    message_fits,
    send_bodies,
    too_large_reason,
)
from migration_runtime.size_bounded_batches import (
    DYNAMODB_BATCH_WRITE,
    dynamodb_item_size,
    size_bounded_batches,
)

_LOAD_THREADS = 4


def load_legacy_file(path: Path) -> list[dict[str, Any]]:
    """Records from a JSON Lines file, refused at the first line the legacy table could not hold."""
    try:
        return read_legacy_file(path)
    except InputFileError as error:
        raise LocalRunError(str(error)) from None


def load_intake_file(path: Path) -> list[str]:
    """Message bodies, one a line, refused at the first line SQS could not take."""
    try:
        return read_intake_file(path)
    except InputFileError as error:
        raise LocalRunError(str(error)) from None


def legacy_input(options: LocalRunOptions) -> list[dict[str, Any]]:
    """The legacy records of the run: the file's, or synthetic ones."""
    return legacy_records_from(options.legacy_file, options.records, options.seed)


def legacy_records_from(legacy_file: Path | None, records: int, seed: str) -> list[dict[str, Any]]:
    """The file's records (refused at its first bad line), or ``records`` synthetic ones."""
    if legacy_file:
        return load_legacy_file(legacy_file)
    return legacy_records(records, seed=seed)


def intake_bodies(options: LocalRunOptions) -> list[str]:
    if options.intake_file is not None:
        return load_intake_file(options.intake_file)
    return [message.body for message in synthetic_intake_messages(options.intake, seed=options.seed)]


def write_legacy_records(dynamodb: Any, table_name: str, records: Sequence[dict[str, Any]]) -> None:
    """BatchWriteItem in batches within DynamoDB's count and byte quotas, on a few threads, retrying
    unprocessed items. A record over the 400 KB item quota cannot be stored: refused, naming it."""
    items = [to_attribute_map(record) for record in records]
    for record, item in zip(records, items, strict=True):
        size = dynamodb_item_size(item)
        if not DYNAMODB_BATCH_WRITE.fits(size):
            raise LocalRunError(
                f"legacy record {application_id_of(record)!r} cannot be stored: "
                f"{DYNAMODB_BATCH_WRITE.too_large_reason(size)}"
            )

    def write(chunk: Sequence[dict[str, Any]]) -> None:
        requests = [{"PutRequest": {"Item": item}} for item in chunk]
        while requests:
            response = dynamodb.batch_write_item(RequestItems={table_name: requests})
            requests = response.get("UnprocessedItems", {}).get(table_name, [])

    chunks = list(size_bounded_batches(items, dynamodb_item_size, DYNAMODB_BATCH_WRITE))
    with ThreadPoolExecutor(max_workers=_LOAD_THREADS) as pool:
        list(pool.map(write, chunks))


def send_intake(sqs: Any, queue_url: str, bodies: Sequence[str]) -> None:
    """Send every body as is, in batches within SQS's count and byte quotas (re-sending failed entries)."""
    for number, body in enumerate(bodies, start=1):
        if not message_fits(body):
            raise LocalRunError(f"intake message {number} cannot be sent: {too_large_reason(body)}")
    try:
        send_bodies(sqs, queue_url=queue_url, bodies=bodies)
    except EnqueueFailed as error:
        raise LocalRunError(f"intake messages refused by SQS: {error}") from error
