"""Eligibility: decided first, by status alone."""

from __future__ import annotations

import pytest

from record_mappings.onboarding.eligibility import is_eligible
from record_mappings.onboarding.legacy_record import Status


@pytest.mark.parametrize("status", list(Status))
def test_only_approved_and_pending_review_are_eligible(make_record, status: Status):
    # GIVEN a valid record in each status
    record = make_record(seed=1, status=status.value)

    # WHEN eligibility is decided / THEN only the two migrating statuses are eligible
    assert is_eligible(record) is (status in {Status.APPROVED, Status.PENDING_REVIEW})


def test_ineligible_is_decided_before_validation(make_record):
    # GIVEN a record that is both ineligible and broken
    record = make_record(seed=2, status="DRAFT")
    del record["contact"]

    # WHEN / THEN it is simply ineligible (eligibility needs nothing but the status)
    assert is_eligible(record) is False


@pytest.mark.parametrize("status", [None, "approved", ["APPROVED"], {"value": "APPROVED"}, 1])
def test_unexpected_status_values_are_ineligible_not_errors(make_record, status):
    # GIVEN a status of the wrong case or type
    record = make_record(seed=3, status=status)

    # WHEN / THEN ineligible, without raising
    assert is_eligible(record) is False


def test_missing_status_is_ineligible(make_record):
    record = make_record(seed=4)
    del record["status"]
    assert is_eligible(record) is False
