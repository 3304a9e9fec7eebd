"""Shape of the whole stack: components own every resource, the exports the tools read, dashboard."""

from __future__ import annotations

import json
from dataclasses import MISSING, fields

from migration_cli.stack_outputs import StackOutputs
from tests.functional.stack.pulumi_harness import FUNCTION_NAMES, STACK_TYPE, CapturedStack

# What the operator commands read from the stack outputs (migration_cli/stack_outputs.py, `StackOutputs`),
# plus every queue ARN, mapping UUID and function name the README's "Deploying on AWS" outputs.json holds.
CONTRACT_EXPORTS = (
    "record_mapping",
    "state_machine_arn",
    "region",
    "intake_queue_url",
    "intake_queue_arn",
    "intake_dlq_url",
    "intake_dlq_arn",
    "migration_queue_url",
    "migration_queue_arn",
    "migration_dlq_url",
    "migration_dlq_arn",
    "legacy_table_name",
    "new_table_name",
    "control_table_name",
    "legacy_mapping_uuid",
    "new_mapping_uuid",
    "migrate_mapping_uuid",
    "capture_mapping_uuid",
    "legacy_stream_arn",
    *(f"{name}_function_name" for name in FUNCTION_NAMES),
)


def test_every_cloud_resource_belongs_to_a_component(stack: CapturedStack):
    # GIVEN the components (registered without a provider) and the cloud resources
    components = {resource.urn: resource for resource in stack.resources if not resource.custom}
    cloud = [
        resource
        for resource in stack.resources
        if resource.custom and not resource.type.startswith("pulumi:providers:")
    ]

    # THEN every cloud resource's parent is one of our components, and components hang off the stack
    assert cloud
    orphans = [resource.name for resource in cloud if resource.parent not in components]
    assert orphans == []
    assert all(component.type.startswith("onboarding:components:") for component in components.values())
    assert all(STACK_TYPE in component.parent for component in components.values())


def test_every_contract_output_is_exported_with_a_value(stack: CapturedStack):
    # GIVEN the stack's exports
    exports = stack.exports

    # THEN each name the state machine and the CLI rely on is there and not empty (the list covers every
    # output the operator commands read)
    missing = [name for name in CONTRACT_EXPORTS if not exports.get(name)]
    assert missing == []
    required = {field.name for field in fields(StackOutputs) if field.default is MISSING}
    required -= {field.name for field in fields(StackOutputs) if field.default_factory is not MISSING}
    assert required <= set(CONTRACT_EXPORTS)
    # The mapping's name is exported; its lookup tables' names (``lookup_table_<name>``) only when it has
    # any. Both are read with a default, so a stack deployed before record mappings existed still works.
    assert exports["record_mapping"] == "onboarding"
    # The capture mapping is read with a default too: a stack without a legacy stream has none.
    optional = {"record_mapping", "lookup_tables", "capture_mapping_uuid"}
    assert set(field.name for field in fields(StackOutputs)) - required == optional


def test_exports_point_at_the_resources_they_name(stack: CapturedStack):
    # GIVEN the exports and the captured graph
    exports = stack.exports

    # THEN URLs and ARNs belong to the same queue, and mapping UUIDs and function names exist
    for prefix in ("intake_queue", "intake_dlq", "migration_queue", "migration_dlq"):
        queue = stack.one("aws:sqs/queue:Queue", arn=exports[f"{prefix}_arn"])
        assert queue.outputs["url"] == exports[f"{prefix}_url"]
    for uuid in ("legacy_mapping_uuid", "new_mapping_uuid", "migrate_mapping_uuid"):
        stack.one("aws:lambda/eventSourceMapping:EventSourceMapping", uuid=exports[uuid])
    for name in FUNCTION_NAMES:
        stack.one("aws:lambda/function:Function", name=exports[f"{name}_function_name"])
    assert len({exports[f"{name}_function_name"] for name in FUNCTION_NAMES}) == len(FUNCTION_NAMES)


def test_the_dashboard_shows_queues_dead_letters_and_function_health(stack: CapturedStack):
    # GIVEN the dashboard body
    dashboard = stack.one("aws:cloudwatch/dashboard:Dashboard", dashboardName=stack.exports["dashboard_name"])
    widgets = json.loads(dashboard.inputs["dashboardBody"])["widgets"]
    metrics = [
        tuple(metric[:4]) for widget in widgets for metric in widget.get("properties", {}).get("metrics", [])
    ]

    # THEN depth is shown for both work queues and both DLQs, errors and throttles for every function
    queue_names = {
        stack.one("aws:sqs/queue:Queue", arn=stack.exports[f"{p}_arn"]).outputs["name"]
        for p in ("intake_queue", "migration_queue")
    }
    dlq_names = {
        stack.one("aws:sqs/queue:Queue", arn=stack.exports[f"{p}_arn"]).outputs["name"]
        for p in ("intake_dlq", "migration_dlq")
    }
    for queue in queue_names | dlq_names:
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue) in metrics
    for name in FUNCTION_NAMES:
        function = stack.exports[f"{name}_function_name"]
        for metric in ("Errors", "Throttles"):
            assert ("AWS/Lambda", metric, "FunctionName", function) in metrics
    assert all(widget["properties"].get("region", "eu-west-1") == "eu-west-1" for widget in widgets)


def test_the_migration_state_machine_is_exported_and_charted(stack: CapturedStack):
    # GIVEN the state machines of the stack: the migration and the two it runs as child executions
    machines = stack.of_type("aws:sfn/stateMachine:StateMachine")
    dashboard = stack.one("aws:cloudwatch/dashboard:Dashboard", dashboardName=stack.exports["dashboard_name"])
    charted = {
        metric[3]
        for widget in json.loads(dashboard.inputs["dashboardBody"])["widgets"]
        for metric in widget.get("properties", {}).get("metrics", [])
        if metric[0] == "AWS/States"
    }

    # THEN there are exactly those three; the migration is exported for the CLI and charted
    assert sorted(machine.name for machine in machines) == [
        "migration-enqueue-segment",
        "migration-state-machine",
        "migration-wait-until-quiet",
    ]
    [machine] = [machine for machine in machines if machine.name == "migration-state-machine"]
    assert stack.exports["state_machine_arn"] == machine.outputs["arn"]
    assert charted == {machine.outputs["arn"]}
