"""Lazily created, process-wide boto3 clients.

Created on first use, not at import: tests (and the local runtime) set AWS_ENDPOINT_URL, region and
credentials before the first call; botocore honours AWS_ENDPOINT_URL natively. Clients are thread-safe,
so the verifier's parallel scans share them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Standard retry mode retries throttling and 5xx with backoff. The pool covers the verifier's parallel
# scans (2 threads per segment share one client; the default pool of 10 would churn connections).
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=64)


@cache
def dynamodb() -> Any:
    return boto3.client("dynamodb", config=_CONFIG)


@cache
def dynamodb_streams() -> Any:
    return boto3.client("dynamodbstreams", config=_CONFIG)


@cache
def sqs() -> Any:
    return boto3.client("sqs", config=_CONFIG)


@cache
def lambda_() -> Any:
    return boto3.client("lambda", config=_CONFIG)


@cache
def sns() -> Any:
    return boto3.client("sns", config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests switch endpoints and regions between cases)."""
    for client in (dynamodb, dynamodb_streams, sqs, lambda_, sns):
        client.cache_clear()
