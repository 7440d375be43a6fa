"""The import's memory (``intake.import_memory``): the same files imported again into the workbook the last
import left are not checked again — and what the tool then says is what a whole run says, on the same files
(the record is compared with a whole re-import, ``--tout-recontroler``, on corpora with rejections, warnings,
duplicates); one byte changed anywhere, and the import runs whole."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from batch.cli import main
from tests.conftest import EXAMPLES, ROOT
from xlplugin.intake import import_memory
from xlplugin.intake.pipeline import Validator

RECEIVED = ROOT / "examples" / "recus"
CORPUS = ROOT / "tests" / "acceptance" / "received"
RECALLED = "Ni les fichiers ni le classeur n'ont changé depuis le dernier import"


def run(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "suivi.xlsx"
    assert run("init", path).exit_code == 0
    return path


@pytest.fixture
def unchecked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the files checked: a recalled import checks none."""
    checked: list[int] = []
    original = Validator.validate

    def counting(self, paths, progress=None):  # type: ignore[no-untyped-def]
        paths = list(paths)
        checked.append(len(paths))
        return original(self, paths, progress)

    monkeypatch.setattr(Validator, "validate", counting)
    return checked


def records(folder: Path) -> list[Path]:
    return sorted((folder / "imports").glob("*.json"))


def lines(output: str) -> list[str]:
    """What the agent reads, the sentence that says the import was recalled aside."""
    return [line for line in output.splitlines() if RECALLED not in line]


@pytest.mark.parametrize(
    "inputs",
    [
        pytest.param([EXAMPLES, RECEIVED], id="exemples"),
        # rejections of whole files and of single dossiers, warnings, duplicates, exports
        pytest.param([CORPUS / "valid", CORPUS / "warnings", CORPUS / "invalid-dossiers"], id="corpus"),
        pytest.param([CORPUS / "invalid", EXAMPLES], id="refus"),
    ],
)
def test_what_is_recalled_is_what_a_whole_run_on_the_same_files_finds(
    workbook: Path, tmp_path: Path, inputs: list[Path], unchecked: list[int]
) -> None:
    if CORPUS / "invalid" in inputs:  # without its empty file, which no check reads (see the unreadable files')
        refused = tmp_path / "invalid"
        shutil.copytree(CORPUS / "invalid", refused)
        (refused / "empty.json").unlink()
        inputs = [refused if path == CORPUS / "invalid" else path for path in inputs]
    first = run("import", *inputs, "--workbook", workbook)
    assert first.exit_code in (0, 1), first.output
    after = digest(workbook)
    whole = run("import", *inputs, "--workbook", workbook, "--tout-recontroler")
    assert digest(workbook) == after  # a whole re-import writes nothing: what the record says
    recalled = run("import", *inputs, "--workbook", workbook)
    assert unchecked == [unchecked[0], unchecked[0]]  # the first and the whole run checked; the recall did not
    assert RECALLED in recalled.output and RECALLED not in whole.output
    assert lines(recalled.output) == lines(whole.output)
    assert recalled.exit_code == whole.exit_code
    assert "Rien à écrire" in recalled.output
    assert digest(workbook) == after


def test_in_an_office_workbook_too_the_record_is_what_a_whole_run_finds(tmp_path: Path, unchecked: list[int]) -> None:
    """A workbook another program made (XlsxWriter: the office's table, its date column), completed by the tool:
    the whole re-import writes nothing, and the recall says what it says."""
    from tests.acceptance.office.corpus import table_ending_with_a_date

    path = table_ending_with_a_date(tmp_path / "suivi du bureau.xlsx")
    assert run("init", "--into", path).exit_code == 0
    assert run("import", EXAMPLES, RECEIVED, "--workbook", path).exit_code == 0
    after = digest(path)
    whole = run("import", EXAMPLES, RECEIVED, "--workbook", path, "--tout-recontroler")
    assert "Rien à écrire" in whole.output and digest(path) == after
    recalled = run("import", EXAMPLES, RECEIVED, "--workbook", path)
    assert RECALLED in recalled.output and lines(recalled.output) == lines(whole.output)
    assert len(unchecked) == 2 and digest(path) == after


def test_a_recall_writes_nothing_and_a_copy_of_the_workbook_is_recognised(workbook: Path, tmp_path: Path) -> None:
    assert run("import", EXAMPLES, "--workbook", workbook).exit_code == 0
    files = sorted(tmp_path.iterdir())
    again = run("import", EXAMPLES, "--workbook", workbook)
    assert RECALLED in again.output and "0 ajouté(s), 0 mis à jour, 40 inchangé(s), 0 rejeté(s)" in again.output
    assert sorted(tmp_path.iterdir()) == files  # no save, no backup, no listing
    copy = tmp_path / "copie" / "suivi du bureau.xlsx"
    copy.parent.mkdir()
    shutil.copy2(workbook, copy)
    elsewhere = run("import", EXAMPLES, "--workbook", copy)
    assert RECALLED in elsewhere.output
    assert "Rien à écrire : suivi du bureau.xlsx contient déjà tout" in elsewhere.output


