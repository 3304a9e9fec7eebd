"""Seeding a local run: legacy records into the legacy table, intake message bodies onto the intake queue.

Input files are read (and refused at their first bad line) before anything is deployed; writes and sends
are split within DynamoDB's and SQS's count and byte quotas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from demo_data.demo_set import DemoDataSet, load_demo_data
from migration_cli.input_file_checks import InputFileError, read_intake_file, read_legacy_file
from migration_cli.local_run_options import LocalRunError, LocalRunOptions
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.migration_queue_sender import (
    EnqueueFailed,
    message_fits,
    send_bodies,
    too_large_reason,
)
from migration_runtime.record_ids import record_id_of
from migration_runtime.record_mapping import load_mapping
from migration_runtime.size_bounded_batches import (
    DYNAMODB_BATCH_WRITE,
    dynamodb_item_size,
    size_bounded_batches,
)

_LOAD_THREADS = 4


def load_legacy_file(path: Path, id_field: str) -> list[dict[str, Any]]:
    """Records from a JSON Lines file, refused at the first line the legacy table could not hold."""
    try:
        return read_legacy_file(path, id_field)
    except InputFileError as error:
        raise LocalRunError(str(error)) from None


def load_intake_file(path: Path) -> list[str]:
    """Message bodies, one a line, refused at the first line SQS could not take."""
    try:
        return read_intake_file(path)
    except InputFileError as error:
        raise LocalRunError(str(error)) from None


def legacy_input(options: LocalRunOptions) -> DemoDataSet:
    """The legacy data of the run: the file's records, or the mapping's synthetic data set."""
    return legacy_data_from(options.legacy_file, options.records, options.seed, options.mapping)


def legacy_data_from(legacy_file: Path | None, records: int, seed: str, mapping_name: str) -> DemoDataSet:
    """The file's records (refused at its first bad line; no lookup items), or ``records`` synthetic ones
    of the mapping's demo data (with the items of its lookup tables)."""
    if legacy_file:
        return DemoDataSet(load_legacy_file(legacy_file, load_mapping(mapping_name).record_id_field))
    return load_demo_data(mapping_name).data_set(records, seed=seed)


def intake_bodies(options: LocalRunOptions) -> list[str]:
    if options.intake_file is not None:
        return load_intake_file(options.intake_file)
    return load_demo_data(options.mapping).intake_bodies(options.intake, seed=options.seed)


def write_lookup_items(
    dynamodb: Any, table_names: Mapping[str, str], lookup_items: Mapping[str, Sequence[dict[str, Any]]]
) -> None:
    """Each lookup table's items into its deployed table (``table_names``: by the mapping's table name)."""
    missing = sorted(set(lookup_items) - set(table_names))
    if missing:
        raise LocalRunError(
            "the stack has no lookup table for "
            + ", ".join(missing)
            + " (stack outputs lookup_table_<name>: was it deployed with this --mapping?)"
        )
    for name, items in lookup_items.items():
        write_legacy_records(dynamodb, table_names[name], items, id_field=None)


def write_legacy_records(
    dynamodb: Any,
    table_name: str,
    records: Sequence[dict[str, Any]],
    *,
    id_field: str | None = "application_id",
) -> None:
    """BatchWriteItem in batches within DynamoDB's count and byte quotas, on a few threads, retrying
    unprocessed items. A record over the 400 KB item quota cannot be stored: refused, naming it (by
    ``id_field``, the mapping's ``record_id_field``; None: by its position)."""
    items = [to_attribute_map(record) for record in records]
    for number, (record, item) in enumerate(zip(records, items, strict=True), start=1):
        size = dynamodb_item_size(item)
        if not DYNAMODB_BATCH_WRITE.fits(size):
            name = repr(record_id_of(record, id_field)) if id_field else f"#{number}"
            raise LocalRunError(
                f"legacy record {name} cannot be stored: {DYNAMODB_BATCH_WRITE.too_large_reason(size)}"
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
