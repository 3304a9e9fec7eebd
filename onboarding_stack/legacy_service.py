"""The legacy service the migration moves off: the stack's own demo one, or a live one it adopts.

Own (no adoption keys): an intake queue with its DLQ, a legacy table keyed by the mapping's record id with
a stream of new and old images, and demo lookup tables for the mapping; `__main__.py` adds the
legacy_intake function and its enabled mapping.

Adopted: the existing intake queue, legacy table and lookup tables are looked up with Pulumi's ``get``
functions (``aws.sqs.get_queue``, ``aws.dynamodb.get_table``), never imported, so they are not resources of
this stack and ``pulumi destroy`` cannot touch them. What the lookups return is checked here, before
anything is created; what they cannot tell (the queue's redrive policy and visibility timeout: ``getQueue``
returns only its ARN, URL and tags; the mapping's queue: pulumi-aws has no event source mapping data
source) the state machine's Setup checks before a run pauses anything. A legacy table without a stream
of new and old images is adopted without change capture: offline runs only (a warning says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.dynamo_table import DynamoTable, DynamoTableArgs
from components.queue_consumer import ExistingQueue
from components.queue_with_dead_letter import MAX_RETENTION_SECONDS, QueueWithDeadLetter
from migration_runtime.record_mapping import LookupTable, RecordMapping
from onboarding_stack import function_names as fn
from onboarding_stack.building_blocks import work_queue
from onboarding_stack.existing_service import ExistingService
from onboarding_stack.function_access import LookupTableResource
from onboarding_stack.settings import StackSettings

# What the online mode's change capture needs of the legacy table's stream (DynamoDB developer guide,
# "Change data capture for DynamoDB Streams": StreamViewType).
CAPTURE_STREAM_VIEW = "NEW_AND_OLD_IMAGES"


class ExistingServiceError(ValueError):
    """An adopted resource is not what the migration needs (the message says what and how to fix it)."""


@dataclass(frozen=True)
class LegacyService:
    """What the migration reads and pauses of the legacy service, however it came to be."""

    intake: QueueWithDeadLetter | ExistingQueue
    """The intake queue, as the new backend's consumer sees it."""
    intake_queue_name: pulumi.Input[str]
    intake_queue_url: pulumi.Input[str]
    intake_queue_arn: pulumi.Input[str]
    rejections_name: pulumi.Input[str]
    rejections_url: pulumi.Input[str]
    """Where the new intake consumer sends a message it rejects: the own intake queue's DLQ, or, when
    adopting, a queue of this stack (the live queue's redrive target is not ours to write to)."""
    rejections_arn: pulumi.Input[str]
    table_name: pulumi.Input[str]
    table_arn: pulumi.Input[str]
    stream_arn: pulumi.Input[str] | None
    """None: no stream of new and old images, so no change capture and no online mode."""
    lookup_tables: Mapping[str, LookupTableResource] = field(default_factory=dict)
    adopted_mapping_uuid: str | None = None
    """The live consumer's mapping (adopted); None: the stack builds the legacy consumer itself."""
    own_intake: QueueWithDeadLetter | None = None
    own_table: DynamoTable | None = None
    own_lookup_tables: Mapping[str, DynamoTable] = field(default_factory=dict)
    rejections_queue: aws.sqs.Queue | None = None

    @property
    def adopted(self) -> bool:
        return self.adopted_mapping_uuid is not None


def own_legacy_service(settings: StackSettings, mapping: RecordMapping) -> LegacyService:
    """The demo legacy service: intake queue, legacy table with its stream, demo lookup tables."""
    intake = work_queue(settings, "intake", settings.intake_visibility_timeout_seconds, fn.INTAKE_CONSUMERS)
    protect = settings.deletion_protection
    # The legacy table's stream carries every change the legacy backend makes: an online run captures it.
    table = DynamoTable(
        "legacy",
        DynamoTableArgs(
            hash_key=mapping.record_id_field,
            range_key=None,
            deletion_protection_enabled=protect,
            stream_view_type=CAPTURE_STREAM_VIEW,
        ),
    )
    lookups = {
        lookup.name: DynamoTable(
            f"lookup-{lookup.name}",
            DynamoTableArgs(
                hash_key=lookup.hash_key, range_key=lookup.range_key, deletion_protection_enabled=protect
            ),
        )
        for lookup in mapping.lookup_tables
    }
    return LegacyService(
        intake=intake,
        intake_queue_name=intake.queue.name,
        intake_queue_url=intake.queue.url,
        intake_queue_arn=intake.queue.arn,
        rejections_name=intake.dead_letter_queue.name,
        rejections_url=intake.dead_letter_queue.url,
        rejections_arn=intake.dead_letter_queue.arn,
        table_name=table.table.name,
        table_arn=table.table.arn,
        stream_arn=table.table.stream_arn,
        lookup_tables={
            name: LookupTableResource(lookup.table.name, lookup.table.arn) for name, lookup in lookups.items()
        },
        own_intake=intake,
        own_table=table,
        own_lookup_tables=lookups,
    )


