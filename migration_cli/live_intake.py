"""Live traffic for `local run --intake-rate R`: intake messages at R per second for the whole run.

The messages are the mapping's demo data's (an optional ``live_messages(existing, seed=...)`` of its
``DemoData``: new records and changes to existing ones, see ``demo_data/onboarding_live.py``); a mapping
whose demo data has none has no live intake, and `local run` refuses ``--intake-rate`` for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from demo_data.demo_set import load_demo_data
from migration_cli.local_data_loading import send_intake


class LiveMessage(Protocol):
    @property
    def body(self) -> str: ...


def has_live_intake(mapping_name: str) -> bool:
    """Whether the mapping's demo data can make live traffic (``--intake-rate``)."""
    return callable(getattr(load_demo_data(mapping_name), "live_messages", None))


def live_messages(
    mapping_name: str, existing: Sequence[dict[str, Any]], *, seed: str
) -> Iterable[LiveMessage]:
    """The mapping's live traffic over the ``existing`` legacy records, without end."""
    make = getattr(load_demo_data(mapping_name), "live_messages", None)
    if not callable(make):
        raise ValueError(f"the {mapping_name} mapping's demo data has no live intake")
    messages: Iterable[LiveMessage] = make(existing, seed=seed)
    return messages


@dataclass
class LiveIntakeSender:
    """Sends ``messages`` at ``rate`` per second on its own thread until they run out or ``stop``."""

    sqs: Any
    queue_url: str
    messages: Iterable[LiveMessage]
    rate: float
    sent: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> LiveIntakeSender:
        if self.rate <= 0:
            raise ValueError("rate must be positive")
        self._thread = threading.Thread(target=self._run, name="live-intake", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[str]:
        """Stop sending; the bodies sent so far, in order."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        return list(self.sent)

    def _run(self) -> None:
        started = time.monotonic()
        for number, message in enumerate(self.messages):
            due = started + number / self.rate
            if self._stop.wait(max(0.0, due - time.monotonic())):
                return
            send_intake(self.sqs, self.queue_url, [message.body])
            self.sent.append(message.body)
