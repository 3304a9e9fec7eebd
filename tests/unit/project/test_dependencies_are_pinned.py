"""The project promises that every dependency is pinned and installed by its own files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REQUIREMENT_FILES = ("requirements.txt", "requirements-dev.txt")
PINNED = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)(\[[A-Za-z0-9_,\-]+\])?==(?P<version>[^\s;#]+)")


def _requirement_lines(path: Path) -> list[str]:
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-r "):
            lines.append(line)
    return lines


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _constraints() -> dict[str, str]:
    pins = {}
    for line in _requirement_lines(ROOT / "constraints.txt"):
        match = PINNED.match(line)
        assert match, f"constraints.txt line is not an exact pin: {line!r}"
        pins[_normalise(match["name"])] = match["version"]
    return pins


@pytest.mark.parametrize("file_name", REQUIREMENT_FILES)
def test_every_direct_requirement_is_pinned_exactly(file_name: str) -> None:
    # GIVEN a requirements file of the project
    lines = _requirement_lines(ROOT / file_name)

    # WHEN each line is read as a requirement
    unpinned = [line for line in lines if not PINNED.match(line)]

    # THEN every one of them names an exact version
    assert lines, f"{file_name} lists no requirement"
    assert unpinned == []


@pytest.mark.parametrize("file_name", REQUIREMENT_FILES)
def test_constraints_agree_with_direct_requirements(file_name: str) -> None:
    # GIVEN the full pin set and a requirements file
    constraints = _constraints()

    # WHEN each direct requirement is looked up in the pin set
    mismatched = []
    for line in _requirement_lines(ROOT / file_name):
        match = PINNED.match(line)
        assert match is not None
        pinned = constraints.get(_normalise(match["name"]))
        if pinned != match["version"]:
            mismatched.append((match["name"], match["version"], pinned))

    # THEN the constraints pin the very same version (pip would refuse the install otherwise)
    assert mismatched == []
