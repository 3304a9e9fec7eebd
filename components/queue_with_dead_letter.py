"""An SQS queue with its dead-letter queue, TLS-only policies and an alarm on the first dead letter."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.email_subscription import email_subscription
from migration_runtime.aws_limits import SQS_MAX_MESSAGE_BYTES

# SQS limits (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html).
MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200
MIN_RETENTION_SECONDS = 60
MAX_RETENTION_SECONDS = 1_209_600  # 14 days
MAX_RECEIVE_COUNT_LIMIT = 1_000


@dataclass(frozen=True)
class QueueWithDeadLetterArgs:
    """Settings of one work queue and the dead-letter queue behind it."""

    visibility_timeout_seconds: int
    """How long a received message stays hidden from other consumers; keep it >= 6 x the consumer timeout."""

    max_receive_count: int = 5
    """Receives after which SQS moves a message to the dead-letter queue (the redrive policy)."""

    message_retention_seconds: int = 345_600
    """Retention of the work queue (4 days); must not exceed the dead-letter queue's retention."""

    dead_letter_retention_seconds: int = MAX_RETENTION_SECONDS
    """Retention of the dead-letter queue: the maximum, so an operator has two weeks to look at failures."""

    alarm_email: str | None = None
    """Optional address subscribed to the alarm topic (the subscription must be confirmed by mail)."""

    def __post_init__(self) -> None:
        if not 0 <= self.visibility_timeout_seconds <= MAX_VISIBILITY_TIMEOUT_SECONDS:
            raise ValueError(
                f"visibility_timeout_seconds must be within 0..{MAX_VISIBILITY_TIMEOUT_SECONDS}, "
                f"got {self.visibility_timeout_seconds}"
            )
        if not 1 <= self.max_receive_count <= MAX_RECEIVE_COUNT_LIMIT:
            raise ValueError(
                f"max_receive_count must be within 1..{MAX_RECEIVE_COUNT_LIMIT}, got {self.max_receive_count}"
            )
        for field_name in ("message_retention_seconds", "dead_letter_retention_seconds"):
            value = getattr(self, field_name)
            if not MIN_RETENTION_SECONDS <= value <= MAX_RETENTION_SECONDS:
                limits = f"{MIN_RETENTION_SECONDS}..{MAX_RETENTION_SECONDS}"
                raise ValueError(f"{field_name} must be within {limits}, got {value}")
        # A dead-lettered message keeps its original enqueue time, so a shorter DLQ retention would
        # silently drop failures the moment they arrive.
        if self.message_retention_seconds > self.dead_letter_retention_seconds:
            raise ValueError(
                f"message_retention_seconds ({self.message_retention_seconds}) must not exceed "
                f"dead_letter_retention_seconds ({self.dead_letter_retention_seconds})"
            )


def deny_insecure_transport_policy(queue_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """A queue policy that refuses every request made without TLS."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sqs:*",
                    "Resource": queue_arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


class QueueWithDeadLetter(pulumi.ComponentResource):
    """A work queue, its dead-letter queue, and an alarm that fires on the first dead letter."""

    queue: aws.sqs.Queue
    dead_letter_queue: aws.sqs.Queue
    redrive_allow_policy: aws.sqs.RedriveAllowPolicy
    queue_policy: aws.sqs.QueuePolicy
    dead_letter_queue_policy: aws.sqs.QueuePolicy
    alarm_topic: aws.sns.Topic
    alarm_email_subscription: aws.sns.TopicSubscription | None
    dead_letter_alarm: aws.cloudwatch.MetricAlarm
    visibility_timeout_seconds: int
    max_receive_count: int

    def __init__(
        self,
        name: str,
        args: QueueWithDeadLetterArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("onboarding:components:QueueWithDeadLetter", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Plain values kept on the component so a consumer can check them while the program is built.
        self.visibility_timeout_seconds = args.visibility_timeout_seconds
        self.max_receive_count = args.max_receive_count

        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            message_retention_seconds=args.dead_letter_retention_seconds,
            # Whatever the queue accepts its DLQ must accept too, or a dead-lettered message is refused.
            max_message_size=SQS_MAX_MESSAGE_BYTES,
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            visibility_timeout_seconds=args.visibility_timeout_seconds,
            message_retention_seconds=args.message_retention_seconds,
            # The provider's default is still 256 KiB; SQS takes up to 1 MiB since 2025 ("Amazon SQS
            # message quotas"), and a legacy record may need it.
            max_message_size=SQS_MAX_MESSAGE_BYTES,
            sqs_managed_sse_enabled=True,
            redrive_policy=pulumi.Output.json_dumps(
                {"deadLetterTargetArn": self.dead_letter_queue.arn, "maxReceiveCount": args.max_receive_count}
            ),
            opts=child,
        )
        # A separate resource because the DLQ's allow policy names the queue, whose redrive policy names
        # the DLQ: inline on both queues it would be a cycle.
        self.redrive_allow_policy = aws.sqs.RedriveAllowPolicy(
            f"{name}-dlq-redrive-allow",
            queue_url=self.dead_letter_queue.url,
            redrive_allow_policy=pulumi.Output.json_dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [self.queue.arn]}
            ),
            opts=child,
        )
        self.queue_policy = aws.sqs.QueuePolicy(
            f"{name}-queue-tls-only",
            queue_url=self.queue.url,
            policy=deny_insecure_transport_policy(self.queue.arn),
            opts=child,
        )
        self.dead_letter_queue_policy = aws.sqs.QueuePolicy(
            f"{name}-dlq-tls-only",
            queue_url=self.dead_letter_queue.url,
            policy=deny_insecure_transport_policy(self.dead_letter_queue.arn),
            opts=child,
        )

        # No SSE on the topic: CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed
        # SNS key, and a customer key would need its own key policy for a two-message-a-year topic.
        self.alarm_topic = aws.sns.Topic(f"{name}-dlq-alarm", opts=child)
        self.alarm_email_subscription = email_subscription(
            f"{name}-dlq-alarm-email", self.alarm_topic.arn, args.alarm_email, child
        )
        self.dead_letter_alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-dlq-not-empty",
            alarm_description=(
                f"At least one message of {name} failed {args.max_receive_count} times and waits in its "
                "dead-letter queue."
            ),
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": self.dead_letter_queue.name},
            statistic="Maximum",
            period=60,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            # SQS stops sending metrics for an idle queue: missing data means nothing arrived.
            treat_missing_data="notBreaching",
            alarm_actions=[self.alarm_topic.arn],
            ok_actions=[self.alarm_topic.arn],
            opts=child,
        )

        self.register_outputs(
            {
                "queue_arn": self.queue.arn,
                "queue_url": self.queue.url,
                "dead_letter_queue_arn": self.dead_letter_queue.arn,
                "dead_letter_queue_url": self.dead_letter_queue.url,
                "alarm_topic_arn": self.alarm_topic.arn,
            }
        )
