"""Throughput of the embedded runtime: SQS -> Lambda -> DynamoDB, against the same work done directly.

For each N, on one emulator:
- runtime: N messages are sent to a queue mapped to a function that writes one DynamoDB item per record;
  timed from the first send until the queue is empty (every message processed and deleted);
- direct: the same N messages sent, then received, written (one PutItem each) and deleted with boto3 from
  this process, one batch of 10 at a time: the emulator's own limit for that work.

Run: ``venv/bin/python -m benchmarks.runtime_throughput [--sizes 1000 10000]``. Targets (issue 3): runtime
>= 0.5 x direct at N = 10,000, and the N = 10,000 rate >= 0.8 x the N = 1,000 rate.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from embedded_aws import EmbeddedAws

WRITER = """
import os
import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

def lambda_handler(event, context):
    for record in event["Records"]:
        table.put_item(Item={"id": record["messageId"], "body": record["body"]})
    return {"batchItemFailures": []}
"""
BODY = json.dumps({"application_id": "app-0", "payload": "x" * 200})


@dataclass(frozen=True)
class Run:
    messages: int
    seconds: float
    cpu_seconds: float
    requests: dict[str, int]

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    @property
    def cpu_ms_per_message(self) -> float:
        """CPU of this process (the emulator, and the direct client) per message: steadier than the
        rate when the machine is shared."""
        return self.cpu_seconds * 1000 / self.messages


def _cpu() -> float:
    return time.process_time()


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()


def _table(aws: EmbeddedAws) -> str:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    aws.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def _queue(aws: EmbeddedAws) -> tuple[str, str]:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=f"bench-{uuid.uuid4().hex[:8]}", Attributes={"VisibilityTimeout": "60"})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _send(sqs: Any, url: str, count: int) -> None:
    for start in range(0, count, 10):
        entries = [{"Id": str(i), "MessageBody": BODY} for i in range(min(10, count - start))]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def _depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _items(aws: EmbeddedAws, table: str) -> int:
    dynamodb = aws.client("dynamodb")
    count, kwargs = 0, {"TableName": table, "Select": "COUNT"}
    while True:
        page = dynamodb.scan(**kwargs)
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            return count
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run_through_runtime(aws: EmbeddedAws, count: int, concurrency: int, batch_size: int) -> Run:
    table = _table(aws)
    url, arn = _queue(aws)
    role = aws.client("iam").create_role(
        RoleName=f"bench-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument="{}"
    )
    function = aws.client("lambda").create_function(
        FunctionName=f"bench-{uuid.uuid4().hex[:8]}",
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="handler.lambda_handler",
        Code={"ZipFile": _zip(WRITER)},
        Timeout=30,
        Environment={"Variables": {"TABLE": table}},
    )
    # Warm workers first: the benchmark measures steady throughput, not process start-up.
    aws.prewarm(function["FunctionName"], workers=concurrency, wait_seconds=60)
    mapping = aws.client("lambda").create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=function["FunctionArn"],
        BatchSize=batch_size,
        ScalingConfig={"MaximumConcurrency": concurrency},
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    sqs = aws.client("sqs")
    aws.requests.reset()
    started, cpu = time.perf_counter(), _cpu()
    _send(sqs, url, count)
    while _depth(sqs, url) > 0:
        time.sleep(0.2)
    elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
    requests = aws.requests.snapshot()
    # Its poller would otherwise keep polling the empty queue during the next measurements.
    aws.client("lambda").delete_event_source_mapping(UUID=mapping["UUID"])
    written = _items(aws, table)
    if written != count:
        raise AssertionError(f"runtime wrote {written} items for {count} messages")
    return Run(count, elapsed, cpu, requests)


def run_directly(aws: EmbeddedAws, count: int) -> Run:
    table = _table(aws)
    url, _ = _queue(aws)
    sqs, dynamodb = aws.client("sqs"), aws.client("dynamodb")
    aws.requests.reset()
    started, cpu = time.perf_counter(), _cpu()
    _send(sqs, url, count)
    done = 0
    while done < count:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            dynamodb.put_item(
                TableName=table, Item={"id": {"S": message["MessageId"]}, "body": {"S": message["Body"]}}
            )
        if messages:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
        done += len(messages)
    elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
    return Run(count, elapsed, cpu, aws.requests.snapshot(include_internal=False))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--concurrency", type=int, default=5, help="the mapping's MaximumConcurrency")
    parser.add_argument("--batch-size", type=int, default=10)
    args = parser.parse_args(argv)

    results: dict[int, tuple[Run, Run]] = {}
    with EmbeddedAws() as aws:
        for size in args.sizes:
            direct = run_directly(aws, size)
            runtime = run_through_runtime(aws, size, args.concurrency, args.batch_size)
            results[size] = (runtime, direct)
            print(
                f"N={size:>6,}: runtime {runtime.rate:7.0f} msg/s ({runtime.seconds:6.1f} s)   "
                f"direct {direct.rate:7.0f} msg/s ({direct.seconds:6.1f} s)   "
                f"runtime/direct {runtime.rate / direct.rate:4.2f}",
                flush=True,
            )
            print(
                f"          emulator CPU/message: runtime {runtime.cpu_ms_per_message:.2f} ms, "
                f"direct {direct.cpu_ms_per_message:.2f} ms   requests: runtime {runtime.requests}, "
                f"direct {direct.requests}",
                flush=True,
            )

    sizes = sorted(results)
    print()
    print(f"{'N':>8}  {'runtime msg/s':>14}  {'direct msg/s':>13}  {'runtime/direct':>15}")
    for size in sizes:
        runtime, direct = results[size]
        print(f"{size:>8,}  {runtime.rate:>14.0f}  {direct.rate:>13.0f}  {runtime.rate / direct.rate:>15.2f}")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        scaling = results[large][0].rate / results[small][0].rate
        ratio = results[large][0].rate / results[large][1].rate
        print(f"\nruntime rate at N={large:,} / at N={small:,}: {scaling:.2f} (target >= 0.8)")
        print(f"runtime / direct at N={large:,}: {ratio:.2f} (target >= 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
