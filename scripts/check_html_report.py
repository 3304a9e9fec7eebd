"""`make check-html`: render the picture of a real 1,000-record local run in a headless browser.

Installs Chromium from the OS packages when it is missing (Debian: `apt-get install chromium`), runs
`local run --records 1000` with three records whose write always fails and the gate answered `accept`
(so the picture has dead letters, a gate decision and a cut-over), writes the HTML, checks its structure,
and saves a screenshot to docs/report-screenshot.png. Not part of `make test`: it needs a browser and
about a minute and a half.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo_data.onboarding_records import legacy_records  # noqa: E402
from tests.fixtures.picture_parsing import by_id, parse, with_class  # noqa: E402

RECORDS = 1000
SEED = "demo"
FAILING = 3
BROWSERS = ("chromium", "chromium-browser")


def browser() -> str:
    """A Chromium on PATH, installed from the OS packages when there is none."""
    for name in BROWSERS:
        if shutil.which(name):
            return name
    print("installing chromium from the OS packages ...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True)
    found = shutil.which("chromium")
    if found is None:
        raise SystemExit("chromium could not be installed")
    return found


def failing_ids() -> list[str]:
    """The first eligible synthetic records: their writes fail every time, so they are dead-lettered."""
    eligible = [
        str(record["application_id"])
        for record in legacy_records(RECORDS, seed=SEED)
        if record.get("status") in ("APPROVED", "PENDING_REVIEW")
    ]
    return eligible[:FAILING]


def run_migration(html: Path, failing: list[str]) -> None:
    command = [
        str(ROOT / "venv" / "bin" / "onboarding-migration"),
        "local",
        "run",
        "--records",
        str(RECORDS),
        "--intake",
        "100",
        "--seed",
        SEED,
        "--fail-permanent",
        ",".join(failing),
        "--gate",
        "accept",
        "--quiet",
        "--html",
        str(html),
    ]
    completed = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
    # The exit code speaks of the migration and its invariants; the picture is checked on its own.
    if not html.exists():
        raise SystemExit(f"local run exited {completed.returncode} without writing {html}")


def check_structure(html: Path, failing: list[str]) -> None:
    elements = parse(html.read_text(encoding="utf-8"))
    nodes = {node.attributes["data-phase"]: node for node in with_class(elements, "node")}
    problems = []
    if "visited" not in nodes["Gate"].classes or "visited" not in nodes["Succeeded"].classes:
        problems.append("the path does not go through the gate to Succeeded")
    if by_id(elements, "gate-decisions").text != "accept":
        problems.append("the gate decision is not 'accept'")
    fates = {
        fate.attributes["data-label"]: int(fate.attributes["data-count"])
        for fate in with_class(elements, "fate")
    }
    if (
        fates.get("dead-lettered") != len(failing)
        or sum(fates.get(label, 0) for label in ("migrated", "ineligible", "rejected", "dead-lettered"))
        != RECORDS
    ):
        problems.append(f"the record fates do not add up: {fates}")
    listed = {row.children[1].text for row in elements if row.tag == "tr" and len(row.children) == 3}
    if not set(failing) <= listed:
        problems.append("a dead-lettered record is missing from the table")
    if problems:
        raise SystemExit("the picture is wrong: " + "; ".join(problems))


def screenshot(chromium: str, html: Path, png: Path, width: int, height: int) -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",  # root in a container: Chromium refuses to start sandboxed
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            html.resolve().as_uri(),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not png.exists() or png.stat().st_size < 10_000:
        raise SystemExit(f"no usable screenshot at {png}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / ".build" / "check-html" / "report.html")
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "report-screenshot.png")
    parser.add_argument("--window", default="1200x2100", help="WIDTHxHEIGHT of the screenshot")
    args = parser.parse_args()
    chromium = browser()
    args.html.parent.mkdir(parents=True, exist_ok=True)
    failing = failing_ids()
    run_migration(args.html, failing)
    check_structure(args.html, failing)
    width, height = (int(value) for value in args.window.split("x"))
    screenshot(chromium, args.html, args.png, width, height)
    print(f"picture {args.html} checked; screenshot {args.png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
