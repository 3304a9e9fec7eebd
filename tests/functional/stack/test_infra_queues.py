"""Queues of the whole stack: redrive, dead-letter retention and alarms, encryption, TLS-only policies."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from migration_runtime import settings as env
from tests.functional.stack.pulumi_harness import CapturedStack, RegisteredResource, as_list, statements

QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
REDRIVE_ALLOW = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"


def work_queues(stack: CapturedStack) -> list[RegisteredResource]:
    return [queue for queue in stack.of_type(QUEUE) if "redrivePolicy" in queue.inputs]


def dead_letter_queue_of(stack: CapturedStack, queue: RegisteredResource) -> RegisteredResource:
    target = json.loads(queue.inputs["redrivePolicy"])["deadLetterTargetArn"]
    return stack.one(QUEUE, arn=target)


def test_both_work_queues_redrive_to_their_own_dead_letter_queue_after_five_receives(stack: CapturedStack):
    # GIVEN the stack with default config
    queues = work_queues(stack)

    # WHEN reading each work queue's redrive policy
    policies = {queue.outputs["arn"]: json.loads(queue.inputs["redrivePolicy"]) for queue in queues}

    # THEN the intake and migration queues dead-letter after 5 receives, each to a distinct DLQ
    assert set(policies) == {stack.exports["intake_queue_arn"], stack.exports["migration_queue_arn"]}
    assert [policy["maxReceiveCount"] for policy in policies.values()] == [5, 5]
    assert {policy["deadLetterTargetArn"] for policy in policies.values()} == {
        stack.exports["intake_dlq_arn"],
        stack.exports["migration_dlq_arn"],
    }


def test_max_receive_count_comes_from_config_and_reaches_the_retrying_function(
    run_stack: Callable[[Mapping[str, str]], CapturedStack],
):
    # GIVEN an operator who sets maxReceiveCount
    configured = run_stack({"maxReceiveCount": "7"})

    # WHEN the stack is built
    counts = [
        json.loads(queue.inputs["redrivePolicy"])["maxReceiveCount"] for queue in work_queues(configured)
    ]
    migrate = configured.one(
        "aws:lambda/function:Function", name=configured.exports["migrate_record_function_name"]
    )

    # THEN both redrive policies and migrate_record's backoff see the same number
    assert counts == [7, 7]
    assert migrate.inputs["environment"]["variables"][env.MAX_RECEIVE_COUNT] == "7"


def test_dead_letter_queues_keep_messages_fourteen_days_longer_than_their_sources(stack: CapturedStack):
    # GIVEN each work queue and its dead-letter queue
    for queue in work_queues(stack):
        dlq = dead_letter_queue_of(stack, queue)

        # THEN the DLQ keeps messages the maximum 14 days, at least as long as the source queue
        assert dlq.inputs["messageRetentionSeconds"] == 1_209_600
        assert queue.inputs["messageRetentionSeconds"] <= dlq.inputs["messageRetentionSeconds"]


def test_dead_letter_queues_accept_redrives_only_from_their_own_queue(stack: CapturedStack):
    # GIVEN each work queue and its dead-letter queue
    for queue in work_queues(stack):
        dlq = dead_letter_queue_of(stack, queue)

        # WHEN reading the redrive-allow policy attached to the DLQ
        allow = stack.one(REDRIVE_ALLOW, queueUrl=dlq.outputs["url"])
        policy = json.loads(allow.inputs["redriveAllowPolicy"])

        # THEN only this work queue may use it as its dead-letter queue
        assert policy == {"redrivePermission": "byQueue", "sourceQueueArns": [queue.outputs["arn"]]}


def test_each_dead_letter_queue_alarms_at_one_visible_message_through_sns(stack: CapturedStack):
    topics = {topic.outputs["arn"] for topic in stack.of_type(TOPIC)}
    for queue in work_queues(stack):
        # GIVEN a dead-letter queue
        dlq = dead_letter_queue_of(stack, queue)

        # WHEN looking for the alarm watching it
        alarms = [
            alarm
            for alarm in stack.of_type(ALARM)
            if alarm.inputs["dimensions"] == {"QueueName": dlq.outputs["name"]}
        ]

        # THEN exactly one alarm fires on the first visible message, within a minute, and notifies SNS
        assert len(alarms) == 1
        alarm = alarms[0].inputs
        assert (alarm["namespace"], alarm["metricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
        assert alarm["threshold"] == 1
        assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert (alarm["period"], alarm["evaluationPeriods"]) == (60, 1)
        assert alarm["treatMissingData"] == "notBreaching"
        assert alarm["alarmActions"] and set(alarm["alarmActions"]) <= topics


def test_alarm_email_is_subscribed_only_when_configured(
    stack: CapturedStack, run_stack: Callable[[Mapping[str, str]], CapturedStack]
):
    # GIVEN the default stack and one with an alarm address
    with_email = run_stack({"alarmEmail": "oncall@example.com"})

    # WHEN listing the subscriptions
    subscriptions = with_email.of_type(SUBSCRIPTION)

    # THEN nobody is subscribed by default, and otherwise the address is subscribed to every alarm topic
    assert stack.of_type(SUBSCRIPTION) == []
    assert {(sub.inputs["protocol"], sub.inputs["endpoint"]) for sub in subscriptions} == {
        ("email", "oncall@example.com")
    }
    alarm_topics = {action for alarm in with_email.of_type(ALARM) for action in alarm.inputs["alarmActions"]}
    assert alarm_topics <= {sub.inputs["topic"] for sub in subscriptions}


def test_every_queue_is_encrypted_at_rest(stack: CapturedStack):
    # GIVEN every SQS queue in the stack (work queues and DLQs)
    queues = stack.of_type(QUEUE)

    # THEN each one has SQS-managed server-side encryption
    assert len(queues) == 4
    assert all(queue.inputs.get("sqsManagedSseEnabled") is True for queue in queues)


def test_every_queue_takes_messages_up_to_the_1_mib_sqs_quota(stack: CapturedStack):
    # GIVEN every SQS queue in the stack (the provider's default would be 256 KiB)
    queues = stack.of_type(QUEUE)

    # THEN each one, DLQs included, accepts messages up to 1 MiB
    assert len(queues) == 4
    assert {queue.inputs.get("maxMessageSize") for queue in queues} == {1024 * 1024}


def test_every_queue_denies_requests_without_tls(stack: CapturedStack):
    for queue in stack.of_type(QUEUE):
        # GIVEN a queue, WHEN collecting the statements of the policies attached to it
        attached = [
            statement
            for policy in stack.of_type(QUEUE_POLICY)
            if policy.inputs["queueUrl"] == queue.outputs["url"]
            for statement in statements(json.loads(policy.inputs["policy"]))
        ]

        # THEN one of them denies every SQS action on this queue unless the request used TLS
        assert any(
            statement["Effect"] == "Deny"
            and statement["Principal"] == "*"
            and "sqs:*" in as_list(statement["Action"])
            and as_list(statement["Resource"]) == [queue.outputs["arn"]]
            and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for statement in attached
        ), f"no TLS-only policy on {queue.name}"
