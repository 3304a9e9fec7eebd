"""The one Pulumi mocks engine: each run is whole, isolated from the others and from its caller."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime.settings import get_root_resource

from embedded_aws.stack_deploy.engine import run_under_mocks
from embedded_aws.stack_deploy.mocks import DeclaredMocks, UnsupportedInvoke

QUEUE = "aws:sqs/queue:Queue"


class Group(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("demo:index:Group", name)
        self.dlq = aws.sqs.Queue(f"{name}-dlq", opts=pulumi.ResourceOptions(parent=self))
        self.queue = aws.sqs.Queue(
            f"{name}-work",
            redrive_policy=self.dlq.arn.apply(lambda arn: f'{{"deadLetterTargetArn": "{arn}"}}'),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["tags"], depends_on=[self.dlq]),
        )
        self.register_outputs({})


def build_named_queue() -> None:
    name = pulumi.Config("demo").get("queue") or "unnamed"
    queue = aws.sqs.Queue(name)
    pulumi.export("queue_url", queue.url)


def run(build, config: dict[str, str] | None = None):
    return run_under_mocks(build, DeclaredMocks("eu-west-1"), project="demo", stack="test", config=config)


def test_each_run_has_its_own_resources_config_and_exports():
    # GIVEN a program whose queue is named by config
    # WHEN it runs with a name, then again without
    first = run(build_named_queue, {"demo:queue": "orders"})
    second = run(build_named_queue)

    # THEN the first run saw its config, and the second neither its resources nor its config
    assert [r.name for r in first.registrations] == ["orders"]
    assert first.outputs == {"queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"}
    assert [r.name for r in second.registrations] == ["unnamed"]
    assert second.outputs["queue_url"].endswith("/unnamed")
    # AND each run had a root stack of its own
    assert first.stack_urn == second.stack_urn == "urn:pulumi:test::demo::pulumi:pulumi:Stack::demo-test"


def test_a_run_leaves_nothing_in_the_callers_context():
    # GIVEN a caller with no Pulumi root stack
    assert get_root_resource() is None

    # WHEN a program runs under the engine
    ran = run(build_named_queue)

    # THEN it registered its resources, and the caller still has no root stack
    assert ran.registrations
    assert get_root_resource() is None


def test_parents_dependencies_ignore_changes_and_dependent_outputs_are_recorded():
    # GIVEN a component with two children, one depending on the other's ARN
    # WHEN it runs
    ran = run(lambda: Group("jobs"))

    # THEN the children name the component as parent, and the dependent's input holds the DLQ's ARN
    by_name = {r.name: r for r in ran.registrations}
    group, dlq, work = by_name["jobs"], by_name["jobs-dlq"], by_name["jobs-work"]
    assert group.parent == ran.stack_urn and not group.custom
    assert dlq.parent == work.parent == group.urn
    assert (
        work.inputs["redrivePolicy"]
        == '{"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:123456789012:jobs-dlq"}'
    )
    assert dlq.urn in work.dependencies
    assert work.ignore_changes == ("tags",)


def test_invokes_are_answered_and_recorded_and_an_unknown_one_is_refused():
    # GIVEN a program that looks up its region, then calls an invoke the mocks do not know
    def build() -> None:
        pulumi.export("region", aws.get_region().region)

    # WHEN it runs / THEN the answer reached the program and the call was recorded
    ran = run(build)
    assert ran.outputs == {"region": "eu-west-1"}
    assert [call.token for call in ran.invokes] == ["aws:index/getRegion:getRegion"]

    # AND an invoke the mocks do not answer fails the run instead of reaching the program as None
    with pytest.raises(UnsupportedInvoke, match="getAvailabilityZones"):
        run(lambda: aws.get_availability_zones())


def test_an_error_in_the_program_reaches_the_caller_and_the_next_run_is_clean():
    # GIVEN a program that fails after registering a resource
    def failing() -> None:
        aws.sqs.Queue("before-the-failure")
        raise ValueError("maximum_concurrency must be 2..1000")

    # WHEN it runs / THEN its error is raised to the caller
    with pytest.raises(ValueError, match="maximum_concurrency"):
        run(failing)

    # AND the next run registers only its own resources
    assert [r.name for r in run(build_named_queue).registrations] == ["unnamed"]
