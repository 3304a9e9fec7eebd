"""The watchdog: an EventBridge rule on a state machine's abnormal ends that invokes a function.

Step Functions sends an "Execution Status Change" event to EventBridge's default bus for every status
change of a Standard workflow execution (AWS Step Functions developer guide, "Automating Step Functions
event delivery with EventBridge"). The rule matches this state machine's FAILED, TIMED_OUT and ABORTED
executions, which are exactly the ends where its own Catch may never have run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.python_function import PythonFunction

ABNORMAL_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
EVENT_SOURCE = "aws.states"
EVENT_DETAIL_TYPE = "Step Functions Execution Status Change"
EVENTS_PRINCIPAL = "events.amazonaws.com"


def abnormal_end_pattern(state_machine_arn: str) -> str:
    """The event pattern of one state machine's abnormal ends."""
    return json.dumps(
        {
            "source": [EVENT_SOURCE],
            "detail-type": [EVENT_DETAIL_TYPE],
            "detail": {"stateMachineArn": [state_machine_arn], "status": list(ABNORMAL_STATUSES)},
        }
    )


@dataclass(frozen=True)
class ExecutionWatchdogArgs:
    """What to watch and what to call."""

    state_machine_arn: pulumi.Input[str]
    """The state machine whose FAILED, TIMED_OUT and ABORTED executions trigger the function."""

    function: PythonFunction
    """The function invoked with each matching event (restore_serving)."""


class ExecutionWatchdog(pulumi.ComponentResource):
    """Rule, target and invoke permission: the function runs after every abnormal end of an execution."""

    rule: aws.cloudwatch.EventRule
    target: aws.cloudwatch.EventTarget
    permission: aws.lambda_.Permission

    def __init__(
        self, name: str, args: ExecutionWatchdogArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("onboarding:components:ExecutionWatchdog", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.rule = aws.cloudwatch.EventRule(
            f"{name}-abnormal-end",
            description="A migration execution ended FAILED, TIMED_OUT or ABORTED: restore serving",
            event_pattern=pulumi.Output.from_input(args.state_machine_arn).apply(abnormal_end_pattern),
            opts=child,
        )
        self.permission = aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=args.function.function.name,
            principal=EVENTS_PRINCIPAL,
            source_arn=self.rule.arn,
            opts=child,
        )
        self.target = aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=self.rule.name,
            arn=args.function.function.arn,
            # EventBridge retries a failed delivery for up to 24 hours by default; keep that, the
            # function is idempotent.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.permission]),
        )

        self.register_outputs({"rule_arn": self.rule.arn, "rule_name": self.rule.name})
