"""Issue 22, the office's workbook: bounded, sealed, never silent.

Each case was found by a hostile round on an office workbook made by another writer (XlsxWriter, openpyxl),
run through the commands as an agent runs them: the sheet of the dossiers is never guessed; a dossier on two
rows never makes the workbook's total exceed the envelope; a refused import leaves the workbook as it was,
without a backup; a protected sheet is refused, not written; a backup is as private as its workbook; a zip
bomb, a value in the last row of a sheet and ``--output /dev/zero`` are refused with a French message before
they are read; a totals row written with a literal range says what its value says.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner, Result

from batch.cli import main
from tests.conftest import EXAMPLES, ROOT

ENVELOPE = 297_000


def run(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def values(path: Path, sheet: str, *, cached: bool = False) -> list[tuple[Any, ...]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, data_only=cached)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.stem}.sauvegarde-*"))


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, whatever the test runner's: a new file is readable by everyone unless told otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


# -- 7. a backup is as private as its workbook


def test_a_backup_keeps_the_mode_of_a_private_workbook(tmp_path: Path, umask_022: None) -> None:
    workbook = tmp_path / "suivi.xlsx"
    assert run("init", workbook).exit_code == 0
    workbook.chmod(0o600)
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", workbook)
    assert result.exit_code == 0, result.output
    (backup,) = backups(workbook)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(workbook.stat().st_mode) == 0o600


# -- 1. the sheet of the dossiers is never guessed


def office_sheets(path: Path, sheets: dict[str, list[list[Any]]], *, protect: str | None = None) -> Path:
    """An office workbook made with XlsxWriter: one sheet per entry (its rows, the first one its header)."""
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for i, row in enumerate(rows):
            sheet.write_row(i, 0, row)
        if protect == name:
            sheet.protect("mot de passe du bureau")
    book.close()
    return path


HEADER = ["N° dossier", "Porteur"]
ARCHIVES = [HEADER, [21000101, "Commune archivée en 2020"], [20000002, "Commune B"]]


def three_sheets(tmp_path: Path) -> Path:
    """The office keeps its archives, its current sheet and next year's: three sheets with a number header."""
    return office_sheets(
        tmp_path / "bureau.xlsx",
        {"Archives 2020": ARCHIVES, "Suivi": [HEADER, [21000102, "Commune C"]], "Dossiers 2022": [HEADER]},
    )


def test_several_sheets_with_a_number_header_are_a_question_not_a_guess(tmp_path: Path) -> None:
    path = three_sheets(tmp_path)
    before = path.read_bytes()
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", path)
    assert result.exit_code == 1, result.output
    for name in ("« Archives 2020 »", "« Suivi »", "« Dossiers 2022 »", "--sheet"):
        assert name in result.output
    assert "Traceback" not in result.output
    assert path.read_bytes() == before and not backups(path)  # nothing written, the archive least of all


def test_the_sheet_given_once_is_followed_afterwards(tmp_path: Path) -> None:
    path = three_sheets(tmp_path)
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", path, "--sheet", "Suivi")
    assert result.exit_code == 0, result.output
    assert "Feuille des dossiers : « Suivi »" in result.output
    result = run("import", EXAMPLES / "dossier-21000103.json", "--workbook", path)  # no --sheet: the one given before
    assert result.exit_code == 0, result.output
    assert "Feuille des dossiers : « Suivi »" in result.output
    assert run("allocate", "--workbook", path).exit_code == 0
    assert values(path, "Archives 2020") == [tuple(row) for row in ARCHIVES]
    assert values(path, "Dossiers 2022") == [tuple(HEADER)]
    assert {row[0] for row in values(path, "Suivi")[1:]} == {21000101, 21000102, 21000103}


def test_the_only_sheet_with_a_number_header_is_named_in_the_summary(tmp_path: Path) -> None:
    path = office_sheets(tmp_path / "bureau.xlsx", {"Notes": [["Réunion du 3 mars"]], "Suivi": [HEADER]})
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", path)
    assert result.exit_code == 0, result.output
    assert "Feuille des dossiers : « Suivi »" in result.output


# -- 4. a refused command changes nothing


