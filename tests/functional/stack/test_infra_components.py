"""Components on their own: the validations that stop a bad stack before anything is registered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.operations_dashboard import OperationsDashboard, OperationsDashboardArgs
from components.python_function import PythonFunction, PythonFunctionArgs
from components.queue_consumer import QueueConsumer, QueueConsumerArgs
from components.queue_with_dead_letter import QueueWithDeadLetter, QueueWithDeadLetterArgs
from tests.functional.stack.pulumi_harness import CapturedStack, run_in_mocks

MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"


def build_consumer(
    source_tree: Path,
    *,
    visibility: int = 180,
    timeout: int = 30,
    concurrency: int = 2,
    batch_size: int = 10,
    window: int = 0,
) -> CapturedStack:
    """Register a queue, a function and the mapping between them under fresh mocks."""

    def build() -> None:
        queue = QueueWithDeadLetter("work", QueueWithDeadLetterArgs(visibility_timeout_seconds=visibility))
        function = PythonFunction(
            "worker",
            PythonFunctionArgs(
                source_name="migrate_record",
                function_name="test-worker",
                statements=[],
                timeout_seconds=timeout,
                source_root=source_tree,
            ),
        )
        QueueConsumer(
            "work",
            QueueConsumerArgs(
                queue=queue,
                function=function,
                batch_size=batch_size,
                maximum_batching_window_in_seconds=window,
                maximum_concurrency=concurrency,
            ),
        )

    return run_in_mocks(build)


@pytest.mark.parametrize("concurrency", [2, 1000])
def test_consumer_accepts_the_limits_of_maximum_concurrency(source_tree: Path, concurrency: int):
    # GIVEN a concurrency at either end of the allowed range
    # WHEN the consumer is built
    captured = build_consumer(source_tree, concurrency=concurrency)

    # THEN the mapping carries it
    assert captured.one(MAPPING).inputs["scalingConfig"] == {"maximumConcurrency": concurrency}


@pytest.mark.parametrize("concurrency", [0, 1, 1001])
def test_consumer_rejects_maximum_concurrency_outside_2_to_1000(source_tree: Path, concurrency: int):
    # GIVEN a concurrency AWS would refuse
    # WHEN the consumer is built THEN it fails naming the range and the value
    with pytest.raises(
        ValueError, match=rf"maximum_concurrency must be within 2\.\.1000.*got {concurrency}$"
    ):
        build_consumer(source_tree, concurrency=concurrency)


def test_consumer_rejects_a_visibility_timeout_under_six_function_timeouts(source_tree: Path):
    # GIVEN a queue hiding messages 179 s for a function that may run 30 s (6 x 30 = 180)
    # WHEN the consumer is built THEN it fails naming both numbers
    with pytest.raises(ValueError, match=r"visibility timeout 179s .* function timeout 30s \(= 180s\)"):
        build_consumer(source_tree, visibility=179, timeout=30)


def test_consumer_accepts_a_visibility_timeout_of_exactly_six_function_timeouts(source_tree: Path):
    # GIVEN the boundary case
    captured = build_consumer(source_tree, visibility=180, timeout=30)

    # THEN the mapping is registered
    assert len(captured.of_type(MAPPING)) == 1


def test_consumer_rejects_large_batches_without_a_batching_window(source_tree: Path):
    # GIVEN more than 10 messages per batch and no window (SQS refuses this)
    # WHEN the consumer is built THEN it fails before AWS does
    with pytest.raises(ValueError, match=r"batch_size 11 is above 10"):
        build_consumer(source_tree, batch_size=11, window=0)


def test_a_rejected_consumer_registers_no_mapping(source_tree: Path):
    # GIVEN the queue and function a failing consumer was built over
    registered: list[str] = []

    def build() -> None:
        queue = QueueWithDeadLetter("work", QueueWithDeadLetterArgs(visibility_timeout_seconds=10))
        function = PythonFunction(
            "worker",
            PythonFunctionArgs(
                source_name="migrate_record", function_name="w", statements=[], source_root=source_tree
            ),
        )
        try:
            QueueConsumer("work", QueueConsumerArgs(queue=queue, function=function))
        except ValueError as error:
            registered.append(str(error))

    # WHEN the program runs
    captured = run_in_mocks(build)

    # THEN the error was raised and no mapping (nor its component) reached the engine
    assert registered
    assert captured.of_type(MAPPING) == []
    assert captured.of_type("onboarding:components:QueueConsumer") == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_receive_count": 0}, "max_receive_count must be within 1..1000"),
        ({"visibility_timeout_seconds": 43_201}, "visibility_timeout_seconds must be within"),
        (
            {"message_retention_seconds": 1_209_600, "dead_letter_retention_seconds": 345_600},
            "must not exceed",
        ),
    ],
)
def test_queue_args_reject_settings_that_would_lose_or_misroute_messages(changes: dict, message: str):
    # GIVEN otherwise valid queue settings
    settings = {"visibility_timeout_seconds": 180, **changes}

    # WHEN building the args THEN the bad value is named
    with pytest.raises(ValueError, match=message):
        QueueWithDeadLetterArgs(**settings)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"statements": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:x"}]}, "wildcard actions"),
        ({"statements": [{"Effect": "Allow", "Action": ["dynamodb:Get*"], "Resource": "arn:x"}]}, "wildcard"),
        (
            {"statements": [{"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "arn:x"}]},
            "must be Allow",
        ),
        ({"function_name": "has spaces"}, "function_name must be"),
        ({"log_retention_days": 10}, "log_retention_days must be one of"),
        ({"timeout_seconds": 901}, "timeout_seconds must be within 1..900"),
        ({"memory_size_mb": 64}, "memory_size_mb must be within"),
    ],
)
def test_function_args_reject_wildcards_and_invalid_settings(changes: dict, message: str):
    # GIVEN otherwise valid function settings
    settings = {"source_name": "migrate_record", "function_name": "fn", "statements": [], **changes}

    # WHEN building the args THEN the problem is named
    with pytest.raises(ValueError, match=message):
        PythonFunctionArgs(**settings)


def dashboard_body(state_machine_arn: str | None) -> list[dict]:
    def build() -> None:
        OperationsDashboard(
            "ops",
            OperationsDashboardArgs(
                dashboard_name="ops",
                region="eu-west-1",
                queues={"intake": "q"},
                dead_letter_queues={"intake DLQ": "dlq"},
                functions={"fn": "fn-name"},
                state_machine_arn=state_machine_arn,
            ),
        )

    captured = run_in_mocks(build)
    return json.loads(captured.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])["widgets"]


def test_dashboard_charts_state_machine_executions_once_there_is_one():
    # GIVEN a dashboard with and one without a state machine
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:migration"
    with_machine = dashboard_body(arn)
    without = dashboard_body(None)

    # THEN executions are charted by ARN when it exists, and a note says so otherwise
    executions = [
        m for w in with_machine for m in w.get("properties", {}).get("metrics", []) if m[0] == "AWS/States"
    ]
    assert {metric[1] for metric in executions} >= {
        "ExecutionsStarted",
        "ExecutionsFailed",
        "ExecutionsSucceeded",
    }
    assert {metric[3] for metric in executions} == {arn}
    assert not [w for w in without if "AWS/States" in json.dumps(w)]
    assert any(w["type"] == "text" for w in without)
