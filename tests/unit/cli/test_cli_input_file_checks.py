"""`local run --legacy-file / --intake-file`: a bad line is refused before anything is deployed, with one
line on stderr naming the file, the line and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migration_cli import local_run
from migration_cli.input_file_checks import InputFileError, read_intake_file, read_legacy_file
from migration_cli.main import main

CORPUS = Path(__file__).resolve().parents[2] / "data" / "hostile"


def test_every_refused_corpus_line_is_refused_naming_its_line(tmp_path: Path) -> None:
    # GIVEN each line the legacy table could not hold, after a good line
    good = (CORPUS / "legacy_records.jsonl").read_text(encoding="utf-8").splitlines()[0]
    lines = (CORPUS / "legacy_refused.jsonl").read_text(encoding="utf-8").splitlines()
    phrases = json.loads((CORPUS / "legacy_refused_expected.json").read_text(encoding="utf-8"))
    assert len(lines) == len(phrases) >= 20
    for index, (line, phrase) in enumerate(zip(lines, phrases, strict=True)):
        path = tmp_path / f"refused-{index}.jsonl"
        path.write_text(f"{good}\n{line}\n", encoding="utf-8")

        # WHEN the file is read / THEN line 2 is refused with the expected problem, quoting nothing
        with pytest.raises(InputFileError) as refused:
            read_legacy_file(path, "application_id")
        message = str(refused.value)
        assert message.startswith(f"{path}:2: "), message[:200]
        assert phrase in message, (index, message[:200])
        assert len(message) < 400


def test_the_corpus_files_themselves_are_accepted() -> None:
    assert len(read_legacy_file(CORPUS / "legacy_records.jsonl", "application_id")) >= 60
    assert len(read_intake_file(CORPUS / "intake_messages.jsonl")) >= 40


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"", "empty"),
        (b"\n  \n", "empty"),
        (b'{"a": "\xed\xa0\x80"}\n', ":1: not UTF-8"),
        (b'{"a": "bell \x07"}\n', ":1: column 13: a character SQS does not accept"),
        (b"x" * (1024 * 1024 + 1) + b"\n", ":1: 1048577 bytes: over SQS's 1024 KiB"),
    ],
)
def test_intake_lines_are_refused_only_when_sqs_could_not_take_them(
    tmp_path: Path, content: bytes, phrase: str
) -> None:
    path = tmp_path / "intake.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=phrase):
        read_intake_file(path)


def test_an_intake_line_sqs_takes_is_sent_as_is_even_when_it_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "intake.jsonl"
    path.write_text('not json\n\n{"a": "\\ud800"}\n[1]\n', encoding="utf-8")
    assert read_intake_file(path) == ["not json", '{"a": "\\ud800"}', "[1]"]


@pytest.mark.parametrize("option", ["--legacy-file", "--intake-file"])
def test_local_run_refuses_a_bad_file_before_deploying_with_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    # GIVEN a file with a bad second line, and a deploy that would record being called
    path = tmp_path / "input.jsonl"
    bad = '{"application_id": NaN}' if option == "--legacy-file" else "x" * (1024 * 1024 + 1)
    path.write_text('{"application_id": "ok"}\n' + bad + "\n", encoding="utf-8")
    deployed: list[bool] = []

    def no_deploy(**_: object) -> object:
        deployed.append(True)
        raise AssertionError("deployed despite a bad input file")

    monkeypatch.setattr(local_run, "local_stack", no_deploy)

    # WHEN local run is given the file
    code = main(["local", "run", option, str(path), "--quiet"])

    # THEN it exits 2 with one line naming the file and the line, and deployed nothing
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [err[0]] and err[0].startswith(f"error: {path}:2: "), err
    assert "Traceback" not in err[0]
    assert deployed == []
