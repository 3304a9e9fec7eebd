"""Find personal values in what the handlers printed, the way a reader would judge a leak.

A value leaks when it stands as a whole in a text the logs carry: a string (key or value) of a JSON log
line or EMF document, or a non-JSON line. "As a whole" means not glued to more letters or digits on
either side, and for a number not part of a longer decimal: the postal code 97269 inside the EMF
timestamp 1796143078762, a request id or a duration 29997269.5 is a coincidence, not a leak, while
"postal code 97269 refused" is one. JSON numbers are not searched: the records' personal values are all
text, and timestamps, durations and counts are numbers.

Substring matching over the raw output (what this replaces) found five-digit postal codes inside
timestamps about one run in six.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

# Deep enough for any log document; deeper structures are searched as their raw line.
_MAX_DEPTH = 64


def texts_of_output(output: str) -> Iterator[str]:
    """Every text a reader sees in the output: JSON strings (keys and values) and plain lines."""
    for line in output.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        try:
            document = json.loads(stripped)
        except (ValueError, RecursionError):
            yield stripped
            continue
        if isinstance(document, dict | list):
            yield from _strings(document, depth=0)
        elif isinstance(document, str):
            yield document
        # A bare JSON number or literal carries no text.


def _strings(value: Any, *, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        yield json.dumps(value)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item, depth=depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth=depth + 1)


def whole_value_pattern(value: str) -> re.Pattern[str]:
    """Matches ``value`` where it stands as a whole: no letter or digit glued on, no decimal around it."""
    return re.compile(
        r"(?<![0-9A-Za-z])(?<![0-9][.,])" + re.escape(value) + r"(?![0-9A-Za-z])(?![.,][0-9])",
        re.ASCII,
    )


def find_leaks(output: str, values: Iterable[str]) -> list[str]:
    """The values (sorted) that stand as a whole in any text of the output."""
    texts = list(texts_of_output(output))
    leaked = set()
    for value in values:
        pattern = whole_value_pattern(value)
        if any(value in text and pattern.search(text) for text in texts):
            leaked.add(value)
    return sorted(leaked)
