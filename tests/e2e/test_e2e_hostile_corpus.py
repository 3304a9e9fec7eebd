"""`local run` over the hostile corpus on the embedded runtime: every legacy record the table can hold and
every intake message, through the deployed functions and state machine; the run succeeds and the
invariants hold. (The lines the table could not hold are refused before deploying:
tests/unit/cli/test_cli_input_file_checks.py.)"""

from __future__ import annotations

import json
from pathlib import Path

from migration_cli.local_run import run_local_migration
from tests.e2e.e2e_support import assert_invariants_hold, e2e_options

CORPUS = Path(__file__).resolve().parents[1] / "data" / "hostile"


def test_local_run_over_the_hostile_corpus_succeeds_with_every_invariant() -> None:
    # GIVEN the hostile legacy records and intake messages as files
    expected: dict[str, str] = json.loads((CORPUS / "legacy_expected.json").read_text(encoding="utf-8"))
    intake_expected = json.loads((CORPUS / "intake_expected.json").read_text(encoding="utf-8"))

    # WHEN local run migrates them (abort at the gate: a clean run never reaches it)
    result = run_local_migration(
        e2e_options(
            legacy_file=CORPUS / "legacy_records.jsonl",
            intake_file=CORPUS / "intake_messages.jsonl",
            gate="abort",
        )
    )

    # THEN the migration succeeded, every invariant holds, and the counts are the corpus's
    report = result.report
    assert report["status"] == "SUCCEEDED", (report.get("error"), report.get("cause"))
    assert_invariants_hold(result)
    assert result.exit_code == 0
    outcomes = list(expected.values())
    counts = report["counts"]
    assert counts["migrated"] == outcomes.count("migrated")
    assert counts["ineligible"] == outcomes.count("ineligible")
    assert counts["rejected"] == sum(outcome.startswith("rejected:") for outcome in outcomes)
    assert counts["dead_lettered"] == 0
    assert counts["intake_rejected"] == sum(new != "stored" for _, new in intake_expected)
    # ... and every rejection is listed with a reason
    assert all(entry["reason"] for entry in report["rejected"] + report["intake_rejected"])
