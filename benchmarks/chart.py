"""The benchmark's chart (``benchmarks/results/latest.svg``), drawn with matplotlib from one run's results:
records per second by N (pipeline, direct floor, peer), US$ per million records by approach, the peak
memory of each size's process tree, and the intake's pause by N in each mode under live intake."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("svg")  # no display here; and the SVG backend needs no GUI toolkit

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from benchmarks.report import (
    GIB_MIB,
    ONLINE_PAUSE_TARGET_SECONDS,
    SizeResult,
    cost_per_million,
    live_run,
)


def _rates(results: Sequence[SizeResult], approach: str) -> tuple[list[int], list[float]]:
    sizes, rates = [], []
    for result in results:
        run = {"pipeline": result.pipeline, "direct": result.direct, "peer": result.peer}[approach]
        if run is not None:
            sizes.append(result.data.records)
            rates.append(run.records_per_second)
    return sizes, rates


def _costs(results: Sequence[SizeResult]) -> dict[str, float]:
    largest = results[-1]
    costs = {"pipeline\n(local waits)": cost_per_million(largest.pipeline).total}
    repriced = largest.at_aws_defaults()
    if repriced is not None:
        costs["pipeline\n(AWS defaults)"] = repriced.cost.total
    costs["direct\nfloor"] = cost_per_million(largest.direct).total
    for mode in ("offline", "online"):
        live = live_run(largest, mode)
        if live is not None:
            costs[f"{mode}\n(live intake)"] = cost_per_million(live).total
    with_peer = [result for result in results if result.peer is not None]
    if with_peer and with_peer[-1].peer is not None:
        costs[f"peer\n(N = {with_peer[-1].data.records:,})"] = cost_per_million(with_peer[-1].peer).total
    return costs


def paused_series(results: Sequence[SizeResult], mode: str) -> tuple[list[int], list[float]]:
    """(N, intake paused seconds) of the state machine in ``mode`` under live intake, where measured."""
    sizes, seconds = [], []
    for result in results:
        run = live_run(result, mode)
        if run is not None and run.intake_paused_seconds is not None:
            sizes.append(result.data.records)
            seconds.append(run.intake_paused_seconds)
    return sizes, seconds


def _paused_panel(axes: Any, results: Sequence[SizeResult]) -> None:
    for mode, marker, colour in (("offline", "s", "tab:orange"), ("online", "o", "tab:blue")):
        sizes, seconds = paused_series(results, mode)
        if sizes:
            axes.plot(sizes, seconds, marker=marker, color=colour, label=f"{mode} mode")
            for size, value in zip(sizes, seconds, strict=True):
                # Seconds with a decimal under 10: the online pauses differ by tenths.
                label = f"{value:.1f} s" if value < 10 else f"{value:.0f} s"
                axes.annotate(label, (size, value), textcoords="offset points", xytext=(0, 6), ha="center")
    axes.axhline(ONLINE_PAUSE_TARGET_SECONDS, color="tab:red", linestyle="--", label="online target")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xticks([result.data.records for result in results])
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    axes.xaxis.set_minor_formatter(FuncFormatter(lambda value, _: ""))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.set_xlabel("legacy records (N), live intake during the run")
    axes.set_ylabel("intake paused, seconds (log scale)")
    axes.set_title("Intake paused (no consumer serving)")
    axes.legend(loc="upper left")
    axes.grid(True, alpha=0.3)


def write_chart(results: Sequence[SizeResult], path: Path, title: str) -> Path:
    # A fixed hash salt and no date: the same results give the same file.
    with plt.rc_context({"svg.hashsalt": "onboarding-migration-bench", "font.size": 9}):
        figure, (rates, costs, memory, paused) = plt.subplots(1, 4, figsize=(20, 4.6), layout="constrained")
        for approach, marker in (("pipeline", "o"), ("direct", "s"), ("peer", "^")):
            sizes, values = _rates(results, approach)
            if sizes:
                rates.plot(
                    sizes, values, marker=marker, label=approach if approach != "direct" else "direct floor"
                )
        rates.set_xscale("log")
        rates.set_xticks([result.data.records for result in results])
        rates.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        rates.xaxis.set_minor_formatter(FuncFormatter(lambda value, _: ""))
        rates.set_xlabel("legacy records (N)")
        rates.set_ylabel("records per second")
        rates.set_title("Throughput")
        rates.set_ylim(bottom=0)
        rates.legend()
        rates.grid(True, alpha=0.3)

        by_approach = _costs(results)
        colours = ["tab:blue" if label.startswith("pipeline") else "tab:orange" for label in by_approach]
        special = {"peer": "tab:green", "offline": "tab:brown", "online": "tab:cyan"}
        colours = [
            special.get(label.split("\n")[0], c) for c, label in zip(colours, by_approach, strict=True)
        ]
        bars = costs.bar(list(by_approach), list(by_approach.values()), color=colours)
        costs.bar_label(bars, fmt="$%.2f")
        # Log scale: the peer costs ~20 x the pipeline; bars start at 1 cent so their heights compare.
        costs.set_yscale("log")
        costs.set_ylim(0.01, max(by_approach.values()) * 3)
        costs.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"${value:g}"))
        costs.set_ylabel("US$ per million migrated records (log scale)")
        costs.set_title(f"Cost at N = {results[-1].data.records:,}")
        # Two-line labels of six bars side by side would overlap: slanted, anchored at their end.
        costs.tick_params(axis="x", labelrotation=25, labelsize=8)
        for tick in costs.get_xticklabels():
            tick.set_horizontalalignment("right")

        sized = [result for result in results if result.memory is not None]
        labels = [f"{result.data.records:,}" for result in sized]
        peaks = [result.memory.peak_rss_mib for result in sized if result.memory is not None]
        bars = memory.bar(labels, peaks, color="tab:purple")
        # Inside the bar: a peak just under 1 GiB would print its label on the target line.
        memory.bar_label(bars, fmt="%.0f MiB", label_type="center", color="white")
        memory.set_ylim(0, max([GIB_MIB, *peaks]) * 1.12)
        memory.axhline(GIB_MIB, color="tab:red", linestyle="--", label="1 GiB")
        memory.set_xlabel("legacy records (N), each size in its own process")
        memory.set_ylabel("peak RSS of the process tree, MiB")
        memory.set_title("Peak memory")
        memory.legend(loc="upper left")

        _paused_panel(paused, results)

        figure.suptitle(title)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="svg", metadata={"Date": None})
        plt.close(figure)
    return path
