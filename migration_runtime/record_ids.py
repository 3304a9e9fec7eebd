"""The id of a record or of a message body: one answer for every reader, never an exception.

Functions, the report, the invariants and the `local run` file loader all ask "which record is this?" (its
mapping's ``record_id_field``: ``application_id`` for onboarding) of input that may be anything: not JSON,
JSON nested 100,000 levels deep, an id that is a number, a lone surrogate. A body is read without building
its values and without recursion (a small state machine over the JSON grammar, strings decoded by the
standard library's scanner), so no depth of nesting can raise ``RecursionError``, and a body that is
not one valid JSON object has no id, as with ``json.loads``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from json.decoder import scanstring
from typing import Any

from migration_runtime.safe_text import is_valid_unicode

_WHITESPACE = re.compile(r"[ \t\n\r]*")
# The JSON number grammar, plus the constants json.loads accepts by default.
_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null|NaN|-?Infinity")


def record_id_of(source: Any, field: str) -> str | None:
    """The top-level member ``field`` when it is a non-empty string that UTF-8 can carry, else None.

    ``source`` is a parsed record (a mapping) or a JSON body (str or UTF-8 bytes); anything else has none.
    """
    if isinstance(source, Mapping):
        value = source.get(field)
    elif isinstance(source, bytes | bytearray):
        try:
            value = _top_level_member(bytes(source).decode("utf-8"), field)
        except (UnicodeDecodeError, ValueError, IndexError):
            return None
    elif isinstance(source, str):
        try:
            value = _top_level_member(source, field)
        except (ValueError, IndexError):
            return None
    else:
        return None
    if isinstance(value, str) and value and is_valid_unicode(value):
        return value
    return None


def _skip_whitespace(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return match.end() if match else position


def _top_level_member(text: str, name: str) -> Any:
    """The value of member ``name`` of the JSON object ``text`` if it is a string (the last one, as
    json.loads keeps the last duplicate); None when absent or not a string. Raises ValueError or IndexError
    when ``text`` is not one valid JSON object."""
    position = _skip_whitespace(text, 0)
    if text[position] != "{":
        raise ValueError("not a JSON object")
    open_containers: list[str] = []
    member: str | None = None
    found: Any = None
    state = "value"
    while True:
        if state == "value":
            at_top_member = len(open_containers) == 1 and member == name
            if at_top_member:
                found = None
            char = text[position]
            if char in "{[":
                open_containers.append(char)
                position = _skip_whitespace(text, position + 1)
                closer = "}" if char == "{" else "]"
                if text[position] == closer:
                    open_containers.pop()
                    position += 1
                    state = "after"
                else:
                    state = "key" if char == "{" else "value"
                continue
            if char == '"':
                value, position = scanstring(text, position + 1, True)
                if at_top_member:
                    found = value
            else:
                match = _SCALAR.match(text, position)
                if not match:
                    raise ValueError("not a JSON value")
                position = match.end()
            state = "after"
        elif state == "key":
            if text[position] != '"':
                raise ValueError("object keys are strings")
            key, position = scanstring(text, position + 1, True)
            position = _skip_whitespace(text, position)
            if text[position] != ":":
                raise ValueError("a colon follows a key")
            position = _skip_whitespace(text, position + 1)
            if len(open_containers) == 1:
                member = key
            state = "value"
        else:  # after a value
            position = _skip_whitespace(text, position)
            if not open_containers:
                if position != len(text):
                    raise ValueError("extra data after the object")
                return found
            char = text[position]
            if char == ",":
                position = _skip_whitespace(text, position + 1)
                state = "key" if open_containers[-1] == "{" else "value"
            elif char == ("}" if open_containers[-1] == "{" else "]"):
                open_containers.pop()
                position += 1
            else:
                raise ValueError("a comma or the closing bracket follows a value")