def test_a_refused_import_adds_no_sheet_and_no_backup(tmp_path: Path) -> None:
    """The office's table has a note right under it, where the new rows must go: the import is refused — and the
    tool's sheets, which it needs first, are not left behind in the workbook, nor is a backup."""
    path = tmp_path / "bureau.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    sheet.add_table(0, 0, 1, 1, {"name": "Suivi_Dossiers", "columns": [{"header": h} for h in HEADER]})
    sheet.write_row(1, 0, [21000102, "Commune C"])
    sheet.write("A3", "Note : dossiers reçus par courrier à saisir")
    book.close()
    before = path.read_bytes()
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", path)
    assert result.exit_code == 1 and "A3" in result.output and "Traceback" not in result.output, result.output
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no backup, no scratch copy left


def test_a_protected_office_sheet_is_refused_not_written(tmp_path: Path) -> None:
    path = office_sheets(tmp_path / "bureau.xlsx", {"Suivi": [HEADER, [21000102, "Commune C"]]}, protect="Suivi")
    before = path.read_bytes()
    for command in (["import", EXAMPLES], ["allocate"]):
        result = run(*command, "--workbook", path)
        assert result.exit_code == 1, result.output
        assert "« Suivi » est protégée" in result.output and "Traceback" not in result.output
        assert path.read_bytes() == before and not backups(path)


# -- 10. bounded before being read


def zip_bomb(path: Path, unpacked: int) -> Path:
    """An office workbook whose sheet unpacks into ``unpacked`` bytes of XML (a comment, as a bomb pads it)."""
    base = path.with_name("base.xlsx")
    office_sheets(base, {"Suivi": [HEADER, [21000102, "Commune C"]]})
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, data)
                continue
            head, tail = data.split(b"</sheetData>")
            block = b" " * (1 << 20)
            with target.open(info.filename, "w", force_zip64=True) as part:
                part.write(head + b"<!--")
                for _ in range(unpacked // len(block)):
                    part.write(block)
                part.write(b"--></sheetData>" + tail)
    base.unlink()
    return path


@pytest.mark.parametrize(
    "command", [["init", "--into"], ["import", EXAMPLES, "--workbook"], ["allocate", "--workbook"]]
)
def test_a_zip_bomb_named_xlsx_is_refused_before_it_is_unpacked(tmp_path: Path, command: list[Any]) -> None:
    path = zip_bomb(tmp_path / "bombe.xlsx", 64 << 20)
    before = path.read_bytes()
    result = run(*command, path)
    assert result.exit_code == 1, result.output
    assert "bombe de décompression" in result.output and "xl/worksheets/sheet1.xml" in result.output
    assert "Traceback" not in result.output
    assert path.read_bytes() == before


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlplugin.xlsx import package

    path = three_sheets(tmp_path)
    unpacked = sum(info.file_size for info in zipfile.ZipFile(path).infolist())
    monkeypatch.setattr(package, "MAX_UNPACKED_BYTES", unpacked - 1)  # the limit, one byte under this workbook
    result = run("import", EXAMPLES, "--workbook", path)
    assert result.exit_code == 1 and "au-delà de la limite" in result.output, result.output


def test_a_value_in_the_last_row_of_a_sheet_is_refused_by_name(tmp_path: Path) -> None:
    """A stray value in row 1 048 576 made the sheet a grid of a million rows (a minute, 2.9 GB)."""
    path = tmp_path / "bureau.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, [21000102, "Commune C"])
    sheet.write("B1048576", "x")
    book.close()
    before = path.read_bytes()
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", path)
    assert result.exit_code == 1, result.output
    assert "B1048576" in result.output and "100\u202f000" in result.output and "Traceback" not in result.output
    assert path.read_bytes() == before and not backups(path)


def test_output_to_a_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    """``--output /dev/zero`` was read to know whether it was a tracking workbook: 13 GB, then a traceback. Run
    with its memory bounded, so that the old way ends in a MemoryError rather than in the machine's memory."""
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from batch.cli import main\n"
        "sys.argv = ['guichet', 'validate', sys.argv[1], '--output', '/dev/zero']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLES / "dossier-21000101.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "/dev/zero n'est pas un fichier ordinaire" in done.stderr and "Traceback" not in done.stderr


# -- 2. a dossier on two rows counts once, in the workbook's totals too


def test_a_dossiers_second_row_keeps_no_allocation_beyond_the_envelope(tmp_path: Path) -> None:
    """The office's sheet holds dossier 21000101 twice, the copy with the « Alloué » of an earlier allocation: the
    allocation counts the first row, and clears the copy's figures, so that no total exceeds the envelope."""
    header = ["N° dossier", "Porteur", "Alloué"]
    rows = [header, [21000101, "Commune A", None], [21000101, "Commune A (copie)", 19200]]
    path = office_sheets(tmp_path / "bureau.xlsx", {"Suivi": rows})
    assert run("import", EXAMPLES, "--workbook", path).exit_code == 0
    result = run("allocate", "--workbook", path)
    assert result.exit_code == 0, result.output
    assert "Alloué : 297\xa0000\xa0€" in result.output  # the envelope, all of it: the copy would have gone beyond
    sheet = values(path, "Suivi", cached=True)
    column = sheet[0].index("Alloué")
    allocated = [row[column] for row in sheet[1:] if isinstance(row[column], int | float)]
    assert sum(allocated) <= ENVELOPE
    copy = sheet[2]
    assert copy[column] is None and copy[sheet[0].index("Rang")] is None
    assert str(copy[sheet[0].index("Statut de la répartition")]).startswith("en double")
    summary = {row[0]: row[1] for row in values(path, "Répartition", cached=True) if row and row[0]}
    assert 0 < summary["Total alloué"] <= ENVELOPE and summary["Reste"] >= 0


# -- 13. a totals row written with a literal range


def openpyxl_totals(path: Path, total: str) -> Path:
    """An office table written by openpyxl, under a title, whose totals row sums « Montant sollicité » with the
    formula ``total`` — openpyxl writes it as given, a literal range where Excel writes ``[Montant sollicité]``."""
    from openpyxl.worksheet.table import Table, TableColumn

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Suivi"
    sheet.append(["Bureau des subventions"])
    sheet.append([])
    headers = ["N° dossier", "Porteur", "Statut", "Montant sollicité"]
    sheet.append(headers)
    for number, amount in ((21000101, 1000), (21000102, 2000), (20000003, 3000), (20000004, 4000), (20000005, 5000)):
        sheet.append([number, f"Commune {number}", "reçu", amount])
    sheet.append(["Total", None, None, total])
    table = Table(displayName="Dossiers_Bureau", ref="A3:D9", totalsRowCount=1)
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, start=1)]
    table.tableColumns[0].totalsRowLabel = "Total"
    table.tableColumns[3].totalsRowFunction = "sum"
    sheet.add_table(table)
    book.save(path)
    return path


