"""The stack every benchmark runs on: one metered emulator, the real program deployed into it, and data.

One emulator serves all approaches and sizes, so their figures are comparable: the same moto server,
the same Lambda runner, the same tables. Between sizes the tables are emptied (deleted and created
again with the same definition) rather than the stack redeployed. Records are generated and loaded in
chunks, so the benchmark process never holds a whole data set of 100,000 records.
"""

from __future__ import annotations

import itertools
import logging
import math
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.metering import Meters, metered_emulator
from demo_data.onboarding_records import RecordKind, RecordMix, synthetic_record
from embedded_aws import EmbeddedAws
from embedded_aws.local_stack import find_program_dir
from embedded_aws.stack_deploy import deploy_stack
from migration_cli.cost_model import item_size_bytes, record_transaction_write_units, write_units
from migration_runtime.application_writes import POINTER_PK_PREFIX
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.migration_ledger import PK_PREFIX as LEDGER_PK_PREFIX
from migration_runtime.new_items import Source

# Local retries back off in seconds; tables must be deletable to be emptied between sizes.
STACK_CONFIG: dict[str, Any] = {
    "onboarding-migration:deletionProtection": False,
    "onboarding-migration:retryBaseDelaySeconds": 1,
    "onboarding-migration:retryMaxDelaySeconds": 4,
}
# An eligible-heavy mix: most records move, a few are ineligible or rejected (the default mix).
BENCH_MIX = RecordMix()
_LOAD_CHUNK = 25
_LOAD_THREADS = 4
ONBOARDING_PK_PREFIX = "CUSTOMER#"


@dataclass(frozen=True)
class DataSet:
    records: int
    seed: str
    eligible_valid: int
    eligible_invalid: int
    ineligible: int


@dataclass(frozen=True)
class TargetContents:
    migrated: int
    migrated_write_units: int
    bytes: int
    intake_items: int = 0
    """Items the intake consumer wrote (``source`` intake): the live service's, not migrated records."""

    def write_units_for(self, migrated: int) -> int:
        """The write units of ``migrated`` items the size of this table's migrated ones, on average."""
        return math.ceil(self.migrated_write_units * migrated / self.migrated) if self.migrated else 0


