"""The benchmark's chart (``benchmarks/results/latest.svg``), drawn with matplotlib from one run's results:
records per second by N (pipeline, direct floor, peer), US$ per million records by approach, and the
peak memory of each size's process tree."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("svg")  # no display here; and the SVG backend needs no GUI toolkit

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from benchmarks.report import GIB_MIB, SizeResult, cost_per_million


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
    with_peer = [result for result in results if result.peer is not None]
    if with_peer and with_peer[-1].peer is not None:
        costs[f"peer\n(N = {with_peer[-1].data.records:,})"] = cost_per_million(with_peer[-1].peer).total
    return costs


def write_chart(results: Sequence[SizeResult], path: Path, title: str) -> Path:
    # A fixed hash salt and no date: the same results give the same file.
    with plt.rc_context({"svg.hashsalt": "onboarding-migration-bench", "font.size": 9}):
        figure, (rates, costs, memory) = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
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
        colours = [
            c if not label.startswith("peer") else "tab:green"
            for c, label in zip(colours, by_approach, strict=True)
        ]
        bars = costs.bar(list(by_approach), list(by_approach.values()), color=colours)
        costs.bar_label(bars, fmt="$%.2f")
        # Log scale: the peer costs ~20 x the pipeline; bars start at 1 cent so their heights compare.
        costs.set_yscale("log")
        costs.set_ylim(0.01, max(by_approach.values()) * 3)
        costs.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"${value:g}"))
        costs.set_ylabel("US$ per million migrated records (log scale)")
        costs.set_title(f"Cost at N = {results[-1].data.records:,}")

        sized = [result for result in results if result.memory is not None]
        labels = [f"{result.data.records:,}" for result in sized]
        peaks = [result.memory.peak_rss_mib for result in sized if result.memory is not None]
        bars = memory.bar(labels, peaks, color="tab:purple")
        memory.bar_label(bars, fmt="%.0f MiB")
        memory.set_ylim(0, max([GIB_MIB, *peaks]) * 1.12)
        memory.axhline(GIB_MIB, color="tab:red", linestyle="--", label="1 GiB")
        memory.set_xlabel("legacy records (N), each size in its own process")
        memory.set_ylabel("peak RSS of the process tree, MiB")
        memory.set_title("Peak memory")
        memory.legend(loc="upper left")

        figure.suptitle(title)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="svg", metadata={"Date": None})
        plt.close(figure)
    return path
