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


def queue_depth(aws: EmbeddedAws, queue_url: str) -> tuple[int, int]:
    """(visible, in flight) messages of a queue."""
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )
