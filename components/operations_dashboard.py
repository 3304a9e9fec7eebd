"""One CloudWatch dashboard with what an operator watches during a migration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

_WIDTH = 12
_HEIGHT = 6
_PERIOD_SECONDS = 60
_STATE_MACHINE_METRICS = (
    "ExecutionsStarted",
    "ExecutionsSucceeded",
    "ExecutionsFailed",
    "ExecutionsAborted",
    "ExecutionsTimedOut",
)


@dataclass(frozen=True)
class OperationsDashboardArgs:
    """What the dashboard shows (labels are what the operator reads, values are AWS names)."""

    dashboard_name: str
    """Dashboard name (unique per account and region)."""

    region: str
    """Region of the metrics; CloudWatch metric widgets require it."""

    queues: Mapping[str, pulumi.Input[str]]
    """Label -> work queue name, for depth, in-flight and age of the oldest message."""

    dead_letter_queues: Mapping[str, pulumi.Input[str]]
    """Label -> dead-letter queue name; any visible message there is an alarm."""

    functions: Mapping[str, pulumi.Input[str]]
    """Label -> Lambda function name, for invocations, errors and throttles."""

    state_machine_arn: pulumi.Input[str] | None = None
    """Migration state machine, once it exists; without it the dashboard says so in a text widget."""

    dead_letter_alarm_threshold: int = 1
    """Drawn as a line on the dead-letter widget (the alarms fire at this many messages)."""


def _metric_widget(
    title: str, region: str, metrics: list[list[Any]], stat: str, **properties: Any
) -> dict[str, Any]:
    return {
        "type": "metric",
        "width": _WIDTH,
        "height": _HEIGHT,
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "stat": stat,
            "period": _PERIOD_SECONDS,
            "metrics": metrics,
            **properties,
        },
    }


def dashboard_widgets(args: OperationsDashboardArgs) -> list[dict[str, Any]]:
    """The widgets in reading order (values may still be Outputs)."""
    queue_depth = [
        metric
        for label, queue in args.queues.items()
        for metric in (
            [
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                queue,
                {"label": f"{label} waiting"},
            ],
            [
                "AWS/SQS",
                "ApproximateNumberOfMessagesNotVisible",
                "QueueName",
                queue,
                {"label": f"{label} in flight"},
            ],
        )
    ]
    oldest = [
        ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue, {"label": label}]
        for label, queue in args.queues.items()
    ]
    dead_letters = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue, {"label": label}]
        for label, queue in args.dead_letter_queues.items()
    ]

    def per_function(metric_name: str) -> list[list[Any]]:
        return [
            ["AWS/Lambda", metric_name, "FunctionName", function, {"label": label}]
            for label, function in args.functions.items()
        ]

    widgets = [
        _metric_widget("Queue depth (waiting / in flight)", args.region, queue_depth, "Maximum"),
        _metric_widget(
            "Dead-letter queue depth",
            args.region,
            dead_letters,
            "Maximum",
            annotations={
                "horizontal": [
                    {"label": "alarm", "value": args.dead_letter_alarm_threshold, "color": "#d62728"}
                ]
            },
        ),
        _metric_widget("Age of oldest message (s)", args.region, oldest, "Maximum"),
        _metric_widget("Function invocations", args.region, per_function("Invocations"), "Sum"),
        _metric_widget("Function errors", args.region, per_function("Errors"), "Sum"),
        _metric_widget("Function throttles", args.region, per_function("Throttles"), "Sum"),
    ]
    if args.state_machine_arn is not None:
        executions = [
            ["AWS/States", metric_name, "StateMachineArn", args.state_machine_arn]
            for metric_name in _STATE_MACHINE_METRICS
        ]
        widgets.append(_metric_widget("Migration executions", args.region, executions, "Sum"))
    else:
        widgets.append(
            {
                "type": "text",
                "width": _WIDTH,
                "height": _HEIGHT,
                "properties": {"markdown": "No migration state machine in this stack yet."},
            }
        )

    # Two columns, filled left to right, top to bottom.
    for index, widget in enumerate(widgets):
        widget.setdefault("x", (index % 2) * _WIDTH)
        widget.setdefault("y", (index // 2) * _HEIGHT)
    return widgets


class OperationsDashboard(pulumi.ComponentResource):
    """Queue depths, dead letters, function errors and throttles, state machine executions."""

    dashboard: aws.cloudwatch.Dashboard

    def __init__(
        self,
        name: str,
        args: OperationsDashboardArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("onboarding:components:OperationsDashboard", name, None, opts)

        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.dashboard_name,
            dashboard_body=pulumi.Output.json_dumps({"widgets": dashboard_widgets(args)}),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.register_outputs({"dashboard_name": self.dashboard.dashboard_name})
