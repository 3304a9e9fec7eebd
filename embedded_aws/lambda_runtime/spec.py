"""What the runner needs to know about a function, independent of the emulator that stores it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    arn: str
    handler: str
    runtime: str
    timeout_seconds: float
    memory_mb: int
    environment: dict[str, str]
    code_sha256: str
    region: str
    version: str
    log_group_name: str
    # Read lazily: the code is only needed when a worker is started for a new code version.
    code_bytes: Callable[[], bytes] = field(compare=False, repr=False)

    @property
    def pool_key(self) -> tuple[str, ...]:
        """Workers are reused only while everything a process captures at start stays the same.

        A configuration change (environment variables for fault injection, timeout, memory, code)
        therefore gets fresh workers, as a new execution environment on AWS.
        """
        return (
            self.arn,
            self.code_sha256,
            self.handler,
            str(self.timeout_seconds),
            str(self.memory_mb),
            json.dumps(self.environment, sort_keys=True),
        )


@dataclass(frozen=True)
class InvocationResult:
    payload: str
    errored: bool
    logs: str
    request_id: str
    duration_ms: float
