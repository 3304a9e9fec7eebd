"""Deploying a Pulumi program into the emulator: real resources, real outputs, clear errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from runtime_helpers import invoke, queue_depth, wait_until

from embedded_aws.stack_deploy import UnsupportedResourceType, deploy_stack, record_program

SMALL_PROGRAM = """
import json
import pulumi
import pulumi_aws as aws

config = pulumi.Config("demo")
dlq = aws.sqs.Queue("work-dlq")
queue = aws.sqs.Queue(
    "work",
    visibility_timeout_seconds=config.get_int("visibility") or 5,
    redrive_policy=pulumi.Output.json_dumps({"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 2}),
)
table = aws.dynamodb.Table(
    "items",
    billing_mode="PAY_PER_REQUEST",
    hash_key="id",
    attributes=[aws.dynamodb.TableAttributeArgs(name="id", type="S")],
    point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
)
role = aws.iam.Role("fn-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
code = pulumi.AssetArchive({"handler.py": pulumi.StringAsset(HANDLER)})
function = aws.lambda_.Function(
    "writer",
    role=role.arn,
    runtime="python3.12",
    handler="handler.lambda_handler",
    code=code,
    timeout=5,
    layers=["arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"],
    environment=aws.lambda_.FunctionEnvironmentArgs(variables={"TABLE": table.name}),
)
mapping = aws.lambda_.EventSourceMapping(
    "writer-mapping",
    event_source_arn=queue.arn,
    function_name=function.arn,
    batch_size=5,
    scaling_config=aws.lambda_.EventSourceMappingScalingConfigArgs(maximum_concurrency=2),
    function_response_types=["ReportBatchItemFailures"],
)
pulumi.export("queue_url", queue.url)
pulumi.export("queue_arn", queue.arn)
pulumi.export("table_name", table.name)
pulumi.export("function_name", function.name)
pulumi.export("mapping_uuid", mapping.uuid)
pulumi.export("region", aws.get_region().region)
"""

WRITER = """
import os
import boto3

def lambda_handler(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    for record in event.get("Records", []):
        table.put_item(Item={"id": record["messageId"], "body": record["body"]})
    return {"batchItemFailures": []}
"""


def write_program(directory: Path, body: str) -> Path:
    (directory / "Pulumi.yaml").write_text("name: small-demo\nruntime: python\n", encoding="utf-8")
    (directory / "__main__.py").write_text(
        f"HANDLER = {WRITER!r}\n" + textwrap.dedent(body), encoding="utf-8"
    )
    return directory


def test_a_program_is_deployed_with_real_outputs_flowing_into_dependents(aws, tmp_path):
    # GIVEN a small program (queue + DLQ, table, function from an asset archive, mapping) and a config value
    program = write_program(tmp_path, SMALL_PROGRAM)
    (tmp_path / "Pulumi.local.yaml").write_text("config:\n  demo:visibility: 7\n", encoding="utf-8")

    # WHEN it is deployed into the emulator
    deployment = deploy_stack(aws, program, prewarm_functions=False)

    # THEN its outputs are the emulator's real identifiers, and the resources have the declared settings
    outputs = deployment.outputs
    assert outputs["queue_url"].startswith(aws.endpoint_url)
    assert outputs["region"] == aws.region
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=outputs["queue_url"], AttributeNames=["All"]
    )["Attributes"]
    assert attributes["VisibilityTimeout"] == "7"
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 2
    function = aws.client("lambda").get_function(FunctionName=outputs["function_name"])["Configuration"]
    assert function["Environment"]["Variables"] == {"TABLE": outputs["table_name"]}
    assert "Layers" not in function or function["Layers"] == []
    mapping = aws.client("lambda").get_event_source_mapping(UUID=outputs["mapping_uuid"])
    assert (mapping["BatchSize"], mapping["ScalingConfig"]["MaximumConcurrency"]) == (5, 2)
    backups = aws.client("dynamodb").describe_continuous_backups(TableName=outputs["table_name"])
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
        "PointInTimeRecoveryStatus"
    ] == ("ENABLED")

    # AND the deployed pieces work together: a message flows from the queue through the function to the table
    aws.client("sqs").send_message(QueueUrl=outputs["queue_url"], MessageBody="through the stack")
    wait_until(lambda: aws.client("dynamodb").scan(TableName=outputs["table_name"])["Count"] == 1)
    assert invoke(aws, outputs["function_name"], {"Records": []}) == (None, {"batchItemFailures": []})


def test_every_registration_is_recorded_with_its_parent(aws, tmp_path):
    # GIVEN a program with a component resource
    program = write_program(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        class Pair(pulumi.ComponentResource):
            def __init__(self, name):
                super().__init__("demo:components:Pair", name, None, None)
                self.topic = aws.sns.Topic(f"{name}-topic", opts=pulumi.ResourceOptions(parent=self))
                self.register_outputs({"topic_arn": self.topic.arn})

        pair = Pair("alerts")
        pulumi.export("topic_arn", pair.topic.arn)
        """,
    )

    # WHEN it is deployed
    deployment = deploy_stack(aws, program, prewarm_functions=False)

    # THEN the component registered normally, the topic under it, and the topic exists
    by_type = {registration.type: registration for registration in deployment.resources}
    component = by_type["demo:components:Pair"]
    assert by_type["aws:sns/topic:Topic"].parent == component.urn
    topics = aws.client("sns").list_topics()["Topics"]
    assert deployment.outputs["topic_arn"] in [topic["TopicArn"] for topic in topics]


def test_an_unsupported_resource_type_fails_naming_the_type(aws, tmp_path):
    # GIVEN a program using a resource type the runtime has no adapter for
    program = write_program(
        tmp_path,
        """
        import pulumi_aws as aws

        aws.ec2.Vpc("network", cidr_block="10.0.0.0/16")
        """,
    )

    # WHEN it is deployed / THEN the error names the type and the resource
    with pytest.raises(UnsupportedResourceType, match=r"aws:ec2/vpc:Vpc") as raised:
        deploy_stack(aws, program, prewarm_functions=False)
    assert "network" in str(raised.value)


def test_recording_a_program_needs_no_emulator(tmp_path):
    # GIVEN the small program
    program = write_program(tmp_path, SMALL_PROGRAM)

    # WHEN it is recorded under echoing mocks
    recorded = record_program(program)

    # THEN every declared resource is listed with its inputs
    types = sorted(registration.type for registration in recorded.resources)
    assert types == [
        "aws:dynamodb/table:Table",
        "aws:iam/role:Role",
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        "aws:lambda/function:Function",
        "aws:sqs/queue:Queue",
        "aws:sqs/queue:Queue",
    ]
    queue = next(r for r in recorded.resources if r.name == "work")
    assert queue.inputs["visibilityTimeoutSeconds"] == 5


def test_queue_depth_helper_sees_messages(aws):
    # GIVEN a queue with two messages / WHEN its depth is read / THEN both are visible, none in flight
    url = aws.client("sqs").create_queue(QueueName="depth-check")["QueueUrl"]
    aws.client("sqs").send_message(QueueUrl=url, MessageBody="a")
    aws.client("sqs").send_message(QueueUrl=url, MessageBody="b")
    assert queue_depth(aws, url) == (2, 0)
