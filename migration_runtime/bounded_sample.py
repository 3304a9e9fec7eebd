"""A bounded sample of a list of findings (``application_id`` + optional ``reason``), for results that
travel through Step Functions state.

Step Functions refuses a state input or output over 256 KiB ("Step Functions service quotas",
https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), and a task result over it fails
the task with ``States.DataLimitExceeded``, which ``States.ALL`` does not catch. Findings can be counted in
the thousands and each text can be long (an application id up to 2,048 bytes, a reason up to 2,000
characters), so a result never carries whole lists: counts, plus at most ``MAX_SAMPLE_ENTRIES`` entries
per list, each text cut to ``MAX_SAMPLE_TEXT_CHARS`` characters, and each list stopped before its JSON
passes ``MAX_SAMPLE_LIST_BYTES``. The full lists stay in the durable state (the ledger in the control
table), where ``report`` reads them.

Sizes are measured as ``json.dumps`` writes them by default (``ensure_ascii``: a character outside ASCII
becomes ``\\uXXXX``, one outside the BMP two of them): never fewer bytes than the UTF-8 JSON the Lambda
runtime or Step Functions may write, so the bound holds whichever encoding carries the result.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from migration_runtime.safe_text import safe_text

MAX_SAMPLE_ENTRIES = 20
MAX_SAMPLE_TEXT_CHARS = 300
# Three lists of 8 KiB and the counts keep a whole validation result under 32 KiB, an eighth of the quota.
MAX_SAMPLE_LIST_BYTES = 8 * 1024


@dataclass(frozen=True)
class Sample:
    entries: list[dict[str, str]]
    truncated: bool  # an entry was left out or a text was cut


def json_size(value: Any) -> int:
    """Bytes of ``value`` as JSON with non-ASCII escaped (the largest of the usual encodings)."""
    return len(json.dumps(value, separators=(",", ":")))


def _bounded(text: str) -> tuple[str, bool]:
    """The text made safe and cut to the budget, and whether it was cut (escaping alone is no cut)."""
    escaped = safe_text(text, 7 * len(text))
    if len(escaped) <= MAX_SAMPLE_TEXT_CHARS:
        return escaped, False
    return safe_text(text, MAX_SAMPLE_TEXT_CHARS), True


def bounded_sample(findings: Sequence[dict[str, str]]) -> Sample:
    """The first findings, each text bounded, within the entry and byte budgets (see the module)."""
    entries: list[dict[str, str]] = []
    truncated = len(findings) > MAX_SAMPLE_ENTRIES
    used = 2  # the list's brackets
    for finding in findings[:MAX_SAMPLE_ENTRIES]:
        entry: dict[str, str] = {}
        for name, text in finding.items():
            entry[name], cut = _bounded(text)
            truncated = truncated or cut
        size = json_size(entry) + 1  # and its comma
        if used + size > MAX_SAMPLE_LIST_BYTES:
            return Sample(entries, True)
        entries.append(entry)
        used += size
    return Sample(entries, truncated)