def test_a_literal_totals_range_follows_the_table_and_says_what_its_value_says(tmp_path: Path) -> None:
    path = openpyxl_totals(tmp_path / "bureau.xlsx", "=SUBTOTAL(109,D4:D8)")
    files = [EXAMPLES / f"dossier-2100010{i}.json" for i in (1, 2, 3, 4)]  # two known rows, two new ones
    result = run("import", *files, "--workbook", path)
    assert result.exit_code == 0, result.output
    formulas, figures = values(path, "Suivi"), values(path, "Suivi", cached=True)
    total = next(i for i, row in enumerate(formulas) if row[0] == "Total")
    assert total == 10  # the totals row moved down under the two new rows (row 11)
    assert formulas[total][3] == "=SUBTOTAL(109,D4:D10)"
    amounts = [row[3] for row in figures[3:total]]
    assert figures[total][3] == pytest.approx(sum(amounts))


def test_a_totals_range_over_other_rows_is_left_with_its_value(tmp_path: Path) -> None:
    """A range that is not the column's rows (the office totals its first two only): kept as it is, and its value
    is not replaced by the column's total — it is the spreadsheet's to recompute."""
    path = openpyxl_totals(tmp_path / "bureau.xlsx", "=SUBTOTAL(109,D4:D5)")
    result = run("import", EXAMPLES / "dossier-21000103.json", "--workbook", path)
    assert result.exit_code == 0, result.output
    formulas, figures = values(path, "Suivi"), values(path, "Suivi", cached=True)
    total = next(i for i, row in enumerate(formulas) if row[0] == "Total")
    assert formulas[total][3] == "=SUBTOTAL(109,D4:D5)"
    assert figures[total][3] != pytest.approx(sum(row[3] for row in figures[3:total]))


