"""Deploying a stream-enabled table and a DynamoDB Streams mapping through the mocks engine."""

from __future__ import annotations

import textwrap
from pathlib import Path

from runtime_helpers import wait_until

from embedded_aws.stack_deploy import deploy_stack

STREAM_PROGRAM = """
import json
import pulumi
import pulumi_aws as aws

legacy = aws.dynamodb.Table(
    "legacy",
    billing_mode="PAY_PER_REQUEST",
    hash_key="id",
    attributes=[aws.dynamodb.TableAttributeArgs(name="id", type="S")],
    stream_enabled=True,
    stream_view_type="NEW_AND_OLD_IMAGES",
)
changes = aws.dynamodb.Table(
    "changes",
    billing_mode="PAY_PER_REQUEST",
    hash_key="id",
    attributes=[aws.dynamodb.TableAttributeArgs(name="id", type="S")],
)
role = aws.iam.Role("fn-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
function = aws.lambda_.Function(
    "capture",
    role=role.arn,
    runtime="python3.12",
    handler="handler.lambda_handler",
    code=pulumi.AssetArchive({"handler.py": pulumi.StringAsset(HANDLER)}),
    timeout=5,
    environment=aws.lambda_.FunctionEnvironmentArgs(variables={"TABLE": changes.name}),
)
mapping = aws.lambda_.EventSourceMapping(
    "capture-mapping",
    event_source_arn=legacy.stream_arn,
    function_name=function.arn,
    starting_position="LATEST",
    enabled=False,
    batch_size=50,
    maximum_batching_window_in_seconds=1,
    function_response_types=["ReportBatchItemFailures"],
    maximum_retry_attempts=5,
    bisect_batch_on_function_error=True,
    parallelization_factor=2,
)
pulumi.export("legacy_table", legacy.name)
pulumi.export("stream_arn", legacy.stream_arn)
pulumi.export("stream_label", legacy.stream_label)
pulumi.export("changes_table", changes.name)
pulumi.export("mapping_uuid", mapping.uuid)
"""

CAPTURE = """
import os
import boto3

def lambda_handler(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    for record in event["Records"]:
        table.put_item(Item={"id": record["dynamodb"]["SequenceNumber"], "event": record["eventName"]})
    return {"batchItemFailures": []}
"""


def write_program(directory: Path) -> Path:
    (directory / "Pulumi.yaml").write_text("name: stream-demo\nruntime: python\n", encoding="utf-8")
    (directory / "__main__.py").write_text(
        f"HANDLER = {CAPTURE!r}\n" + textwrap.dedent(STREAM_PROGRAM), encoding="utf-8"
    )
    return directory


def test_a_stream_mapping_is_deployed_disabled_on_the_tables_stream_and_delivers_once_enabled(aws, tmp_path):
    # GIVEN a program with a stream-enabled table and a disabled LATEST mapping on its stream
    program = write_program(tmp_path)

    # WHEN it is deployed
    outputs = deploy_stack(aws, program, prewarm_functions=False).outputs

    # THEN the table has its stream, its ARN flowed into the mapping, with every stream setting
    table = aws.client("dynamodb").describe_table(TableName=outputs["legacy_table"])["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert outputs["stream_arn"] == table["LatestStreamArn"]
    assert outputs["stream_label"] == table["LatestStreamLabel"]
    mapping = aws.client("lambda").get_event_source_mapping(UUID=outputs["mapping_uuid"])
    assert mapping["EventSourceArn"] == outputs["stream_arn"]
    assert mapping["State"] == "Disabled"
    assert (mapping["StartingPosition"], mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == (
        "LATEST",
        50,
        1,
    )
    assert (mapping["MaximumRetryAttempts"], mapping["BisectBatchOnFunctionError"]) == (5, True)
    assert mapping["ParallelizationFactor"] == 2
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]

    # AND once enabled (as the state machine does), a change to the table reaches the function
    aws.client("lambda").update_event_source_mapping(UUID=outputs["mapping_uuid"], Enabled=True)
    wait_until(lambda: aws.stream_event_source_activity(outputs["mapping_uuid"]).position is not None)
    aws.client("dynamodb").put_item(TableName=outputs["legacy_table"], Item={"id": {"S": "app-1"}})
    changes = wait_until(lambda: aws.client("dynamodb").scan(TableName=outputs["changes_table"])["Items"])
    assert [item["event"]["S"] for item in changes] == ["INSERT"]
