"""The personal-data check used by the log tests: it catches every planted leak and no coincidence."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from demo_data.onboarding_records import valid_record
from functions.migrate_record import handler as migrate
from tests.fixtures.log_leak_check import find_leaks


def _full_record() -> dict[str, Any]:
    """A US and a CA record with every optional personal field, so every value kind is present."""
    for seed in range(1000):
        rng = random.Random(seed)
        record = valid_record(rng, application_id="app-1", customer_id="cus-1", status="APPROVED")
        if "incorporated_on" in record["business"] and "line2" in record["address"]:
            return record
    raise AssertionError("no synthetic record with every optional field in 1,000 seeds")


def _value_kinds() -> list[tuple[str, str]]:
    record = _full_record()
    tax_digits = record["business"]["tax_id"].replace("-", "")
    return [
        ("legal name", record["business"]["legal_name"]),
        ("first name", record["contact"]["first_name"]),
        ("last name", record["contact"]["last_name"]),
        ("email", record["contact"]["email"]),
        ("phone", record["contact"]["phone"]),
        ("phone without +", record["contact"]["phone"].lstrip("+")),
        ("tax id with dash", f"{tax_digits[:2]}-{tax_digits[2:]}"),
        ("tax id without dash", tax_digits),
        ("address line 1", record["address"]["line1"]),
        ("address line 2", record["address"]["line2"]),
        ("city", record["address"]["city"]),
        ("US postal code", "97269"),
        ("CA postal code", "M5V 2T6"),
        ("date of incorporation", record["business"]["incorporated_on"]),
    ]


VALUE_KINDS = _value_kinds()


@pytest.mark.parametrize(("kind", "value"), VALUE_KINDS, ids=[kind for kind, _ in VALUE_KINDS])
@pytest.mark.parametrize("where", ["log message", "log field", "plain line", "nested key"])
def test_a_planted_leak_of_every_kind_is_caught(handler_output, kind: str, value: str, where: str) -> None:
    # GIVEN a handler's own logger (Powertools JSON to stdout), or a plain print, carrying the value
    if where == "log message":
        migrate.logger.info(f"record refused for {value} today")
    elif where == "log field":
        migrate.logger.info("record refused", extra={"detail": value})
    elif where == "plain line":
        print(f"START RequestId: 1 value={value}, end")
    else:
        print(json.dumps({"_aws": {"Timestamp": 1}, "dimensions": {value: "x"}}))

    # WHEN the output is checked
    leaked = find_leaks(handler_output(), [value])

    # THEN the planted value is found
    assert leaked == [value], f"{kind} planted as {where} was not caught"


@pytest.mark.parametrize(
    "line",
    [
        # The flake this check replaces: digits of a postal code inside an EMF timestamp ...
        json.dumps({"_aws": {"Timestamp": 1796143097269, "CloudWatchMetrics": []}, "Migrated": 1}),
        # ... inside a request id, a longer number, a decimal, a date-time
        json.dumps({"level": "INFO", "function_request_id": "c0ffee97269abc", "message": "ok"}),
        json.dumps({"level": "INFO", "message": "took 1297269 us"}),
        json.dumps({"level": "INFO", "message": "remaining 29997269.5 ms"}),
        json.dumps({"level": "INFO", "message": "remaining 1.97269 s"}),
        "REPORT RequestId: 8f3e97269a Duration: 397269.12 ms",
    ],
)
def test_a_value_glued_into_a_longer_token_is_not_a_leak(line: str) -> None:
    # GIVEN output where the value's characters occur only inside longer tokens or numbers
    # WHEN / THEN nothing is reported
    assert find_leaks(line + "\n", ["97269"]) == []


def test_json_numbers_are_not_searched_but_the_same_digits_as_text_are() -> None:
    # GIVEN the same digits once as a JSON number and once as a JSON string
    as_number = json.dumps({"postal": 97269})
    as_text = json.dumps({"postal": "97269"})

    # WHEN / THEN only the text is a leak
    assert find_leaks(as_number, ["97269"]) == []
    assert find_leaks(as_text, ["97269"]) == ["97269"]


def test_a_line_too_deep_to_parse_is_searched_as_text() -> None:
    # GIVEN a line nested deeper than the JSON parser takes, with a value inside
    line = "[" * 100_000 + '"Jane Doe"' + "]" * 100_000

    # WHEN / THEN the value is still found
    assert find_leaks(line, ["Jane Doe"]) == ["Jane Doe"]
