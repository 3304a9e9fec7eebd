"""A Pulumi program with an EventBridge rule, a Lambda target and its permission deploys and works locally."""

from __future__ import annotations

import json
import textwrap

from runtime_helpers import wait_until
from sfn_helpers import start, wait_for_end

from embedded_aws.stack_deploy import deploy_stack

FORWARDER = """
import json, os
import boto3

def lambda_handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event))
    return {}
"""

PROGRAM = """
import json
import pulumi
import pulumi_aws as aws

seen = aws.sqs.Queue("seen")
role = aws.iam.Role("watch-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
watcher = aws.lambda_.Function(
    "watcher",
    role=role.arn,
    runtime="python3.12",
    handler="handler.lambda_handler",
    code=pulumi.AssetArchive({"handler.py": pulumi.StringAsset(FORWARDER)}),
    environment=aws.lambda_.FunctionEnvironmentArgs(variables={"QUEUE_URL": seen.url}),
)
machine = aws.sfn.StateMachine(
    "fails",
    role_arn=role.arn,
    definition=json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom"}}}),
)
rule = aws.cloudwatch.EventRule(
    "on-failure",
    event_pattern=machine.arn.apply(lambda arn: json.dumps({
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"], "stateMachineArn": [arn]},
    })),
)
target = aws.cloudwatch.EventTarget(
    "on-failure-target",
    rule=rule.name,
    arn=watcher.arn,
    input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
        input_paths={"execution": "$.detail.executionArn", "status": "$.detail.status"},
        input_template='{"execution": "<execution>", "status": "<status>"}',
    ),
)
permission = aws.lambda_.Permission(
    "events-invoke-watcher",
    action="lambda:InvokeFunction",
    function=watcher.name,
    principal="events.amazonaws.com",
    source_arn=rule.arn,
)
pulumi.export("machine_arn", machine.arn)
pulumi.export("queue_url", seen.url)
pulumi.export("rule_name", rule.name)
pulumi.export("target_id", target.target_id)
pulumi.export("function_name", watcher.name)
pulumi.export("statement_id", permission.statement_id)
"""


def test_a_rule_with_a_lambda_target_and_permission_deploys_and_fires_on_a_failed_execution(aws, tmp_path):
    # GIVEN a program with a state machine, an EventBridge rule on its failures, a Lambda target
    # (with an input transformer) and the permission for EventBridge to invoke it
    (tmp_path / "Pulumi.yaml").write_text("name: events-demo\nruntime: python\n", encoding="utf-8")
    (tmp_path / "__main__.py").write_text(
        f"FORWARDER = {FORWARDER!r}\n" + textwrap.dedent(PROGRAM), encoding="utf-8"
    )

    # WHEN it is deployed
    outputs = deploy_stack(aws, tmp_path, prewarm_functions=False).outputs

    # THEN the rule, its target and the permission exist as declared
    events = aws.client("events")
    assert events.describe_rule(Name=outputs["rule_name"])["State"] == "ENABLED"
    [target] = events.list_targets_by_rule(Rule=outputs["rule_name"])["Targets"]
    assert target["Id"] == outputs["target_id"]
    policy = json.loads(aws.client("lambda").get_policy(FunctionName=outputs["function_name"])["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [outputs["statement_id"]]

    # AND a failed execution of the machine reaches the function, transformed by the target
    execution = start(aws, outputs["machine_arn"])
    assert wait_for_end(aws, execution)["status"] == "FAILED"
    sqs = aws.client("sqs")
    messages = wait_until(
        lambda: sqs.receive_message(QueueUrl=outputs["queue_url"], WaitTimeSeconds=1).get("Messages"),
        timeout=30,
    )
    assert json.loads(messages[0]["Body"]) == {"execution": execution, "status": "FAILED"}