def test_one_byte_changed_in_a_file_and_every_file_is_checked_again(
    workbook: Path, tmp_path: Path, unchecked: list[int]
) -> None:
    received = tmp_path / "recus"
    shutil.copytree(EXAMPLES, received)
    assert run("import", received, "--workbook", workbook).exit_code == 0
    target = sorted(received.iterdir())[5]
    document = json.loads(target.read_text(encoding="utf-8"))
    document["projet"]["intitule"] += "."
    target.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    again = run("import", received, "--workbook", workbook)
    assert RECALLED not in again.output
    assert "1 mis à jour" in again.output
    assert unchecked == [40, 40]


def test_a_file_added_or_taken_away_is_no_recall(workbook: Path, tmp_path: Path, unchecked: list[int]) -> None:
    received = tmp_path / "recus"
    shutil.copytree(EXAMPLES, received)
    assert run("import", received, "--workbook", workbook).exit_code == 0
    gone = sorted(received.iterdir())[0]
    kept = gone.read_bytes()
    gone.unlink()
    assert RECALLED not in run("import", received, "--workbook", workbook).output
    gone.write_bytes(kept)
    assert RECALLED not in run("import", received, "--workbook", workbook).output  # that workbook's record: 39
    assert RECALLED in run("import", received, "--workbook", workbook).output
    assert unchecked == [40, 39, 40]


def test_a_workbook_changed_by_anyone_is_imported_whole(workbook: Path, unchecked: list[int]) -> None:
    from datetime import datetime

    from xlplugin.workbook.operations import journal_into

    assert run("import", EXAMPLES, "--workbook", workbook).exit_code == 0
    journal_into(workbook, datetime(2026, 12, 7, 10, 0), "agent", "Note", "", "vu au téléphone")
    again = run("import", EXAMPLES, "--workbook", workbook)
    assert RECALLED not in again.output and "Rien à écrire" in again.output
    assert unchecked == [40, 40]
    assert RECALLED in run("import", EXAMPLES, "--workbook", workbook).output  # the whole run was recorded


def test_another_reglement_checks_again(workbook: Path, tmp_path: Path, unchecked: list[int]) -> None:
    assert run("import", EXAMPLES, "--workbook", workbook).exit_code == 0
    document = json.loads((ROOT / "xlplugin" / "data" / "reglement-ain-2021.json").read_text(encoding="utf-8"))
    document["intitule"] += " (copie du bureau)"
    other = tmp_path / "reglement.json"
    other.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    again = run("import", EXAMPLES, "--workbook", workbook, "--reglement", other)
    assert RECALLED not in again.output
    assert unchecked == [40, 40]


def test_a_workbook_open_in_excel_is_refused_as_by_a_whole_run(workbook: Path) -> None:
    assert run("import", EXAMPLES, "--workbook", workbook).exit_code == 0
    lock = workbook.with_name(f"~${workbook.name}")
    lock.write_bytes(b"agent")
    again = run("import", EXAMPLES, "--workbook", workbook)
    assert again.exit_code != 0
    assert "est ouvert dans Excel" in again.output and RECALLED not in again.output


def test_a_damaged_or_foreign_record_is_ignored(
    workbook: Path, import_memory_folder: Path, unchecked: list[int]
) -> None:
    assert run("import", EXAMPLES, "--workbook", workbook).exit_code == 0
    (record,) = records(import_memory_folder)
    saved = json.loads(record.read_text(encoding="utf-8"))
    for damage in (
        b"{not json",
        b"[1, 2]",
        json.dumps({**saved, "summary": {**saved["summary"], "unchanged": ["40"]}}).encode(),
        json.dumps({**saved, "tool": "another version"}).encode(),
        json.dumps({**saved, "format": 0}).encode(),
        json.dumps({k: v for k, v in saved.items() if k != "summary"}).encode(),
    ):
        record.write_bytes(damage)
        again = run("import", EXAMPLES, "--workbook", workbook)
        assert again.exit_code == 0 and RECALLED not in again.output and "40 inchangé(s)" in again.output
    assert len(unchecked) == 7