# -- an office's « Total » row below the dossiers


def test_an_office_total_row_below_the_dossiers_is_not_counted_twice(tmp_path: Path) -> None:
    """The office sums « Alloué » on a « Total » row under its dossiers: the Répartition's total is the dossiers'
    allocations, at rest and computed again — the total row's own sum counted them a second time (« Reste »
    negative, as if the envelope were exceeded)."""
    from tests.acceptance.workbook_engine import compute

    path = office_sheets(tmp_path / "bureau.xlsx", {"Suivi": [["N° dossier", "Porteur", "Alloué"]]})
    assert run("import", EXAMPLES, "--workbook", path).exit_code == 0
    book = openpyxl.load_workbook(path)
    sheet = book["Suivi"]
    last = sheet.max_row
    sheet.append(["Total", None, f"=SUM(C2:C{last})"])
    book.save(path)
    result = run("allocate", "--workbook", path)
    assert result.exit_code == 0, result.output
    rows = values(path, "Suivi", cached=True)
    allocated = sum(row[2] for row in rows[1:last] if isinstance(row[2], int | float))
    assert 0 < allocated <= ENVELOPE and rows[last][0] == "Total"
    summary = {row[0]: row[1] for row in values(path, "Répartition", cached=True) if row and row[0]}
    assert summary["Total alloué"] == allocated and summary["Reste"] == ENVELOPE - allocated
    computed = compute(path)
    assert computed[("RÉPARTITION", "B4")] == allocated and computed[("SUIVI", f"C{last + 1}")] == allocated


def test_an_office_total_row_among_the_dossiers_is_not_counted_twice(tmp_path: Path) -> None:
    """On a sheet without a table, new dossiers go below the office's « Total » row: it then stands among the
    dossiers, and the Répartition's total counted its sum a second time. Only rows with a dossier number count,
    at rest and in the formula computed again; a number the office typed as text is one."""
    from tests.acceptance.workbook_engine import compute

    header = ["N° dossier", "Porteur", "Alloué"]
    probe = office_sheets(tmp_path / "essai.xlsx", {"Suivi": [header]})
    assert run("import", EXAMPLES, "--workbook", probe).exit_code == 0
    assert run("allocate", "--workbook", probe).exit_code == 0
    probed = values(probe, "Suivi", cached=True)
    notes = [probed[0].index(h) for h in ("Note impact (0 à 3)", "Note besoin (0 à 3)")]
    funded = next(row for row in probed[1:] if row[2])
    header += [probed[0][i] for i in notes]  # the office's notes: a dossier the import finds keeps its own
    rows = [
        header,
        [str(funded[0]), "Commune A", None, *(funded[i] for i in notes)],  # its number typed as text
        ["Total", None, "=SUM(C2:C2)"],
        [None, "Sous-total", "=SUM(C2:C2)"],  # labelled in another column: a blank N° is no dossier either
    ]
    path = office_sheets(tmp_path / "bureau.xlsx", {"Suivi": rows})
    assert run("import", EXAMPLES, "--workbook", path).exit_code == 0
    result = run("allocate", "--workbook", path)
    assert result.exit_code == 0, result.output
    sheet = values(path, "Suivi", cached=True)
    assert sheet[1][0] == str(funded[0]) and sheet[2][0] == "Total" and len(sheet) > 5  # new dossiers below
    allocated = sum(row[2] for row in sheet[1:] if row[0] not in ("Total", None) and isinstance(row[2], int | float))
    assert 0 < sheet[1][2] < allocated <= ENVELOPE
    summary = {row[0]: row[1] for row in values(path, "Répartition", cached=True) if row and row[0]}
    assert summary["Total alloué"] == allocated and summary["Reste"] == ENVELOPE - allocated
    assert compute(path)[("RÉPARTITION", "B4")] == allocated
