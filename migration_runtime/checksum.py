"""sha256 of the canonical JSON of a document.

Canonical: keys sorted, no whitespace, integral numbers as integers, UTF-8. The same content gives the
same checksum whether it was read from a message body or from DynamoDB (see ``json_values.plain``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from migration_runtime.json_values import plain


def canonical_json(document: Mapping[str, Any]) -> str:
    return json.dumps(
        plain(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def checksum(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
