"""What the migration itself cost at the local emulator: requests per service and function invocations.

The emulator counts every request; the migration's are those counted between two snapshots, minus what
this process sent in between to observe it (polls, reads for the report). Lambda invocations have no
request when a queue mapping or a state machine invokes a function, so they are counted per path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class RequestTally:
    """Counts this process's own requests (per signing name), to leave them out of the migration's."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def attach(self, client: Any) -> Any:
        service = client.meta.service_model.signing_name
        client.meta.events.register("before-send", lambda **_: self.counts.update([service]))
        return client


@dataclass(frozen=True)
class EmulatorCounts:
    """One reading of the emulator's counters."""

    requests: Mapping[str, int]
    invocations: Mapping[str, int]

    @classmethod
    def read(cls, aws: Any) -> EmulatorCounts:
        return cls(requests=aws.requests.snapshot(), invocations=aws.invocations.snapshot())


def requests_between(before: EmulatorCounts, after: EmulatorCounts, own: Mapping[str, int]) -> dict[str, int]:
    """Requests per service between two readings, without this process's own."""
    services = set(after.requests) | set(before.requests)
    return {
        service: after.requests.get(service, 0) - before.requests.get(service, 0) - own.get(service, 0)
        for service in services
    }


def invocations_between(before: EmulatorCounts, after: EmulatorCounts) -> dict[str, int]:
    """Function invocations per path between two readings (paths with none left out)."""
    return {
        path: count - before.invocations.get(path, 0)
        for path, count in after.invocations.items()
        if count - before.invocations.get(path, 0)
    }