def adopted_legacy_service(existing: ExistingService, mapping: RecordMapping) -> LegacyService:
    """The live service, looked up (read-only) and checked; only a rejections queue is created."""
    queue = aws.sqs.get_queue(name=existing.intake_queue_name)
    table = aws.dynamodb.get_table(name=existing.legacy_table_name)
    check_legacy_table(
        existing.legacy_table_name, table.hash_key, table.range_key, _attribute_types(table), mapping
    )
    lookup_tables: dict[str, LookupTableResource] = {}
    for lookup in mapping.lookup_tables:
        name = existing.lookup_tables[lookup.name]
        found = aws.dynamodb.get_table(name=name)
        check_lookup_table(name, found.hash_key, found.range_key, lookup)
        lookup_tables[lookup.name] = LookupTableResource(found.name, found.arn)
    stream_arn = capture_stream_arn(
        existing.legacy_table_name, bool(table.stream_enabled), table.stream_view_type, table.stream_arn
    )
    # The new consumer's rejections: a queue of this stack, kept as long as a DLQ.
    rejections = aws.sqs.Queue(
        "intake-rejections",
        message_retention_seconds=MAX_RETENTION_SECONDS,
        sqs_managed_sse_enabled=True,
    )
    return LegacyService(
        intake=ExistingQueue(arn=queue.arn),
        intake_queue_name=queue.name,
        intake_queue_url=queue.url,
        intake_queue_arn=queue.arn,
        rejections_name=rejections.name,
        rejections_url=rejections.url,
        rejections_arn=rejections.arn,
        table_name=table.name,
        table_arn=table.arn,
        stream_arn=stream_arn,
        lookup_tables=lookup_tables,
        adopted_mapping_uuid=existing.legacy_mapping_uuid,
        rejections_queue=rejections,
    )


def capture_stream_arn(
    table_name: str, stream_enabled: bool, stream_view_type: str | None, stream_arn: str | None
) -> str | None:
    """The adopted table's stream if the change capture can read it, else None (and a warning): without
    a stream of new and old images the stack builds no capture, and only offline runs are possible."""
    if stream_enabled and stream_view_type == CAPTURE_STREAM_VIEW and stream_arn:
        return stream_arn
    pulumi.log.warn(
        f"the legacy table {table_name!r} has no stream of {CAPTURE_STREAM_VIEW} (stream enabled: "
        f"{stream_enabled}, view: {stream_view_type or 'none'}): no change capture is built, so online mode "
        "is unavailable (Setup refuses an online run with Migration.OnlineModeUnavailable); offline runs "
        f"work. To enable online mode: `aws dynamodb update-table --table-name {table_name} "
        f"--stream-specification StreamEnabled=true,StreamViewType={CAPTURE_STREAM_VIEW}`, then `pulumi up`"
    )
    return None


def _attribute_types(table: aws.dynamodb.GetTableResult) -> dict[str, str]:
    return {attribute.name: attribute.type for attribute in table.attributes or []}


def check_legacy_table(
    name: str, hash_key: str, range_key: str | None, types: Mapping[str, str], mapping: RecordMapping
) -> None:
    """The scan, the sentinels and the legacy consumer address a record by its id alone, a string."""
    if hash_key != mapping.record_id_field or range_key:
        keys = hash_key + (f" + sort key {range_key}" if range_key else "")
        raise ExistingServiceError(
            f"the legacy table {name!r} is keyed by {keys}; the {mapping.name!r} mapping's records are keyed "
            f"by {mapping.record_id_field!r} alone (its record_id_field): choose the mapping that fits the "
            "table (recordMapping) or the table the mapping's records live in"
        )
    if types.get(hash_key, "S") != "S":
        raise ExistingServiceError(
            f"the legacy table {name!r} has a partition key {hash_key!r} of type {types[hash_key]}; "
            "record ids are strings (S)"
        )


def check_lookup_table(name: str, hash_key: str, range_key: str | None, lookup: LookupTable) -> None:
    if (hash_key, range_key or None) != (lookup.hash_key, lookup.range_key):
        raise ExistingServiceError(
            f"the lookup table {name!r} (for {lookup.name!r}) is keyed by "
            f"{hash_key!r}/{range_key or None!r}; "
            f"the mapping reads it by {lookup.hash_key!r}/{lookup.range_key!r}"
        )
