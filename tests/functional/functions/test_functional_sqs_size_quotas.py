"""How the emulator (moto 5.2.5) measures SQS sizes, beside how AWS does, and that the sender's batches
pass both: found out here rather than assumed.

moto sums the *characters* of the bodies of a batch and refuses the whole request over 1,048,576
(``BatchRequestTooLong``); it counts neither UTF-8 bytes nor message attributes. AWS counts bytes, and
message attributes too. The sender measures as AWS does, which is never less than moto's measure, so a
batch the sender builds passes both.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from migration_runtime.aws_limits import SQS_MAX_BATCH_BYTES
from migration_runtime.migration_queue_sender import send_bodies
from migration_runtime.size_bounded_batches import sqs_message_size


def _entries(bodies: list[str]) -> list[dict[str, str]]:
    return [{"Id": str(index), "MessageBody": body} for index, body in enumerate(bodies)]


def test_moto_accepts_a_batch_of_exactly_1_mib_and_refuses_one_character_more(stack):
    # GIVEN four bodies adding up to exactly the batch quota, and the same plus one character
    quarter = SQS_MAX_BATCH_BYTES // 4
    exact = ["a" * quarter] * 4
    over = ["a" * quarter] * 3 + ["a" * (quarter + 1)]

    # WHEN both are sent as one batch each
    accepted = stack.sqs.send_message_batch(QueueUrl=stack.migration_queue_url, Entries=_entries(exact))
    with pytest.raises(ClientError) as refused:
        stack.sqs.send_message_batch(QueueUrl=stack.migration_queue_url, Entries=_entries(over))

    # THEN the exact one went through whole, the other was refused as a request, not per entry
    assert len(accepted["Successful"]) == 4
    assert "BatchRequestTooLong" in str(refused.value)


def test_moto_counts_characters_where_aws_counts_bytes(stack):
    # GIVEN bodies of two-byte characters: 1 MiB of characters, 2 MiB of UTF-8 bytes
    bodies = ["é" * (SQS_MAX_BATCH_BYTES // 4)] * 4
    assert sum(sqs_message_size(body) for body in bodies) == 2 * SQS_MAX_BATCH_BYTES

    # WHEN sent as one batch / THEN moto accepts what AWS would refuse: the sender must not rely on moto
    accepted = stack.sqs.send_message_batch(QueueUrl=stack.migration_queue_url, Entries=_entries(bodies))
    assert len(accepted["Successful"]) == 4


def test_the_sender_splits_what_moto_and_aws_would_refuse_as_one_batch(stack):
    # GIVEN the same 2 MiB of two-byte characters, and ten 200 KB bodies
    bodies = ["é" * (SQS_MAX_BATCH_BYTES // 4)] * 4 + ["x" * 200_000] * 10

    # WHEN sent through the sender / THEN every one arrives
    assert send_bodies(stack.sqs, queue_url=stack.migration_queue_url, bodies=bodies) == 14
    assert stack.depth(stack.migration_queue_url) == 14
