"""What every resource adapter gets and returns.

An adapter creates one Pulumi resource in the emulator through boto3 and returns ``(id, outputs)``
the way the AWS provider would: the outputs are the inputs plus what AWS computes (ARN, URL, UUID,
name), with Pulumi's camelCase property names, so dependents receive the emulator's real values.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

CreateResult = tuple[str, dict[str, Any]]


class DeployTarget(Protocol):
    """The part of ``EmbeddedAws`` the adapters use."""

    region: str
    account_id: str

    def client(self, service: str, internal: bool = False, **config: Any) -> Any: ...

    def set_function_log_group(self, function_name: str, log_group_name: str) -> None: ...

    def prewarm(self, function_name: str, workers: int = 1) -> int: ...


@dataclass
class DeployContext:
    target: DeployTarget
    prewarm_functions: bool = True
    _clients: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def region(self) -> str:
        return self.target.region

    @property
    def account_id(self) -> str:
        return self.target.account_id

    def client(self, service: str) -> Any:
        """One client per service, shared by the mock engine's registration threads (thread safe)."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self.target.client(service)
            return self._clients[service]

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account_id}:{resource}"


class Adapter(Protocol):
    def __call__(self, ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult: ...


def physical_name(inputs: dict[str, Any], logical_name: str, key: str = "name", max_length: int = 64) -> str:
    """The explicit name, or one made like Pulumi's auto-naming: ``<logical>-<7 random chars>``."""
    explicit = inputs.get(key)
    if explicit:
        return str(explicit)
    prefix = inputs.get("namePrefix")
    if prefix:
        return f"{prefix}{secrets.token_hex(13)}"[:max_length]
    suffix = secrets.token_hex(4)[:7]
    return f"{logical_name[: max_length - len(suffix) - 1]}-{suffix}"


def as_int(value: Any) -> int | None:
    """Pulumi's mock engine hands numbers over as floats."""
    return None if value is None else int(value)


def tag_list(tags: dict[str, str] | None, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in (tags or {}).items()]


def without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


Registry = dict[str, Callable[[DeployContext, str, dict[str, Any]], CreateResult]]
