"""Stop moto from keeping every SQS message and DynamoDB item object it ever created.

``moto.core.common_models.BaseModel.__new__`` appends each instance to its class's ``instances_tracked``
list, only so that moto's dashboard can list them. SQS creates a ``Message`` per send and another per
receive (a deep copy), and DynamoDB an ``Item`` per write and read, so a long local migration would hold
on to all of them: about 2.4 MB per 1,000 messages sent and received, measured. The dashboard is not
used here, so those two classes get a list that does not keep anything.

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts.py):
the ``instances_tracked`` class
attribute and ``BaseModel.__new__`` appending to it; ``moto.sqs.models.Message``,
``moto.dynamodb.models.dynamo_type.Item``.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models.dynamo_type import Item
from moto.sqs.models import Message

from embedded_aws.moto_internals.patching import PatchSet


class UntrackedInstances(list[Any]):
    """A list that stays empty: what ``BaseModel.__new__`` appends is dropped."""

    def append(self, _instance: Any) -> None:
        return None


def install(patches: PatchSet) -> None:
    for model in (Message, Item):
        patches.replace(model, "instances_tracked", UntrackedInstances())
