"""Text that comes from records, errors or the definition, made safe to show in SVG and HTML.

drawsvg escapes element text (`<`, `&`, `>`) but writes attribute values as given, so text from outside
never goes into an attribute unescaped: `attribute_value` escapes it. Control characters (other than tab
and newline) and lone surrogates cannot be written as XML or UTF-8: they are shown as U+FFFD.
"""

from __future__ import annotations

import html
import re

_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def writable(text: str) -> str:
    """The text with every character XML 1.0 and UTF-8 cannot carry replaced by U+FFFD."""
    return _UNWRITABLE.sub(REPLACEMENT, text)


def shortened(text: str, limit: int) -> str:
    """One line of at most `limit` characters (an ellipsis marks a cut)."""
    line = " ".join(writable(text).split())
    return line if len(line) <= limit else line[: max(1, limit - 1)] + "…"


def attribute_value(text: str) -> str:
    """Text fit for an attribute drawsvg writes as is (quotes and markup escaped)."""
    return html.escape(writable(text), quote=True)
