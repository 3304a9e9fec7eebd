"""`local preview`: the resource tree the program would create, from the one mocks engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedded_aws.stack_deploy.engine import Registration
from embedded_aws.stack_deploy.preview import (
    PlannedResource,
    count_resources,
    preview_document,
    preview_stack,
    render_preview,
    resource_tree,
)

PROJECT_DIR = Path(__file__).resolve().parents[3]
STACK_URN = "urn:pulumi:local::demo::pulumi:pulumi:Stack::demo-local"
COMPONENT = "onboarding:components:QueueWithDeadLetter"


def registration(name: str, type_: str, parent: str, custom: bool = True) -> Registration:
    urn = f"{parent}${type_}::{name}" if parent != STACK_URN else f"urn:pulumi:local::demo::{type_}::{name}"
    return Registration(
        urn=urn, type=type_, name=name, custom=custom, parent=parent, id="", inputs={}, outputs={}
    )


def by_name(root: PlannedResource) -> dict[tuple[str, str], PlannedResource]:
    return {(resource.type, resource.name): resource for _, resource in root.walk()}


@pytest.fixture(scope="module")
def tree() -> PlannedResource:
    return preview_stack(PROJECT_DIR)


def test_registrations_are_arranged_under_their_parents_in_a_stable_order():
    # GIVEN a component with two children, registered children first and in no particular order
    group = registration("intake", COMPONENT, STACK_URN, custom=False)
    queue = registration("intake-queue", "aws:sqs/queue:Queue", group.urn)
    dlq = registration("intake-dlq", "aws:sqs/queue:Queue", group.urn)
    topic = registration("intake-alarm", "aws:sns/topic:Topic", group.urn)

    # WHEN the tree is built
    root = resource_tree(STACK_URN, [queue, topic, group, dlq])

    # THEN the stack holds the component, which holds its children sorted by type then name
    assert (root.type, root.name, root.parent) == ("pulumi:pulumi:Stack", "demo-local", "")
    (component,) = root.children
    assert (component.urn, component.parent, component.custom) == (group.urn, STACK_URN, False)
    assert [child.name for child in component.children] == ["intake-alarm", "intake-dlq", "intake-queue"]
    assert {child.parent for child in component.children} == {group.urn}
    assert count_resources(root).to_create == 5


def test_the_rendered_tree_indents_each_resource_under_its_parent_and_counts_them():
    # GIVEN a stack with one component and two children
    group = registration("intake", COMPONENT, STACK_URN, custom=False)
    root = resource_tree(
        STACK_URN,
        [
            group,
            registration("intake-queue", "aws:sqs/queue:Queue", group.urn),
            registration("intake-dlq", "aws:sqs/queue:Queue", group.urn),
        ],
    )

    # WHEN it is rendered
    lines = render_preview(root).splitlines()

    # THEN each resource is one `+` line, children drawn under their parent, and the count closes it
    rows = [line.split() for line in lines if line.startswith(" +")]
    assert rows == [
        ["+", "pulumi:pulumi:Stack", "demo-local"],
        ["+", "└─", COMPONENT, "intake"],
        ["+", "├─", "aws:sqs/queue:Queue", "intake-dlq"],
        ["+", "└─", "aws:sqs/queue:Queue", "intake-queue"],
    ]
    assert lines[-1].strip() == "+ 4 to create (1 stack, 1 components, 2 cloud resources)"


def test_the_stack_tree_holds_every_component_with_its_children(tree: PlannedResource):
    # GIVEN the project's program previewed with its default config
    resources = by_name(tree)

    # THEN the stack's components hang from the stack
    components = {(child.type.rsplit(":", 1)[-1], child.name) for child in tree.children}
    assert {
        ("QueueWithDeadLetter", "intake"),
        ("QueueWithDeadLetter", "migration"),
        ("DynamoTable", "legacy"),
        ("DynamoTable", "onboarding"),
        ("DynamoTable", "control"),
        ("PythonFunction", "migrate-record"),
        ("QueueConsumer", "migrate-record"),
        ("MigrationStateMachine", "migration"),
        ("ExecutionWatchdog", "migration-watchdog"),
        ("OperationsDashboard", "operations"),
    } <= components
    # AND each cloud resource sits under the component that made it, none directly under the stack
    intake = resources[("onboarding:components:QueueWithDeadLetter", "intake")]
    assert {("aws:sqs/queue:Queue", "intake-queue"), ("aws:sqs/queue:Queue", "intake-dlq")} <= {
        (child.type, child.name) for child in intake.children
    }
    assert resources[("aws:sqs/queue:Queue", "intake-dlq")].parent == intake.urn
    function = resources[("onboarding:components:PythonFunction", "migrate-record")]
    assert resources[("aws:lambda/function:Function", "migrate-record-function")].parent == function.urn
    assert not [child for child in tree.children if child.custom]


def test_a_config_change_is_reflected_in_the_tree(tree: PlannedResource):
    # GIVEN the default tree, which subscribes no e-mail to the alarms
    subscription = "aws:sns/topicSubscription:TopicSubscription"
    assert not [resource for _, resource in tree.walk() if resource.type == subscription]

    # WHEN the stack is previewed with an alarm e-mail
    configured = preview_stack(PROJECT_DIR, config={"onboarding-migration:alarmEmail": "ops@example.com"})

    # THEN each DLQ alarm topic (and the gate topic) gets an e-mail subscription under its component
    subscriptions = [resource for _, resource in configured.walk() if resource.type == subscription]
    resources = by_name(configured)
    parents = {resource.parent for resource in subscriptions}
    assert resources[("onboarding:components:QueueWithDeadLetter", "intake")].urn in parents
    assert resources[("onboarding:components:QueueWithDeadLetter", "migration")].urn in parents
    assert count_resources(configured).to_create == count_resources(tree).to_create + len(subscriptions)


def test_a_config_the_program_refuses_is_raised_not_previewed():
    # GIVEN a tap the QueueConsumer component refuses (maximum concurrency must be 2..1000)
    # WHEN / THEN the preview raises the program's own error
    with pytest.raises(ValueError, match="maximum_concurrency"):
        preview_stack(PROJECT_DIR, config={"onboarding-migration:migrateMaxConcurrency": 1})


def test_the_document_lists_every_resource_with_its_parent(tree: PlannedResource):
    # WHEN the tree is turned into its JSON document
    document = preview_document(tree, project="onboarding-migration", stack="local")

    # THEN every resource but the stack names a parent that is listed before it, and the counts add up
    urns = [resource["urn"] for resource in document["resources"]]
    assert document["resources"][0]["parent"] is None
    for index, resource in enumerate(document["resources"][1:], start=1):
        assert resource["parent"] in urns[:index], resource
    counts = document["counts"]
    assert counts["create"] == len(urns) == 1 + counts["components"] + counts["cloud_resources"]