@dataclass
class BenchStack:
    aws: EmbeddedAws
    meters: Meters
    outputs: dict[str, Any]
    state_machine_arn: str

    def client(self, service: str) -> Any:
        return self.aws.client(service)

    @property
    def legacy_table(self) -> str:
        return str(self.outputs["legacy_table_name"])

    @property
    def new_table(self) -> str:
        return str(self.outputs["new_table_name"])

    @property
    def control_table(self) -> str:
        """The migration's control table: run control and the ledger (rejections, last errors)."""
        return str(self.outputs["control_table_name"])

    # -- tables -----------------------------------------------------------------------------------

    def recreate_table(self, name: str, like: str | None = None) -> None:
        """Empty ``name`` (delete it, create it again with the definition of ``like`` or its own)."""
        dynamodb = self.client("dynamodb")
        template = _table_definition(dynamodb, like or name)
        if _exists(dynamodb, name):
            dynamodb.update_table(TableName=name, DeletionProtectionEnabled=False)
            dynamodb.delete_table(TableName=name)
        dynamodb.create_table(TableName=name, **template)

    def drop_table(self, name: str) -> None:
        dynamodb = self.client("dynamodb")
        if _exists(dynamodb, name):
            dynamodb.update_table(TableName=name, DeletionProtectionEnabled=False)
            dynamodb.delete_table(TableName=name)

    def scratch_target(self, label: str, like: str | None = None) -> str:
        """A new, empty table defined like ``like`` (default: the stack's new table), for the floor and the
        peer: their targets, and their ledgers (defined like the control table)."""
        name = f"bench-{label}-{uuid.uuid4().hex[:6]}"
        self.client("dynamodb").create_table(
            TableName=name, **_table_definition(self.client("dynamodb"), like or self.new_table)
        )
        return name

    def load_legacy(
        self, records: int, seed: str, mix: RecordMix = BENCH_MIX, *, recreate: bool = True
    ) -> DataSet:
        """Empty the legacy table (``recreate``) and load ``records`` synthetic records into it with
        BatchWriteItem. Not recreated for an online run: the deployed table's stream, which the stack's
        capture mapping reads, would not survive (``recreate_table`` keeps keys and billing only)."""
        if recreate:
            self.recreate_table(self.legacy_table)
        dynamodb = self.client("dynamodb")
        customers = max(1, records // 2)  # as demo_data.onboarding_records.legacy_records
        kinds: dict[RecordKind, int] = dict.fromkeys(RecordKind, 0)

        def chunks() -> Iterator[list[dict[str, Any]]]:
            indexes = iter(range(records))
            while chunk := list(itertools.islice(indexes, _LOAD_CHUNK)):
                batch = []
                for index in chunk:
                    generated = synthetic_record(index, seed=seed, mix=mix, customers=customers)
                    kinds[generated.kind] += 1
                    batch.append(generated.record)
                yield batch

        def write(batch: list[dict[str, Any]]) -> None:
            requests = [{"PutRequest": {"Item": to_attribute_map(record)}} for record in batch]
            while requests:
                response = dynamodb.batch_write_item(RequestItems={self.legacy_table: requests})
                requests = response.get("UnprocessedItems", {}).get(self.legacy_table, [])

        with ThreadPoolExecutor(max_workers=_LOAD_THREADS) as pool:
            # Bounded look-ahead: at most a few chunks generated ahead of the writers.
            pending: list[Any] = []
            for batch in chunks():
                pending.append(pool.submit(write, batch))
                if len(pending) >= 4 * _LOAD_THREADS:
                    pending.pop(0).result()
            for future in pending:
                future.result()
        return DataSet(
            records=records,
            seed=seed,
            eligible_valid=kinds[RecordKind.ELIGIBLE_VALID],
            eligible_invalid=kinds[RecordKind.ELIGIBLE_INVALID],
            ineligible=kinds[RecordKind.INELIGIBLE],
        )

    def table_bytes(self, name: str) -> int:
        return sum(item_size_bytes(item) for item in self.scan_items(name))

    def target_contents(self, name: str) -> TargetContents:
        """Migrated items and their write units: a target with applications' pointers was written by
        transactions (item and pointer, 2 units per KB each: ``record_transaction_write_units``); one
        without (a peer approach's PutItem) by standard writes."""
        migrated = size = pointers = intake = 0
        units = 0.0
        for item in self.scan_items(name):
            item_bytes = item_size_bytes(item)
            size += item_bytes
            if item["pk"]["S"].startswith(ONBOARDING_PK_PREFIX):
                if item.get("source", {}).get("S") == Source.INTAKE:
                    intake += 1
                    continue
                migrated += 1
                units += write_units(item_bytes)
            elif item["pk"]["S"].startswith(POINTER_PK_PREFIX):
                pointers += 1
        if pointers:
            units = record_transaction_write_units(units / migrated) * migrated if migrated else 0.0
        return TargetContents(migrated, math.ceil(units), size, intake)

    def ledger_items(self, name: str) -> int:
        """Ledger entries (REJECTED, LAST_ERROR) in a control table or a scratch ledger."""
        return sum(1 for item in self.scan_items(name) if item["pk"]["S"].startswith(LEDGER_PK_PREFIX))

    def scan_items(self, name: str) -> Iterator[dict[str, Any]]:
        dynamodb = self.client("dynamodb")
        request: dict[str, Any] = {"TableName": name}
        while True:
            page = dynamodb.scan(**request)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- functions --------------------------------------------------------------------------------

    def prewarm(self, function_name: str, workers: int) -> None:
        """Start ``workers`` warm processes (within the local concurrency) and wait for them: timed runs
        measure steady throughput."""
        self.aws.prewarm(function_name, workers=workers, wait_seconds=60)


def _exists(dynamodb: Any, name: str) -> bool:
    try:
        dynamodb.describe_table(TableName=name)
    except dynamodb.exceptions.ResourceNotFoundException:
        return False
    return True


def _table_definition(dynamodb: Any, name: str) -> dict[str, Any]:
    table = dynamodb.describe_table(TableName=name)["Table"]
    return {
        "KeySchema": table["KeySchema"],
        "AttributeDefinitions": table["AttributeDefinitions"],
        "BillingMode": "PAY_PER_REQUEST",
    }


def _state_machine_arn(outputs: dict[str, Any]) -> str:
    """The stack's migration state machine (the program builds it, with its children and watchdog)."""
    if not outputs.get("state_machine_arn"):
        raise RuntimeError("the stack exports no state_machine_arn: __main__.py must build the migration")
    return str(outputs["state_machine_arn"])


@contextmanager
def bench_stack(program_dir: Path | None = None) -> Iterator[BenchStack]:
    # moto's Step Functions engine logs each caught task failure with the whole state: noise here.
    logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
    with metered_emulator() as (aws, meters):
        # No warm worker per function at deploy time: each approach warms the functions it times, and the
        # intake consumers and the watchdog are never invoked here (6 idle workers held ~280 MiB).
        deployment = deploy_stack(
            aws, program_dir or find_program_dir(), config=STACK_CONFIG, prewarm_functions=False
        )
        aws.freeze_long_lived_objects()
        outputs = dict(deployment.outputs)
        yield BenchStack(aws, meters, outputs, _state_machine_arn(outputs))
