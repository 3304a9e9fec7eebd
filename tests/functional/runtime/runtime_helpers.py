"""Helpers shared by the runtime tests (imported as a plain module: tests/ has no packages)."""

from __future__ import annotations

import io
import json
import textwrap
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from embedded_aws import EmbeddedAws


def handler_zip(source: str, extra_files: dict[str, str] | None = None) -> bytes:
    """A deployment package with ``handler.py`` (dedented ``source``) at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("handler.py", textwrap.dedent(source))
        for name, text in (extra_files or {}).items():
            archive.writestr(name, textwrap.dedent(text))
    return buffer.getvalue()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def streamed_table(aws: EmbeddedAws, key: str = "id", prefix: str = "legacy") -> tuple[str, str]:
    """A new on-demand table keyed by the string ``key``, with a stream of new and old images: (name,
    stream ARN)."""
    name = unique(prefix)
    description = aws.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    return name, description["LatestStreamArn"]


@dataclass(frozen=True)
class Deployed:
    name: str
    arn: str


def invoke(aws: EmbeddedAws, function_name: str, payload: Any = None) -> tuple[str | None, Any]:
    """(FunctionError or None, decoded payload) of a synchronous invoke."""
    response = aws.client("lambda").invoke(FunctionName=function_name, Payload=json.dumps(payload or {}))
    return response.get("FunctionError"), json.loads(response["Payload"].read() or b"null")


def wait_until(condition: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


class ManualClock:
    """A monotonic clock that moves only when the test moves it (for code that takes ``clock=``)."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def queue_depth(aws: EmbeddedAws, queue_url: str) -> tuple[int, int]:
    """(visible, in flight) messages of a queue."""
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def wait_until_the_pollers_saw_it_disabled(aws: EmbeddedAws, mapping_uuid: str, times: int = 2) -> None:
    """Return once the runtime has found the (disabled) mapping disabled ``times`` more times wherever a
    delivery could start: in the manager's refreshes (it starts pollers for enabled mappings only) and in
    every running poller slot (each re-reads the mapping before it receives).

    After a disable this proves no poller still acts on the enabled state; after a send it bounds "nothing
    was delivered" by the pollers' own activity instead of a sleep guessed to be long enough. ``times``
    of 2 or more ensures at least one whole re-read started after this call.
    """
    before = aws.event_source_activity(mapping_uuid)

    def seen() -> bool:
        now = aws.event_source_activity(mapping_uuid)
        checks_before = before.disabled_checks + (0,) * (
            len(now.disabled_checks) - len(before.disabled_checks)
        )
        slots_saw_it = all(
            after - earlier >= times
            for after, earlier in zip(now.disabled_checks, checks_before, strict=True)
        )
        return now.refreshes - before.refreshes >= times and slots_saw_it

    wait_until(seen)


def wait_until_batches_done(aws: EmbeddedAws, mapping_uuid: str, count: int) -> None:
    """Return once the mapping's pollers have handled ``count`` batches to the end (deletes included)."""
    wait_until(lambda: aws.event_source_activity(mapping_uuid).batches >= count)
