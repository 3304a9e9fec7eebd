"""Check `local run --legacy-file` / `--intake-file` line by line, before anything is deployed.

A legacy line is refused when the legacy table could not hold it on AWS either: not UTF-8, not JSON, not
an object, NaN/Infinity, a number DynamoDB cannot store, a lone surrogate, nesting over 32 levels, an empty
attribute name, a missing, non-string, empty, blank or over-2,048-byte record id (the mapping's
``record_id_field``, the table's partition key: ``application_id`` for onboarding), or an item over
400 KB (see ``migration_runtime.dynamodb_storable`` for the rules and sources).

An intake line is refused only when it could not be sent at all: over SQS's 1 MiB message size, or holding
a character SQS does not accept in a message body (allowed: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to
#xFFFD | #x10000 to #x10FFFF; "Amazon SQS message quotas", message content). Anything else that SQS takes is
sent as is, and the functions reject it to the intake DLQ with a reason.

An empty file (no non-blank line) is refused too. Every problem reads ``FILE:LINE: what`` and never quotes
the line's content.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from migration_runtime.aws_limits import DYNAMODB_MAX_PARTITION_KEY_BYTES, SQS_MAX_MESSAGE_BYTES
from migration_runtime.dynamodb_storable import item_size_problem, storage_problem
from migration_runtime.json_values import NotAJsonObject, parse_object
from migration_runtime.record_ids import record_id_of
from migration_runtime.safe_text import utf8_size

_SQS_REFUSED = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class InputFileError(ValueError):
    """A file `local run` must not load; the message names the file, the line and the problem."""


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(number, text) of each non-blank line, without its line break; bytes decoded line by line so that
    a line that is not UTF-8 is named."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path} does not exist") from None
    except OSError as error:
        raise InputFileError(f"{path}: cannot be read ({error.strerror or type(error).__name__})") from None
    seen = False
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputFileError(f"{path}:{number}: not UTF-8 text") from None
        if line.strip():
            seen = True
            yield number, line
    if not seen:
        raise InputFileError(f"{path}: the file is empty (no line to load)")


def legacy_line_problem(line: str, id_field: str) -> tuple[dict[str, Any] | None, str | None]:
    """(record, None) when the legacy table could hold the line's record, else (None, problem)."""
    try:
        record = parse_object(line)
    except NotAJsonObject as error:
        return None, str(error).removeprefix("body: ")
    problem = storage_problem(record)
    if problem:
        return None, problem
    if id_field not in record:
        return None, f"{id_field}: field required (the legacy table's key)"
    record_id = record_id_of(record, id_field)
    if record_id is None or not record_id.strip():
        return None, f"{id_field}: must be a non-blank string (the legacy table's key)"
    if utf8_size(record_id) > DYNAMODB_MAX_PARTITION_KEY_BYTES:
        return None, (
            f"{id_field}: longer than {DYNAMODB_MAX_PARTITION_KEY_BYTES} bytes in UTF-8 "
            "(DynamoDB's partition key limit)"
        )
    problem = item_size_problem(record)
    if problem:
        return None, problem
    return record, None


def read_legacy_file(path: Path, id_field: str) -> list[dict[str, Any]]:
    """The records of a JSON Lines file, numbers as exact Decimals; InputFileError at the first bad line.
    ``id_field``: the mapping's ``record_id_field`` (the legacy table's key)."""
    records = []
    for number, line in _lines(path):
        record, problem = legacy_line_problem(line, id_field)
        if problem or record is None:
            raise InputFileError(f"{path}:{number}: {problem}")
        records.append(record)
    return records


def intake_line_problem(line: str) -> str | None:
    """Why SQS could not take this line as a message body, or None."""
    size = utf8_size(line)
    if size > SQS_MAX_MESSAGE_BYTES:
        return f"{size} bytes: over SQS's {SQS_MAX_MESSAGE_BYTES // 1024} KiB message size limit"
    refused = _SQS_REFUSED.search(line)
    if refused:
        return f"column {refused.start() + 1}: a character SQS does not accept in a message body"
    return None


def read_intake_file(path: Path) -> list[str]:
    """One raw message body per non-blank line, sent as is; InputFileError at the first line SQS refuses."""
    bodies = []
    for number, line in _lines(path):
        problem = intake_line_problem(line)
        if problem:
            raise InputFileError(f"{path}:{number}: {problem}")
        bodies.append(line)
    return bodies
