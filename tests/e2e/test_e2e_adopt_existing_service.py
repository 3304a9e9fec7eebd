"""Adopting a live service on the local runtime: the "existing" service is deployed first by its own program
(`examples/existing_service`), serves for a while, and only then is the migration stack deployed with the
adoption keys and run: the service's queue, table, function and mapping stay the team's own."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from demo_data.onboarding_records import RecordKind, synthetic_records
from embedded_aws.emulator import EmbeddedAws
from embedded_aws.local_stack import LocalStack
from embedded_aws.stack_deploy import Deployment, deploy_stack
from migration_cli.local_data_loading import legacy_data_from, write_legacy_records
from migration_cli.local_run import run_on_stack
from migration_cli.migration_control import start_migration
from migration_cli.progress import queue_depths
from migration_cli.stack_data import count_items, scan_items
from migration_runtime.migration_errors import MigrationError
from onboarding_stack.settings import CONFIG_NAMESPACE
from tests.e2e.e2e_support import E2E_STACK_CONFIG, PROGRAM_DIR, assert_invariants_hold, e2e_options

EXISTING_SERVICE_DIR = Path(__file__).resolve().parents[2] / "examples" / "existing_service"
EXISTING_NAMESPACE = "existing-onboarding-service"
RECORDS = 200
INTAKE_BEFORE = 20  # sent while the existing service serves alone: the legacy consumer stores them
SEED = "adopt"


@dataclass(frozen=True)
class ExistingService:
    """The ids of the team's live service (its program's outputs) and their state after deployment."""

    outputs: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.outputs[name]
        except KeyError as error:
            raise AttributeError(name) from error


def deploy_existing(aws: EmbeddedAws, stack: str, **config: Any) -> ExistingService:
    deployment = deploy_stack(
        aws,
        EXISTING_SERVICE_DIR,
        stack=stack,
        config={f"{EXISTING_NAMESPACE}:{key}": value for key, value in config.items()},
    )
    return ExistingService(deployment.outputs)


def deploy_adopting(aws: EmbeddedAws, existing: ExistingService, stack: str) -> Deployment:
    adoption = {
        f"{CONFIG_NAMESPACE}:existingIntakeQueueArn": existing.intake_queue_arn,
        f"{CONFIG_NAMESPACE}:existingLegacyTableName": existing.legacy_table_name,
        f"{CONFIG_NAMESPACE}:existingLegacyMappingUuid": existing.legacy_mapping_uuid,
    }
    return deploy_stack(aws, PROGRAM_DIR, stack=stack, config={**E2E_STACK_CONFIG, **adoption})


def valid_documents(count: int, start: int) -> list[dict[str, Any]]:
    """Valid intake documents whose ids follow the loaded records' (``start``): the legacy consumer stores
    each as a new record."""
    return [
        item.record
        for item in synthetic_records(count, seed=f"{SEED}-live", start=start)
        if item.kind is RecordKind.ELIGIBLE_VALID
    ]


def wait_for(condition: Any, timeout: float = 120) -> None:
    """Poll until `condition()` holds; the deadline only bounds a hang."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.5)


def identity(aws: EmbeddedAws, existing: ExistingService) -> dict[str, Any]:
    """What shows that each existing resource is the same one (not re-created): its ARN or UUID and the
    moment it was created."""
    sqs, dynamodb, lam = (aws.client(name) for name in ("sqs", "dynamodb", "lambda"))
    queue = sqs.get_queue_attributes(
        QueueUrl=existing.intake_queue_url, AttributeNames=["QueueArn", "CreatedTimestamp"]
    )["Attributes"]
    table = dynamodb.describe_table(TableName=existing.legacy_table_name)["Table"]
    function = lam.get_function_configuration(FunctionName=existing.legacy_function_arn)
    mapping = lam.get_event_source_mapping(UUID=existing.legacy_mapping_uuid)
    return {
        "queue": (queue["QueueArn"], queue["CreatedTimestamp"]),
        "table": (table["TableArn"], table["CreationDateTime"]),
        "function": (function["FunctionArn"], function["CodeSha256"]),
        "mapping": (mapping["UUID"], mapping["EventSourceArn"], mapping["FunctionArn"]),
    }


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as aws:
        yield aws


