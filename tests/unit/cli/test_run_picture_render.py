"""The HTML picture, parsed back: the path, the counts and the reasons are there and correct, hostile
text stays text, and nothing is fetched or run."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from migration_cli.run_picture import RunPicture, render_html
from migration_cli.run_picture.model import (
    CountBucket,
    DepthSample,
    Ending,
    Fate,
    ListedIssue,
    PhaseSpan,
)
from migration_cli.run_picture.state_graph import phase_graph
from tests.fixtures.picture_parsing import Element, by_id, parse, with_class

ROOT = Path(__file__).resolve().parents[3]
HOSTILE_INTAKE = ROOT / "tests" / "data" / "hostile" / "intake_messages.jsonl"
HOSTILE_REASON = '</td></tr></table><script>alert("x")</script><img src=x onerror=alert(1)> & "quoted" \x07'
REDROVE_ONCE = (
    "Setup",
    "Pause",
    "Migrate",
    "Settle",
    "Validate",
    "Gate",
    "Redrive",
    "Settle",
    "Validate",
    "Gate",
    "CutOver",
    "Drain",
    "Resume",
)


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return json.loads((ROOT / "statemachines" / "migration.asl.json").read_text())


def _picture(definition: dict[str, Any], **changes: Any) -> RunPicture:
    fields: dict[str, Any] = {
        "title": "run-1",
        "graph": phase_graph(definition),
        "ending": Ending("SUCCEEDED"),
        "path": REDROVE_ONCE,
        "started_at": datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
        "duration_seconds": 60.0,
        "phase_spans": (PhaseSpan("Setup", 0, 2), PhaseSpan("Pause", 2, 5), PhaseSpan("Migrate", 5, 60)),
        "intake_paused": (2.0, 50.0),
        "gate_decisions": ("redrive", "accept"),
        "legacy_fates": (
            Fate("migrated", 900),
            Fate("ineligible", 80),
            Fate("rejected", 17),
            Fate("dead-lettered", 3),
        ),
        "intake_fates": (Fate("delivered", 95), Fate("intake rejected", 5)),
        "issues": (
            *(
                ListedIssue("rejected", f"A-{index}", "contact.email: not an e-mail address")
                for index in range(12)
            ),
            *(ListedIssue("rejected", f"B-{index}", "submitted_at: not ISO 8601") for index in range(5)),
            *(
                ListedIssue("dead-lettered", f"C-{index}", "TargetWriteFailed: injected")
                for index in range(3)
            ),
        ),
        "throughput": (CountBucket(0, 10, 0), CountBucket(10, 10, 600), CountBucket(20, 10, 300)),
        "depths": (DepthSample(0, 0, 0, 0), DepthSample(10, 700, 0, 100), DepthSample(40, 0, 3, 0)),
    }
    fields.update(changes)
    return RunPicture(**fields)


def _nodes(elements: list[Element]) -> dict[str, Element]:
    return {element.attributes["data-phase"]: element for element in with_class(elements, "node")}


def test_graph_highlights_the_path_its_repeats_and_where_it_ended(definition: dict[str, Any]) -> None:
    # GIVEN a run that redrove once, then cut over
    picture = _picture(definition)

    # WHEN it is rendered and read back
    elements = parse(render_html(picture))

    # THEN the phases it took are marked with how often, the others are not
    nodes = _nodes(elements)
    visited = {name for name, node in nodes.items() if "visited" in node.classes}
    assert visited == set(REDROVE_ONCE) | {"Succeeded"}
    assert nodes["Settle"].attributes["data-visits"] == "2"
    assert nodes["Backup"].attributes["data-visits"] == "0"
    assert "visited" not in nodes["Rolled back"].classes
    # AND every edge it took is drawn as taken, in the definition's graph
    taken = {
        (edge.attributes["data-from"], edge.attributes["data-to"])
        for edge in with_class(elements, "edge")
        if "taken" in edge.classes
    }
    assert taken == {
        *itertools.pairwise(REDROVE_ONCE),
        ("Resume", "Succeeded"),
    }
    assert with_class(elements, "unplanned") == []
    # AND the status, the gate's answers and the written path say the same
    assert by_id(elements, "status").text == "succeeded"
    assert by_id(elements, "gate-decisions").text == "redrive, accept"
    assert by_id(elements, "path").text.startswith("Setup → Pause → Migrate → Settle")


def test_an_end_the_definition_has_no_edge_for_is_drawn_unplanned_with_its_error(
    definition: dict[str, Any],
) -> None:
    # GIVEN a run stopped by an operator while it waited at the gate
    picture = _picture(
        definition,
        path=("Setup", "Pause", "Migrate", "Settle", "Validate", "Gate"),
        ending=Ending("FAILED", error="States.Aborted", cause="stopped by ops"),
        gate_decisions=(),
    )

    # WHEN it is rendered
    elements = parse(render_html(picture))

    # THEN the last edge goes from the gate to Failed, marked as outside the definition
    (unplanned,) = with_class(elements, "unplanned")
    assert (unplanned.attributes["data-from"], unplanned.attributes["data-to"]) == ("Gate", "Failed")
    assert "visited" in _nodes(elements)["Failed"].classes
    assert by_id(elements, "ending").text == "States.Aborted: stopped by ops"
    assert by_id(elements, "status").text == "failed"


def test_fates_timeline_and_series_carry_the_counts(definition: dict[str, Any]) -> None:
    # GIVEN a picture with counts, phases, a pause, throughput and depth samples
    picture = _picture(definition)

    # WHEN it is rendered
    elements = parse(render_html(picture))

    # THEN each fate is a segment with its count
    fates = {
        fate.attributes["data-label"]: int(fate.attributes["data-count"])
        for fate in with_class(elements, "fate")
    }
    assert fates == {
        "migrated": 900,
        "ineligible": 80,
        "rejected": 17,
        "dead-lettered": 3,
        "delivered": 95,
        "intake rejected": 5,
    }
    # AND every phase span and the intake pause are on the time line with their durations
    spans = [
        (span.attributes["data-phase"], span.attributes["data-seconds"])
        for span in with_class(elements, "phase-span")
    ]
    assert spans == [("Setup", "2.0"), ("Pause", "3.0"), ("Migrate", "55.0")]
    (paused,) = with_class(elements, "intake-paused")
    assert paused.attributes["data-seconds"] == "48.0"
    # AND the throughput buckets and the three depth series are drawn
    assert [int(bar.attributes["data-count"]) for bar in with_class(elements, "throughput-bucket")] == [
        0,
        600,
        300,
    ]
    assert {series.attributes["data-queue"] for series in with_class(elements, "depth-series")} == {
        "migration_queue",
        "migration_dlq",
        "intake_queue",
    }


def test_reasons_are_grouped_most_frequent_first_and_every_one_is_listed(definition: dict[str, Any]) -> None:
    # GIVEN 12 + 5 rejections and 3 dead letters
    picture = _picture(definition)

    # WHEN it is rendered
    elements = parse(render_html(picture))

    # THEN the reason chart has one bar per reason, most frequent first
    bars = [
        (bar.attributes["data-kind"], int(bar.attributes["data-count"]))
        for bar in with_class(elements, "reason-bar")
    ]
    assert bars == [("rejected", 12), ("rejected", 5), ("dead-lettered", 3)]
    # AND the table lists each of the 20 with its id and reason
    rows = [row for row in by_id(elements, "issues").children[1].children if row.tag == "tr"]
    assert len(rows) == 20
    assert [cell.text for cell in rows[0].children] == [
        "rejected",
        "A-0",
        "contact.email: not an e-mail address",
    ]


def test_hostile_reasons_and_ids_stay_text(definition: dict[str, Any]) -> None:
    # GIVEN reasons and ids from the hostile corpus and one crafted to break out of the table and the SVG
    bodies = HOSTILE_INTAKE.read_text(encoding="utf-8").splitlines()
    issues = [ListedIssue("intake rejected", body[:200], body[:500]) for body in bodies]
    issues.append(ListedIssue("rejected", HOSTILE_REASON, HOSTILE_REASON))
    picture = _picture(
        definition,
        issues=tuple(issues),
        title='<svg onload=alert(1)>"',
        ending=Ending("FAILED", error="<b>x</b>", cause=HOSTILE_REASON),
    )

    # WHEN it is rendered and parsed
    document = render_html(picture)
    elements = parse(document)

    # THEN no element came from the text: no script, no image, no handler attribute
    assert [element.tag for element in elements if element.tag in {"script", "img", "iframe", "object"}] == []
    assert [
        (element.tag, name) for element in elements for name in element.attributes if name.startswith("on")
    ] == []
    # AND the crafted reason reads back as the same text (its bell shown as U+FFFD), in the table and
    # as the cause
    expected = HOSTILE_REASON.replace("\x07", "\ufffd")
    table_reasons = [cell.text for cell in with_class(elements, "reason") if cell.tag == "td"]
    assert expected in table_reasons
    assert by_id(elements, "ending").text == f"<b>x</b>: {expected}"
    assert len(table_reasons) == len(issues)


def test_the_file_fetches_nothing_and_runs_nothing(definition: dict[str, Any]) -> None:
    # GIVEN any picture
    elements = parse(render_html(_picture(definition)))

    # THEN a policy forbids scripts and fetches, and no element points outside the file
    (policy,) = [
        element for element in elements if element.attributes.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policy.attributes["content"].startswith("default-src 'none'")
    assert [element.tag for element in elements if element.tag in {"script", "link", "img"}] == []
    references = [
        value
        for element in elements
        for name, value in element.attributes.items()
        if name in {"src", "href", "xlink:href"} and not value.startswith("#")
    ]
    assert references == []


def test_a_run_with_nothing_to_count_still_renders(definition: dict[str, Any]) -> None:
    # GIVEN a run refused at Setup: no spans known but Setup, no counts, no issues, no throughput
    picture = _picture(
        definition,
        path=("Setup",),
        ending=Ending("FAILED", error="Migration.AlreadyRunning", cause="another run holds the lock"),
        phase_spans=(PhaseSpan("Setup", 0, 1),),
        intake_paused=None,
        gate_decisions=(),
        legacy_fates=(),
        intake_fates=(),
        issues=(),
        throughput=(),
        depths=(),
    )

    # WHEN it is rendered
    elements = parse(render_html(picture))

    # THEN it says so instead of drawing empty charts
    assert by_id(elements, "no-issues").text.startswith("Every record moved")
    assert with_class(elements, "fate") == [] and with_class(elements, "throughput-bucket") == []
    assert (
        _nodes(elements)["Failed"].attributes["data-visits"],
        _nodes(elements)["Setup"].attributes["data-visits"],
    ) == ("1", "1")
