"""Fixtures for the embedded runtime tests: one emulator per test module, small test functions.

No __init__.py here on purpose (see tests/functional/functions/conftest.py): test modules are named
test_runtime_*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from runtime_helpers import Deployed, handler_zip, unique

from embedded_aws import EmbeddedAws


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials for moto in this process (``mock_aws``), and no endpoint from the environment."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def role_arn(aws: EmbeddedAws) -> str:
    return aws.client("iam").create_role(RoleName=unique("runtime-test"), AssumeRolePolicyDocument="{}")[
        "Role"
    ]["Arn"]


@pytest.fixture(scope="module")
def make_function(aws: EmbeddedAws, role_arn: str) -> Callable[..., Deployed]:
    def make(source: str, timeout: int = 10, environment: dict[str, str] | None = None) -> Deployed:
        name = unique("fn")
        created = aws.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role_arn,
            Handler="handler.lambda_handler",
            Code={"ZipFile": handler_zip(source)},
            Timeout=timeout,
            Environment={"Variables": environment or {}},
        )
        return Deployed(name=name, arn=created["FunctionArn"])

    return make
