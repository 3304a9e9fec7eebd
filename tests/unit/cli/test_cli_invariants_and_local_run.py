"""The invariant checks on constructed data (each can fail), and the local run's input handling."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from migration_cli.argument_types import stack_config_pair
from migration_cli.gate_policy import gate_answer
from migration_cli.invariants import StackSnapshot, check_invariants
from migration_cli.local_data_loading import load_legacy_file
from migration_cli.local_run_options import LocalRunError, LocalRunOptions
from migration_runtime.migration_ledger import LAST_ERROR, REJECTED, LedgerEntry

ELIGIBLE = {"status": "APPROVED"}
INELIGIBLE = {"status": "DRAFT"}


def legacy(application_id: str, status: dict[str, str]) -> dict[str, Any]:
    return {"application_id": application_id, **status}


def onboarding(application_id: str, source: str = "migration") -> dict[str, Any]:
    return {
        "pk": "CUSTOMER#c",
        "sk": f"ONBOARDING#2024-01-01T00:00:00Z#{application_id}",
        "application_id": application_id,
        "source": source,
        "checksum": "x",
    }


def pointer(application_id: str, fate: str) -> dict[str, Any]:
    return {
        "pk": f"APPLICATION#{application_id}",
        "sk": "POINTER",
        "application_id": application_id,
        "fate": fate,
    }


def rejected(application_id: str) -> LedgerEntry:
    return LedgerEntry(application_id=application_id, kind=REJECTED, reason="business: field required")


def snapshot(**changes: Any) -> StackSnapshot:
    base = StackSnapshot(
        legacy_items=[
            legacy("m", ELIGIBLE),
            legacy("i", INELIGIBLE),
            legacy("r", ELIGIBLE),
            legacy("d", ELIGIBLE),
        ],
        new_items=[onboarding("m"), onboarding("in-1", source="intake")],
        ledger=[rejected("r"), LedgerEntry("d", LAST_ERROR, "last error Error on receive 3: boom")],
        migration_dlq_bodies=[json.dumps({"application_id": "d"})],
        intake_dlq=[("not json", "body: not valid JSON")],
        migration_queue_depth=0,
        legacy_mapping_state="Disabled",
        new_mapping_state="Enabled",
    )
    return replace(base, **changes)


LOADED = {"m", "i", "r", "d"}
SENT = [json.dumps({"application_id": "in-1"}), "not json"]


def results(data: StackSnapshot, status: str = "SUCCEEDED", sent: list[str] = SENT) -> dict[str, bool]:
    checked = check_invariants(
        data, loaded_ids=LOADED, sent_bodies=sent, status=status, dry_run=False, validated=True
    )
    return {result.name: result.holds for result in checked}


def test_a_consistent_run_satisfies_every_invariant() -> None:
    assert results(snapshot()) == {
        "legacy_records_accounted": True,
        "intake_messages_accounted": True,
        "legacy_table_untouched_after_pause": True,
        "one_item_per_application": True,
    }


def test_a_record_in_two_places_or_nowhere_breaks_the_first_invariant() -> None:
    twice = snapshot(new_items=[onboarding("m"), onboarding("d"), onboarding("in-1", "intake")])
    rejected_and_migrated = snapshot(ledger=[rejected("r"), rejected("m")])
    nowhere = snapshot(migration_dlq_bodies=[])
    not_rejected = snapshot(ledger=[])

    assert results(twice)["legacy_records_accounted"] is False
    assert results(rejected_and_migrated)["legacy_records_accounted"] is False
    assert results(nowhere)["legacy_records_accounted"] is False
    assert results(not_rejected)["legacy_records_accounted"] is False


def test_a_lost_intake_message_or_one_without_a_reason_breaks_the_second() -> None:
    lost = snapshot(new_items=[onboarding("m")])
    no_reason = snapshot(intake_dlq=[("not json", None)])

    assert results(lost)["intake_messages_accounted"] is False
    assert results(no_reason)["intake_messages_accounted"] is False


def test_anything_written_to_the_legacy_table_after_the_pause_breaks_the_third() -> None:
    written = snapshot(legacy_items=[*snapshot().legacy_items, legacy("in-1", ELIGIBLE)])

    assert results(written)["legacy_table_untouched_after_pause"] is False


def test_after_a_rollback_intake_belongs_to_the_legacy_backend() -> None:
    rolled_back = snapshot(
        legacy_items=[*snapshot().legacy_items, legacy("in-1", ELIGIBLE)],
        new_items=[onboarding("m")],
        legacy_mapping_state="Enabled",
        new_mapping_state="Disabled",
    )
    still_paused = replace(rolled_back, legacy_mapping_state="Disabled")

    assert results(rolled_back, status="ROLLED_BACK") == {
        "legacy_records_accounted": True,
        "intake_messages_accounted": True,
        "legacy_serving_again": True,
        "one_item_per_application": True,
    }
    assert results(still_paused, status="ROLLED_BACK")["legacy_serving_again"] is False


def test_a_dry_run_must_change_nothing() -> None:
    untouched = snapshot(
        new_items=[],
        ledger=[],
        migration_dlq_bodies=[],
        legacy_mapping_state="Enabled",
        new_mapping_state="Disabled",
    )
    touched = replace(untouched, new_items=[onboarding("m")])
    ledgered = replace(untouched, ledger=[rejected("r")])

    def dry(data: StackSnapshot) -> bool:
        (result,) = check_invariants(
            data, loaded_ids=LOADED, sent_bodies=[], status="SUCCEEDED", dry_run=True, validated=False
        )
        return result.holds

    assert dry(untouched) is True
    assert dry(touched) is False
    assert dry(ledgered) is False


def test_legacy_file_lines_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"application_id": "a"}\n\n{"application_id": "b", "x": 1.5}\n', encoding="utf-8")
    assert [record["application_id"] for record in load_legacy_file(good, "application_id")] == ["a", "b"]

    for content, message in (
        ("{nope\n", ":1: not valid JSON"),
        ('{"id": 1}\n', "application_id: field required"),
    ):
        bad = tmp_path / "bad.jsonl"
        bad.write_text(content, encoding="utf-8")
        with pytest.raises(LocalRunError, match=message):
            load_legacy_file(bad, "application_id")
    with pytest.raises(LocalRunError, match="does not exist"):
        load_legacy_file(tmp_path / "missing.jsonl", "application_id")


def test_options_and_gate_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="gate"):
        LocalRunOptions(gate="maybe")
    with pytest.raises(ValueError, match="fail_transient"):
        LocalRunOptions(fail_transient=1.5)
    assert stack_config_pair("maxReceiveCount=3") == ("onboarding-migration:maxReceiveCount", 3)
    assert stack_config_pair("aws:region=eu-west-1") == ("aws:region", "eu-west-1")

    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert gate_answer(LocalRunOptions(), redrives_done=0, err=None) == "abort"  # type: ignore[arg-type]
    assert gate_answer(LocalRunOptions(gate="redrive"), redrives_done=0, err=None) == "redrive"  # type: ignore[arg-type]
    assert gate_answer(LocalRunOptions(gate="redrive"), redrives_done=1, err=None) == "abort"  # type: ignore[arg-type]


def test_a_leftover_at_an_old_key_breaks_one_item_per_application() -> None:
    # GIVEN an application moved to a new key whose old item stayed behind
    moved = onboarding("m")
    leftover = {**onboarding("m"), "sk": "ONBOARDING#2023-01-01T00:00:00Z#m"}

    # WHEN checked
    outcomes = {
        o.name: o
        for o in check_invariants(
            snapshot(new_items=[moved, leftover]),
            loaded_ids=LOADED,
            sent_bodies=[],
            status="SUCCEEDED",
            dry_run=False,
            validated=True,
        )
    }

    # THEN it fails naming the application; with the leftover gone it holds
    assert not outcomes["one_item_per_application"].holds
    assert "m" in outcomes["one_item_per_application"].detail
    fixed = check_invariants(
        snapshot(), loaded_ids=LOADED, sent_bodies=[], status="SUCCEEDED", dry_run=False, validated=True
    )
    assert next(o for o in fixed if o.name == "one_item_per_application").holds


def test_online_the_legacy_table_may_hold_what_the_intake_wrote_before_the_cut_over() -> None:
    # GIVEN an online run where the legacy backend consumed one intake message before the pause, and an
    # item appeared in the legacy table that nobody sent
    sent = [json.dumps({"application_id": "live-1", "status": "APPROVED"})]
    data = snapshot(
        legacy_items=[*snapshot().legacy_items, legacy("live-1", ELIGIBLE)],
        new_items=[
            onboarding("m", source="intake"),
            onboarding("live-1", source="intake"),
            *(pointer(app, fate) for app, fate in (("m", "live"), ("live-1", "live"), ("r", "rejected"))),
        ],
    )
    stray = replace(data, legacy_items=[*data.legacy_items, legacy("stray", ELIGIBLE)])

    # WHEN checked online
    def outcome(snap: StackSnapshot) -> dict[str, Any]:
        results = check_invariants(
            snap,
            loaded_ids=LOADED,
            sent_bodies=sent,
            status="SUCCEEDED",
            dry_run=False,
            validated=True,
            online=True,
        )
        return {o.name: o.holds for o in results}

    # THEN the intake's record is accounted for (in the legacy table and migrated), the stray one is not
    assert outcome(data) == {
        "legacy_records_accounted": True,
        "intake_messages_accounted": True,
        "legacy_table_changed_only_by_intake": True,
        "one_item_per_application": True,
    }
    assert outcome(stray)["legacy_table_changed_only_by_intake"] is False
    assert outcome(stray)["legacy_records_accounted"] is False
