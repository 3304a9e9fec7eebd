"""The optional e-mail subscription of a notification topic (the DLQ alarm, the migration's gate)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def email_subscription(
    name: str, topic_arn: pulumi.Input[str], email: str | None, opts: pulumi.ResourceOptions
) -> aws.sns.TopicSubscription | None:
    """Subscribe ``email`` to the topic, or nothing when no address is configured.

    SNS e-mails a confirmation link first: nothing is delivered until the recipient confirms.
    """
    if not email:
        return None
    return aws.sns.TopicSubscription(name, topic=topic_arn, protocol="email", endpoint=email, opts=opts)
