"""The README's runnable shell blocks: fenced blocks whose info string is ``sh runnable``.

GitHub renders them as ``sh`` (the first word picks the language); the second word marks them for
`test_readme_commands.py`, which runs each one, so a command the README shows cannot drift from the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"
_FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class ShellBlock:
    """One fenced shell block and where it starts in the README (1-based line)."""

    line: int
    script: str

    @property
    def label(self) -> str:
        first = next((text for text in self.script.splitlines() if text.strip()), "")
        return f"README.md:{self.line}: {first[:60]}"


def runnable_blocks(text: str) -> list[ShellBlock]:
    """Every ``sh runnable`` block of a Markdown text, in order."""
    blocks = []
    for match in _FENCE.finditer(text):
        if match.group("info").split()[:2] == ["sh", "runnable"]:
            line = text.count("\n", 0, match.start()) + 1
            blocks.append(ShellBlock(line=line, script=match.group("body")))
    return blocks