def test_a_separately_deployed_service_is_adopted_and_migrated(emulator: EmbeddedAws) -> None:
    # GIVEN the team's service, deployed by its own program, holding records and serving intake
    existing = deploy_existing(emulator, "live")
    sqs, dynamodb = emulator.client("sqs"), emulator.client("dynamodb")
    data_set = legacy_data_from(None, RECORDS, SEED, "onboarding")
    write_legacy_records(dynamodb, existing.legacy_table_name, data_set.legacy_records)
    served = valid_documents(INTAKE_BEFORE, start=RECORDS)
    for document in served:
        sqs.send_message(QueueUrl=existing.intake_queue_url, MessageBody=json.dumps(document))
    wait_for(lambda: count_items(dynamodb, existing.legacy_table_name) == RECORDS + len(served))
    wait_for(lambda: queue_depths(sqs, existing.intake_queue_url).total == 0)
    before = identity(emulator, existing)

    # WHEN the migration stack is deployed with the adoption keys and a migration runs
    deployment = deploy_adopting(emulator, existing, "adopting")
    stack = LocalStack(aws=emulator, deployment=deployment)
    records = list(scan_items(dynamodb, existing.legacy_table_name))
    result = run_on_stack(stack, e2e_options(records=len(records), intake=20, seed=SEED), records=records)

    # THEN it succeeded with every invariant holding, on the existing service's own resources
    report = result.report
    assert report["status"] == "SUCCEEDED", report.get("cause")
    assert_invariants_hold(result)
    outputs = deployment.outputs
    assert outputs["legacy_service"] == "adopted"
    assert (outputs["intake_queue_url"], outputs["legacy_table_name"], outputs["legacy_mapping_uuid"]) == (
        existing.intake_queue_url,
        existing.legacy_table_name,
        existing.legacy_mapping_uuid,
    )
    # ... which are still there, the same ones (not re-created)
    assert identity(emulator, existing) == before
    # ... the legacy mapping ends disabled, the new one (on the same queue) enabled
    lam = emulator.client("lambda")
    assert lam.get_event_source_mapping(UUID=existing.legacy_mapping_uuid)["State"] == "Disabled"
    new_mapping = lam.get_event_source_mapping(UUID=outputs["new_mapping_uuid"])
    assert new_mapping["State"] == "Enabled"
    assert new_mapping["EventSourceArn"] == existing.intake_queue_arn
    # ... and the records the legacy consumer stored before the migration were among those accounted for
    # (legacy_records_accounted: each loaded record in exactly one place)
    served_ids = {document["application_id"] for document in served}
    assert served_ids and served_ids <= {record["application_id"] for record in records}
    assert report["counts"]["migrated"] > 0


def test_an_existing_queue_without_redrive_policy_is_refused_in_setup(emulator: EmbeddedAws) -> None:
    # GIVEN a live service whose intake queue has no dead-letter queue, adopted by a migration stack
    existing = deploy_existing(emulator, "no-dlq", deadLetterQueue=False)
    outputs = deploy_adopting(emulator, existing, "refused").outputs
    sfn = emulator.client("stepfunctions")

    # WHEN a migration starts
    execution = start_migration(sfn, outputs["state_machine_arn"], {"poll_interval_seconds": 1})
    wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] != "RUNNING")

    # THEN it failed in Setup with the check's error, and nothing was paused
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "FAILED"
    assert described["error"] == MigrationError.INTAKE_QUEUE_WITHOUT_REDRIVE_POLICY
    assert existing.intake_queue_arn in described["cause"]
    lam = emulator.client("lambda")
    assert lam.get_event_source_mapping(UUID=existing.legacy_mapping_uuid)["State"] == "Enabled"
    # ... the legacy consumer still serves: a message sent now is stored by it
    sqs, dynamodb = emulator.client("sqs"), emulator.client("dynamodb")
    document = valid_documents(1, start=10 * RECORDS)[0]
    sqs.send_message(QueueUrl=existing.intake_queue_url, MessageBody=json.dumps(document))
    wait_for(lambda: count_items(dynamodb, existing.legacy_table_name) == 1)
