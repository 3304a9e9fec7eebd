"""The live progress line: records per second, the time left, and a terminal's width respected."""

from __future__ import annotations

import dataclasses
import io

import pytest

from migration_cli.progress import ProgressPrinter, fit_to_width, render_parts
from migration_cli.throughput_meter import ThroughputMeter, format_duration
from tests.unit.cli.test_cli_operator_pieces import snapshot


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rate_comes_from_the_records_done_over_time_and_eta_from_what_is_left():
    # GIVEN a meter fed 100 records done per 10 s of a 1,000-record total
    meter = ThroughputMeter(window_seconds=30)
    meter.observe(0.0, 0, total=1000)
    meter.observe(10.0, 100, total=1000)

    # WHEN 100 more are done in the next 10 s
    throughput = meter.observe(20.0, 200, total=1000)

    # THEN 10 records per second, and 800 left take 80 s
    assert throughput.records_per_second == pytest.approx(10.0)
    assert throughput.eta_seconds == pytest.approx(80.0)
    assert throughput.text() == "10 rec/s · ETA 1m20s"


def test_rate_follows_the_recent_window_not_the_whole_run():
    # GIVEN a slow start (10 records in 60 s) then 50 records per second
    meter = ThroughputMeter(window_seconds=10)
    meter.observe(0.0, 0)
    meter.observe(60.0, 10)
    for second in range(61, 81):
        throughput = meter.observe(float(second), 10 + 50 * (second - 60))

    # THEN the rate is the recent one, and without a total there is no ETA
    assert throughput.records_per_second == pytest.approx(50.0)
    assert throughput.eta_seconds is None


def test_no_rate_from_one_observation_and_a_count_going_back_starts_over():
    meter = ThroughputMeter()
    assert meter.observe(5.0, 40).records_per_second is None
    assert meter.observe(10.0, 90).records_per_second == pytest.approx(10.0)
    # WHEN the count drops (a new count began) THEN the old samples say nothing about it
    assert meter.observe(11.0, 3).records_per_second is None


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (59.4, "59s"), (185, "3m05s"), (7620, "2h07m")])
def test_durations_read_as_a_person_would_write_them(seconds, text):
    assert format_duration(seconds) == text


def test_a_line_keeps_the_parts_that_fit_and_cuts_only_the_first():
    parts = ["   12s", "migrating", "[####----]  50%", "enqueued 10 · processed 5"]
    assert fit_to_width(parts, 30) == "   12s | migrating"
    assert fit_to_width(parts, 200) == " | ".join(parts)
    assert fit_to_width(["a very long phase description"], 10) == "a very lo…"


@pytest.mark.parametrize("columns", [40, 80, 100])
def test_on_a_terminal_no_written_line_is_wider_than_it(columns):
    # GIVEN a terminal `columns` wide and a run whose full line is wider than 80 columns
    terminal = _Terminal()
    printer = ProgressPrinter(terminal, columns=lambda: columns)
    full = " | ".join(render_parts(snapshot(enqueued=123456, queued=4567, dead=89)))
    assert len(full) > 80

    # WHEN it shows several polls
    for queued in (4567, 3000, 10):
        printer.show(snapshot(enqueued=123456, queued=queued, dead=89))

    # THEN every line rewritten in place stays within the width (minus the last column)
    for line in terminal.getvalue().replace("\n", "\r").split("\r"):
        assert len(line) <= columns - 1, line


def test_the_rate_and_eta_show_once_records_move():
    # GIVEN two polls 3 s apart with 300 more records processed
    terminal = _Terminal()
    printer = ProgressPrinter(terminal, columns=lambda: 300)
    first = snapshot(enqueued=1000, queued=900)
    later = dataclasses.replace(
        snapshot(enqueued=1000, queued=600), elapsed_seconds=first.elapsed_seconds + 3.0
    )

    # WHEN both are shown
    printer.show(first)
    printer.show(later)

    # THEN the line says 100 records per second and 6 s left for the 600 still queued
    assert "100 rec/s · ETA 6s" in terminal.getvalue()
