"""The project's own stack (__main__.py) deployed into the emulator, and intake flowing through it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from runtime_helpers import queue_depth, wait_until, wait_until_the_pollers_saw_it_disabled

from embedded_aws.stack_deploy import Deployment, Registration, deploy_stack, record_program

PROJECT = Path(__file__).resolve().parents[3]
STACK = "local"


@pytest.fixture(scope="module")
def deployment(aws) -> Deployment:
    return deploy_stack(aws, PROJECT, stack=STACK)


@pytest.fixture(scope="module")
def declared() -> Deployment:
    return record_program(PROJECT, stack=STACK)


def by_urn(deployment: Deployment) -> dict[str, Registration]:
    return {registration.urn: registration for registration in deployment.resources}


def literal_settings(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every number and flag in a resource's inputs (strings may be ids that differ between runs)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from literal_settings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from literal_settings(item, f"{path}[{index}]")
    elif isinstance(value, bool | int | float):
        yield path, value


def test_every_declared_resource_is_created_with_the_declared_settings(deployment, declared):
    # GIVEN what the program declares under plain mocks, and what it created in the emulator
    created, wanted = by_urn(deployment), by_urn(declared)

    # WHEN the two are compared resource by resource
    # THEN the same resources exist, with the same input keys and the same numbers and flags
    assert sorted(created) == sorted(wanted)
    for urn, registration in wanted.items():
        assert sorted(created[urn].inputs) == sorted(registration.inputs), urn
        assert dict(literal_settings(created[urn].inputs)) == dict(literal_settings(registration.inputs)), urn
    assert set(deployment.outputs) == set(declared.outputs)


def of_type(deployment: Deployment, type_: str) -> list[Registration]:
    return [registration for registration in deployment.resources if registration.type == type_]


def test_queues_and_mappings_in_the_emulator_match_their_declarations(aws, deployment):
    # GIVEN the deployed queues and mappings
    sqs, lambda_ = aws.client("sqs"), aws.client("lambda")
    queues = of_type(deployment, "aws:sqs/queue:Queue")
    mappings = of_type(deployment, "aws:lambda/eventSourceMapping:EventSourceMapping")
    assert queues and mappings

    # WHEN each is read back from the emulator
    # THEN visibility, retention and redrive policy (naming the emulator's DLQ ARN) are as declared
    for queue in queues:
        attributes = sqs.get_queue_attributes(QueueUrl=queue.outputs["url"], AttributeNames=["All"])[
            "Attributes"
        ]
        assert int(attributes["VisibilityTimeout"]) == int(queue.inputs.get("visibilityTimeoutSeconds", 30))
        assert int(attributes["MessageRetentionPeriod"]) == int(queue.inputs["messageRetentionSeconds"])
        if queue.inputs.get("redrivePolicy"):
            declared_policy = json.loads(queue.inputs["redrivePolicy"])
            assert json.loads(attributes["RedrivePolicy"]) == declared_policy
            assert declared_policy["deadLetterTargetArn"].startswith(
                f"arn:aws:sqs:{aws.region}:{aws.account_id}:"
            )
    # AND each mapping's state, batch size, concurrency and response types are as declared
    for mapping in mappings:
        actual = lambda_.get_event_source_mapping(UUID=mapping.outputs["uuid"])
        assert actual["State"] == ("Enabled" if mapping.inputs.get("enabled", True) else "Disabled")
        assert actual["BatchSize"] == int(mapping.inputs["batchSize"])
        if "scalingConfig" in mapping.inputs:  # SQS mappings; the stream mapping has a starting position
            assert actual["ScalingConfig"]["MaximumConcurrency"] == int(
                mapping.inputs["scalingConfig"]["maximumConcurrency"]
            )
        else:
            assert actual["StartingPosition"] == mapping.inputs["startingPosition"]
        assert actual["FunctionResponseTypes"] == mapping.inputs["functionResponseTypes"]
        assert actual["EventSourceArn"] == mapping.inputs["eventSourceArn"]


def test_functions_in_the_emulator_match_their_declarations(aws, deployment):
    # GIVEN the deployed functions
    functions = of_type(deployment, "aws:lambda/function:Function")
    assert functions

    # WHEN each configuration is read back
    # THEN handler, timeout, memory and environment (with the emulator's URLs and names) are as declared
    for function in functions:
        actual = aws.client("lambda").get_function(FunctionName=function.outputs["name"])["Configuration"]
        assert actual["Handler"] == function.inputs["handler"]
        assert actual["Timeout"] == int(function.inputs["timeout"])
        assert actual["MemorySize"] == int(function.inputs["memorySize"])
        assert actual["Environment"]["Variables"] == function.inputs["environment"]["variables"]
    urls = [
        value for f in functions for value in f.inputs["environment"]["variables"].values() if "://" in value
    ]
    assert urls and all(url.startswith(aws.endpoint_url) for url in urls)


def test_the_state_machine_definition_is_wired_to_the_emulators_resources(aws, deployment):
    # GIVEN the stack's state machines, deployed: the migration and the two it runs as children
    machines = {machine.name: machine for machine in of_type(deployment, "aws:sfn/stateMachine:StateMachine")}
    assert set(machines) == {
        "migration-state-machine",
        "migration-wait-until-quiet",
        "migration-enqueue-segment",
    }

    # WHEN their definitions are read back from the emulator
    sfn = aws.client("stepfunctions")
    definitions = {
        name: sfn.describe_state_machine(stateMachineArn=machine.outputs["arn"])["definition"]
        for name, machine in machines.items()
    }

    # THEN each is the declared one; the children name the emulator's queue URLs, the migration names the
    # children, and the migration is the exported machine
    for name, machine in machines.items():
        assert json.loads(definitions[name]) == json.loads(machine.inputs["definition"])
    assert deployment.outputs["intake_queue_url"] in definitions["migration-wait-until-quiet"]
    for child in ("migration-wait-until-quiet", "migration-enqueue-segment"):
        assert machines[child].outputs["arn"] in definitions["migration-state-machine"]
    assert deployment.outputs["state_machine_arn"] == machines["migration-state-machine"].outputs["arn"]


def legacy_record(application_id: str) -> dict[str, Any]:
    from demo_data.onboarding_records import RecordMix, synthetic_record

    record = synthetic_record(1, seed="runtime-test", mix=RecordMix(ineligible=0, eligible_invalid=0)).record
    return {**record, "application_id": application_id}


def legacy_item(aws, deployment, application_id: str) -> dict[str, Any] | None:
    return (
        aws.client("dynamodb")
        .get_item(
            TableName=deployment.outputs["legacy_table_name"], Key={"application_id": {"S": application_id}}
        )
        .get("Item")
    )


def test_intake_reaches_the_legacy_table_and_waits_while_the_mapping_is_disabled(aws, deployment):
    # GIVEN the running stack, whose legacy mapping is enabled
    outputs = deployment.outputs
    sqs, lambda_ = aws.client("sqs"), aws.client("lambda")

    # WHEN an intake message is sent
    sqs.send_message(
        QueueUrl=outputs["intake_queue_url"], MessageBody=json.dumps(legacy_record("app-flow-1"))
    )

    # THEN the legacy function stores it in the legacy table
    wait_until(lambda: legacy_item(aws, deployment, "app-flow-1"), timeout=60)

    # WHEN the legacy mapping is disabled, its pollers have seen that, and another message is sent
    # while they keep looking
    lambda_.update_event_source_mapping(UUID=outputs["legacy_mapping_uuid"], Enabled=False)
    wait_until_the_pollers_saw_it_disabled(aws, outputs["legacy_mapping_uuid"])
    sqs.send_message(
        QueueUrl=outputs["intake_queue_url"], MessageBody=json.dumps(legacy_record("app-flow-2"))
    )
    wait_until_the_pollers_saw_it_disabled(aws, outputs["legacy_mapping_uuid"])

    # THEN it waits in the intake queue
    assert queue_depth(aws, outputs["intake_queue_url"]) == (1, 0)
    assert legacy_item(aws, deployment, "app-flow-2") is None

    # WHEN the mapping is enabled again
    lambda_.update_event_source_mapping(UUID=outputs["legacy_mapping_uuid"], Enabled=True)

    # THEN the waiting message is delivered, and the intake queue drains
    wait_until(lambda: legacy_item(aws, deployment, "app-flow-2"), timeout=30)
    wait_until(lambda: queue_depth(aws, outputs["intake_queue_url"]) == (0, 0))
    assert queue_depth(aws, outputs["intake_dlq_url"]) == (0, 0)