def test_expense_lines_that_differ_are_named_each_time_and_never_recalled(workbook: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from xlplugin.workbook import layout as L

    assert run("import", EXAMPLES, "--workbook", workbook).exit_code == 0
    wb = load_workbook(workbook)
    ws = wb[L.DEPENSES]
    ws["D2"] = (ws["D2"].value or 0) + 1  # an agent corrects an amount
    wb.save(workbook)
    for _ in range(2):
        again = run("import", EXAMPLES, "--workbook", workbook)
        assert RECALLED not in again.output and "Dépenses reçues différentes" in again.output


def test_an_import_to_an_output_file_neither_recalls_nor_records(
    workbook: Path, tmp_path: Path, import_memory_folder: Path
) -> None:
    out = tmp_path / "copie.xlsx"
    assert run("import", EXAMPLES, "--workbook", workbook, "--output", out).exit_code == 0
    assert records(import_memory_folder) == []


def test_the_memory_keeps_its_newest_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlplugin.rules import default_reglement
    from xlplugin.workbook.import_summary import ImportSummary

    monkeypatch.setattr(import_memory, "KEEP", 3)
    memory = import_memory.ImportMemory(tmp_path / "imports")
    occasion = import_memory.Occasion.of([(tmp_path / "a.json", "0" * 64)], default_reglement(), None)
    assert occasion is not None
    for n in range(5):
        memory.remember(f"{n:064x}", occasion, ImportSummary(sheet="Dossiers", changed=False))
        os.utime(memory.folder / f"{n:064x}.json", ns=(n * 10**9, n * 10**9))
    assert [p.stem[-1] for p in sorted(memory.folder.glob("*.json"))] == ["2", "3", "4"]


@pytest.mark.parametrize("name", ["absent.json", "vide.json"])
def test_a_file_that_cannot_be_read_is_reported_each_time(
    workbook: Path, tmp_path: Path, name: str, unchecked: list[int]
) -> None:
    """Missing, empty, too big, unreadable: the reading itself is refused, and said again at each import."""
    (tmp_path / "vide.json").write_bytes(b"")
    for _ in range(2):
        again = run("import", EXAMPLES, tmp_path / name, "--workbook", workbook)
        assert again.exit_code == 1 and name in again.output and RECALLED not in again.output
    assert len(unchecked) == 2


def test_the_cache_folder_is_the_users_unless_told(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs

    monkeypatch.setenv("GUICHET_CACHE_DIR", str(tmp_path))
    assert import_memory.cache_folder() == tmp_path / "imports"
    monkeypatch.delenv("GUICHET_CACHE_DIR")
    expected = Path(platformdirs.user_cache_dir("guichet-numerique", appauthor=False)) / "imports"
    assert import_memory.cache_folder() == expected


def test_what_an_import_loads(workbook: Path, import_memory_folder: Path) -> None:
    """A whole import into a workbook that has the tool's sheets does not load openpyxl (its sheets are built
    only when missing: 6 MB of memory at the peak); a recalled one loads neither the checks nor the import's
    code (the functions' revision, for the note on a workbook's stale code, it does). Run as the agent runs it, in
    a process of its own."""
    import ast
    import subprocess
    import sys

    probe = (
        "import sys, runpy\n"
        "sys.argv = ['guichet', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('batch', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'xlplugin')))\n"
    )
    env = {**os.environ, "GUICHET_CACHE_DIR": str(import_memory_folder)}

    def loaded() -> set[str]:
        done = subprocess.run(
            [sys.executable, "-c", probe, "import", str(EXAMPLES), "--workbook", str(workbook)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        line = next(line for line in done.stdout.splitlines() if line.startswith("MODULES"))
        return set(ast.literal_eval(line.removeprefix("MODULES ")))

    whole = loaded()
    assert "xlplugin.workbook.importer" in whole and not any(m.startswith("openpyxl") for m in whole)
    recalled = loaded()
    assert not {"xlplugin.intake.pipeline", "xlplugin.intake.mapping", "xlplugin.workbook.importer"} & recalled
    assert "xlplugin.workbook.operations" not in recalled


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes: POSIX")
def test_a_file_become_a_pipe_is_neither_waited_on_nor_recalled(
    workbook: Path, tmp_path: Path, unchecked: list[int]
) -> None:
    """A recorded file replaced by a named pipe: the memory's reading neither blocks on it nor reads it without
    end; the whole import reports it, as it reports any file that is not a regular one."""
    received = tmp_path / "recus"
    shutil.copytree(EXAMPLES, received)
    assert run("import", received, "--workbook", workbook).exit_code == 0
    target = sorted(received.iterdir())[0]
    target.unlink()
    os.mkfifo(target)
    assert import_memory.file_digest(target) is None
    again = run("import", received, "--workbook", workbook)
    assert again.exit_code == 1 and RECALLED not in again.output
    assert "ce n'est pas un fichier ordinaire" in again.output
    assert unchecked == [40, 40]
