"""The gate asked at a terminal shows what to decide on and insists on a known answer."""

from __future__ import annotations

import io

from migration_cli.gate_prompt import GATE_PROMPT_SHOWN, ask_at_the_gate, gate_prompt
from migration_cli.report_model import ListedRecord
from migration_runtime.validation_result import ValidationCounts, ValidationResult


def test_the_prompt_shows_counts_dead_letters_with_their_errors_and_the_timeout():
    # GIVEN an unclean validation and more dead-lettered records than the prompt lists
    counts = dict.fromkeys(ValidationCounts.model_fields, 0) | {
        "eligible": 20,
        "migrated": 8,
        "missing": 12,
        "legacy": 30,
    }
    validation = ValidationResult(clean=False, counts=ValidationCounts(**counts))
    dead = [
        ListedRecord(application_id=f"app-{n:02d}", reason=f"last error Boom on receive 3: n{n}")
        for n in range(12)
    ]

    # WHEN the prompt is built
    prompt = gate_prompt(validation, dead, 3600)

    # THEN the counts, the first ids with their errors, how many more, and the time left are there
    assert "eligible 20, migrated 8, missing 12" in prompt and "legacy" not in prompt
    assert "app-00: last error Boom on receive 3: n0" in prompt
    assert f"app-{GATE_PROMPT_SHOWN - 1:02d}" in prompt and f"app-{GATE_PROMPT_SHOWN:02d}" not in prompt
    assert "... and 2 more" in prompt
    assert "waits 3600 s" in prompt


def test_an_unknown_answer_is_named_and_asked_again():
    # GIVEN someone typing a wrong word, then a right one
    answers = iter(["yes\n", "  Accept \n"])
    err = io.StringIO()

    # WHEN asked / THEN the wrong word is called unknown and the right one taken
    assert ask_at_the_gate("prompt\n", lambda: next(answers), err) == "accept"
    assert "unknown answer 'yes'" in err.getvalue()


def test_end_of_input_is_the_safe_answer():
    assert ask_at_the_gate("prompt\n", lambda: "", io.StringIO()) == "abort"
