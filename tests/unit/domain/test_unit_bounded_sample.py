"""Bounded samples: whatever the findings hold, a sample stays within its entry and byte budgets."""

from __future__ import annotations

import json

from migration_runtime.bounded_sample import (
    MAX_SAMPLE_ENTRIES,
    MAX_SAMPLE_LIST_BYTES,
    MAX_SAMPLE_TEXT_CHARS,
    bounded_sample,
    json_size,
)
from migration_runtime.safe_text import ELLIPSIS


def test_a_short_list_is_kept_whole_and_not_flagged():
    # GIVEN three findings with short texts
    findings = [
        {"application_id": f"app-{index}", "reason": "contact.email: field required"} for index in range(3)
    ]

    # WHEN sampled / THEN nothing is cut
    sample = bounded_sample(findings)
    assert sample.entries == findings
    assert sample.truncated is False


def test_long_reasons_are_cut_to_300_characters_and_flagged():
    # GIVEN one finding with a 1,000-character reason
    sample = bounded_sample([{"application_id": "app-1", "reason": "r" * 1000}])

    # THEN the reason keeps its first 299 characters and an ellipsis, and the sample says it was cut
    [entry] = sample.entries
    assert entry["reason"] == "r" * (MAX_SAMPLE_TEXT_CHARS - 1) + ELLIPSIS
    assert sample.truncated is True


def test_escaping_alone_is_not_a_cut():
    # GIVEN a reason with a control character, short even once escaped
    sample = bounded_sample([{"application_id": "app-1", "reason": "a\nb"}])

    # THEN it is escaped (one line) and not flagged as cut
    assert sample.entries == [{"application_id": "app-1", "reason": "a\\u000ab"}]
    assert sample.truncated is False


def test_a_long_list_keeps_the_first_20_and_is_flagged():
    findings = [{"application_id": f"app-{index:03d}"} for index in range(100)]
    sample = bounded_sample(findings)
    assert sample.entries == findings[:MAX_SAMPLE_ENTRIES]
    assert sample.truncated is True


def test_the_worst_text_still_fits_the_list_byte_budget():
    # GIVEN findings whose every character costs the most as JSON: 2,048-byte ids and 2,000-character
    # reasons of characters outside the BMP (12 bytes each as escaped JSON)
    findings = [{"application_id": "\U0001f600" * 512, "reason": "\U0001f600" * 2000} for _ in range(50)]

    # WHEN sampled
    sample = bounded_sample(findings)

    # THEN the list stays within its byte budget (so three lists and the counts stay under 32 KiB),
    # measured both ways JSON may be written, and says it was cut
    assert json_size(sample.entries) <= MAX_SAMPLE_LIST_BYTES
    assert len(json.dumps(sample.entries, ensure_ascii=False).encode()) <= MAX_SAMPLE_LIST_BYTES
    assert 0 < len(sample.entries) < MAX_SAMPLE_ENTRIES
    assert sample.truncated is True
