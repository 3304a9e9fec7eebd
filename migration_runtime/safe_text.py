"""Text that can go anywhere: a log line, an SQS message attribute, a DynamoDB string, a terminal.

Reasons and field names come from hostile input (an attribute may be named with a lone surrogate, a
control character or 100 KB of text). SQS accepts only #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
#x10000-#x10FFFF in message bodies and attributes ("Amazon SQS message quotas", allowed characters);
DynamoDB and UTF-8 terminals refuse lone surrogates. Everything else is escaped as ``\\uXXXX`` and the
result is bounded in length.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
# Control characters (tabs and newlines too: a reason is one line), surrogates, non-characters.
_UNSAFE = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe_text(text: str, max_length: int) -> str:
    """``text`` with unsafe characters escaped, cut to at most ``max_length`` characters."""
    if len(text) > max_length * 7:
        # Escaping grows text at most 6-fold: no need to scan a huge tail that is cut anyway.
        text = text[: max_length * 7]
    escaped = _UNSAFE.sub(_escape, text)
    if len(escaped) <= max_length:
        return escaped
    return escaped[: max(max_length - 1, 0)] + ELLIPSIS


def utf8_size(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (a lone surrogate counts as the 3 bytes it would take)."""
    return len(text.encode("utf-8", "surrogatepass"))


def is_valid_unicode(text: str) -> bool:
    """False when ``text`` holds a lone surrogate, which UTF-8 (and so DynamoDB and SQS) cannot carry."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
