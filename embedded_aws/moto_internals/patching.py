"""Reversible attribute replacement, so the emulator leaves moto as it found it when it stops.

Other code in the same process (for example tests that use ``moto.mock_aws``) must not inherit the
runtime's behaviour after the emulator is gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_MISSING = object()


@dataclass
class PatchSet:
    """Replaces attributes on classes or modules and restores the originals in reverse order."""

    _applied: list[tuple[Any, str, Any]] = field(default_factory=list)

    def replace(self, owner: Any, name: str, value: Any) -> Any:
        """Set ``owner.name = value`` and return what was there (looked up without inheritance)."""
        original = vars(owner).get(name, _MISSING)
        setattr(owner, name, value)
        self._applied.append((owner, name, original))
        return original

    def restore(self) -> None:
        while self._applied:
            owner, name, original = self._applied.pop()
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)

    @property
    def active(self) -> bool:
        return bool(self._applied)
