"""Reversible attribute replacement, so the emulator leaves moto as it found it when it stops.

Other code in the same process (for example tests that use ``moto.mock_aws``) must not inherit the
runtime's behaviour after the emulator is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_MISSING = object()


@dataclass
class PatchSet:
    """Replaces attributes on classes or modules and restores the originals in reverse order."""

    _undo: list[Callable[[], None]] = field(default_factory=list)

    def replace(self, owner: Any, name: str, value: Any) -> Any:
        """Set ``owner.name = value`` and return what was there (looked up without inheritance)."""
        original = vars(owner).get(name, _MISSING)
        setattr(owner, name, value)

        def undo() -> None:
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)

        self._undo.append(undo)
        return original

    def on_restore(self, undo: Callable[[], None]) -> None:
        """Run ``undo`` on restore, in reverse order with the replacements (for changes made by calls)."""
        self._undo.append(undo)

    def restore(self) -> None:
        while self._undo:
            self._undo.pop()()

    @property
    def active(self) -> bool:
        return bool(self._undo)
