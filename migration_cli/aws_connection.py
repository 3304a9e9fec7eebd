"""Where the command line sends its AWS requests: AWS itself, or an endpoint such as the local runtime.

On AWS the boto3 default session applies (profile, region and credentials from the environment). With an
endpoint URL, missing credentials and region are filled with dummies, since an emulator checks neither.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

LOCAL_REGION = "us-east-1"
# Standard retry mode backs off on throttling, which long watches against AWS can meet.
_CLIENT_CONFIG = Config(retries={"max_attempts": 8, "mode": "standard"})


@dataclass
class AwsConnection:
    """Creates (and caches) boto3 clients for one target."""

    endpoint_url: str | None = None
    """Send every request here (the local runtime); None means AWS."""

    region: str | None = None
    """Region override; otherwise the default session's (or us-east-1 for an endpoint)."""

    _clients: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def client(self, service: str) -> Any:
        """A client for `service` ("stepfunctions", "sqs", "dynamodb", "lambda", ...)."""
        if service not in self._clients:
            self._clients[service] = self._session().client(
                service, endpoint_url=self.endpoint_url, config=_CLIENT_CONFIG
            )
        return self._clients[service]

    def _session(self) -> boto3.session.Session:
        if self.endpoint_url is None:
            return boto3.session.Session(region_name=self.region)
        has_credentials = boto3.session.Session().get_credentials() is not None
        return boto3.session.Session(
            region_name=self.region or os.environ.get("AWS_DEFAULT_REGION") or LOCAL_REGION,
            aws_access_key_id=None if has_credentials else "local",
            aws_secret_access_key=None if has_credentials else "local",
        )

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """--endpoint-url, --region, --outputs and --stack, shared by the operator commands."""
    target = parser.add_argument_group("target")
    target.add_argument(
        "--endpoint-url",
        help="send requests to this endpoint (e.g. the URL `onboarding-migration local up` prints) "
        "instead of AWS",
    )
    target.add_argument("--region", help="AWS region (default: the boto3 default session's)")
    target.add_argument(
        "--outputs",
        metavar="FILE",
        help="stack outputs as a JSON object (e.g. `pulumi stack output --json > outputs.json`); "
        "default: run `pulumi stack output --json`",
    )
    target.add_argument("--stack", help="Pulumi stack to read outputs from (default: the selected one)")


def connection_from_args(args: argparse.Namespace) -> AwsConnection:
    return AwsConnection(endpoint_url=args.endpoint_url, region=args.region)
