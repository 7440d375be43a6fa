"""The office's workbook is the office's: what the tool did not make, it never takes over nor clobbers.

Each case is a workbook made by another writer (XlsxWriter, as an office's would be), run through the
commands as an agent runs them: the office's columns, sheets, names, lines and notes are left as they
were; a dossier present twice is reported and counted once; two runs at once queue and lose nothing; a
symbolic link, a shared file's mode, a read-only file, a full disk, a lock file of Excel or LibreOffice and
``--output`` over a file that must not be replaced are each handled with a French message and no trace.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner, Result

from batch.cli import main
from tests.conftest import EXAMPLES, ROOT
from xlplugin.workbook import layout as L
from xlplugin.xlsx import Package, Patch

RECEIVED = ROOT / "examples" / "recus"


def run(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def values(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def office_book(path: Path, headers: list[str], rows: list[list[Any]], **extra: Any) -> Path:
    """An office workbook made with XlsxWriter: a « Suivi » sheet of its own rows (and ``extra`` sheets)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    sheet.write_row(0, 0, headers)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    for name, cells in extra.get("sheets", {}).items():
        other = book.add_worksheet(name)
        for ref, value in cells.items():
            if isinstance(value, str) and value.startswith("="):
                other.write_formula(ref, value)
            else:
                other.write(ref, value)
    for name, ref in extra.get("names", {}).items():
        book.define_name(name, ref)
    book.close()
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "suivi.xlsx"
    assert run("init", path).exit_code == 0
    return path


# -- ownership


def test_the_offices_contact_objet_and_date_de_fin_columns_are_not_taken(tmp_path: Path) -> None:
    headers = ["N° dossier", "Porteur", "Contact", "Objet", "Date de fin"]
    office = [[21000101, "Commune d'Ambérieu", "M. Martin, 04 74 00 00 00", "Site de la mairie", "fin juin"]]
    path = office_book(tmp_path / "suivi.xlsx", headers, office)
    assert run("init", "--into", path).exit_code == 0
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", path)
    assert result.exit_code == 0, result.output
    rows = values(path, "Suivi")
    # « Porteur » is the tool's own header (imported, so updated); the office's three columns are as they were.
    assert rows[1][2:5] == tuple(office[0][2:5])
    header = rows[0]
    for tool_header in ("Contact opérationnel", "Intitulé du projet", "Fin de mise en œuvre"):
        assert tool_header in header  # the tool's columns are its own, beside the office's
    # The summary names every column the tool wrote into.
    assert "Colonnes écrites" in result.output or "Colonnes ajoutées" in result.output
    assert "Contact opérationnel" in result.output and "« Contact »" not in result.output


def test_an_import_whose_every_file_is_refused_adds_no_column(tmp_path: Path) -> None:
    path = office_book(tmp_path / "suivi.xlsx", ["N° dossier", "Porteur"], [[21000101, "Commune d'Ambérieu"]])
    assert run("init", "--into", path).exit_code == 0
    result = run("import", ROOT / "tests" / "acceptance" / "received" / "invalid" / "empty.json", "--workbook", path)
    assert result.exit_code == 1 and "empty.json" in result.output, result.output
    assert values(path, "Suivi") == [("N° dossier", "Porteur"), (21000101, "Commune d'Ambérieu")]


def test_the_offices_taux_and_statut_columns_are_its_own(tmp_path: Path) -> None:
    """« Taux » and « Statut » are words an office uses for its own figures: on its sheet they are never the
    tool's rate or allocation status (a rate typed by the office would make the function's amount differ from
    what the rules and the allocation say); the tool adds « Taux de subvention » and « Statut de la
    répartition »."""
    headers = ["N° dossier", "Porteur", "Taux", "Statut"]
    office = [[21000101, "Commune d'Ambérieu", 0.5, "En cours"], [99000001, "Commune hors appel", 0.8, "Reçu"]]
    path = office_book(tmp_path / "suivi.xlsx", headers, office)
    assert run("init", "--into", path).exit_code == 0
    imported = run("import", EXAMPLES / "dossier-21000101.json", EXAMPLES / "dossier-21000102.json", "--workbook", path)
    assert imported.exit_code == 0, imported.output
    assert run("allocate", "--workbook", path).exit_code == 0
    rows = values(path, "Suivi")
    header = rows[0]
    taux, statut = header.index("Taux de subvention"), header.index("Statut de la répartition")
    assert header[:4] == tuple(headers) and header.count("Taux") == 1 and header.count("Statut") == 1
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[21000101][2:4] == (0.5, "En cours") and by_number[99000001][2:4] == (0.8, "Reçu")
    assert by_number[21000102][2:4] == (None, None)  # a new row: nothing in the office's columns
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figures = {
            row[0]: row for row in openpyxl.load_workbook(path, data_only=True)["Suivi"].iter_rows(values_only=True)
        }
    rate = figures[21000101][taux]
    assert isinstance(rate, int | float) and 0 < rate <= 1, rate  # the rules' rate, cached beside the formula
    assert by_number[21000101][statut] in {"financé", "partiel", "attente", "non classé"}


def test_the_summary_names_the_offices_own_header_of_a_column_it_wrote(tmp_path: Path) -> None:
    path = office_book(tmp_path / "suivi.xlsx", ["N° DS", "Collectivité"], [[21000101, "Commune d'Ambérieu"]])
    assert run("init", "--into", path).exit_code == 0
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", path)
    assert result.exit_code == 0, result.output
    assert "Collectivité (= Porteur)" in result.output and "N° DS (= N° dossier)" not in result.output


def test_a_dossier_number_the_office_typed_as_text_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "suivi.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Suivi")
    sheet.write_row(0, 0, ["N° dossier", "Porteur"])
    sheet.write_string(1, 0, "21000101")  # as an agent pastes it
    sheet.write_string(1, 1, "Commune d'Ambérieu")
    book.close()
    assert run("init", "--into", path).exit_code == 0
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", path)
    assert result.exit_code == 0 and "1 mis à jour" in result.output, result.output
    assert values(path, "Suivi")[1][0] == "21000101"


def test_the_offices_montant_alloue_and_classement_columns_are_its_own(tmp_path: Path) -> None:
    """The columns the allocation rewrites whole have no synonym: an office's « Montant alloué » or
    « Classement » keeps its figures; the tool adds its « Alloué » and « Rang »."""
    headers = ["N° dossier", "Porteur", "Montant alloué", "Classement"]
    path = office_book(tmp_path / "suivi.xlsx", headers, [[21000101, "Commune d'Ambérieu", 36000.4, 3]])
    assert run("init", "--into", path).exit_code == 0
    assert run("import", EXAMPLES / "dossier-21000101.json", "--workbook", path).exit_code == 0
    assert run("allocate", "--workbook", path).exit_code == 0
    rows = values(path, "Suivi")
    assert rows[1][2:4] == (36000.4, 3)
    assert "Alloué" in rows[0] and "Rang" in rows[0]


def test_a_computed_column_without_the_columns_it_is_computed_from_is_left_and_named(tmp_path: Path) -> None:
    # Found by a helper's trial: « Éligible » and « Montant proposé » on an office sheet that lacks their
    # inputs (an import refused before adding them) made the allocation stop on a Python traceback.
    headers = ["N° dossier", "Collectivité", "Éligible", "Montant proposé", "Rang", "Alloué"]
    headers.append("Statut de la répartition")
    path = office_book(tmp_path / "bureau.xlsx", headers, [[21000101, "Commune A", "Oui", 1000, None, None, None]])
    assert run("init", "--into", path).exit_code == 0
    result = run("allocate", "--workbook", path)
    assert result.exit_code == 0, result.output
    eligible = "la colonne « Éligible » n'est pas recalculée : il manque à « Suivi » « Déposé le », « Type de porteur »"
    assert eligible in result.output
    assert "la colonne « Montant proposé » n'est pas recalculée" in result.output
    row = values(path, "Suivi")[1]
    assert row[2:4] == ("Oui", 1000) and row[5:7] == (0, "non classé")  # the office's figures, the allocation's


def test_the_tools_own_sheet_keeps_its_older_taux_and_statut_headers(workbook: Path) -> None:
    """A tracking workbook made before the headers were renamed: its own « Taux » and « Statut » are the tool's."""
    with Package.open(workbook) as package:
        patch = Patch(package)
        for key, old in (("taux", "Taux"), ("statut", "Statut")):
            patch.set("Dossiers", 1, list(L.DOSSIER_TABLE.by_key).index(key) + 1, old)
        patch.save(workbook)
    assert run("import", EXAMPLES / "dossier-21000101.json", "--workbook", workbook).exit_code == 0
    assert run("allocate", "--workbook", workbook).exit_code == 0
    rows = values(workbook, "Dossiers")
    header = rows[0]
    assert "Taux de subvention" not in header and "Statut de la répartition" not in header
    assert str(rows[1][header.index("Taux")]).startswith("=") and rows[1][header.index("Statut")] == "financé"


def test_an_explicit_mapping_in_the_workbook_makes_a_column_the_tools(tmp_path: Path) -> None:
    path = office_book(tmp_path / "suivi.xlsx", ["N° dossier", "Porteur", "Objet"], [[21000101, "x", "y"]])
    book = xlsxwriter.Workbook(str(path))  # the same workbook, with the agent's name for « Objet »
    sheet = book.add_worksheet("Suivi")
    sheet.write_row(0, 0, ["N° dossier", "Porteur", "Objet"])
    book.define_name(f"{L.COLUMN_NAME_PREFIX}intitule", "=Suivi!$C$1")
    book.close()
    assert run("init", "--into", path).exit_code == 0
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", path)
    assert result.exit_code == 0, result.output
    rows = values(path, "Suivi")
    assert "Intitulé du projet" not in rows[0]
    assert rows[1][2] and rows[1][2] != "y"  # the project's title, in the column the agent named


def test_an_office_sheet_named_repartition_is_kept_and_the_tool_takes_another_name(tmp_path: Path) -> None:
    mine = {"A1": "Répartition du bureau", **{f"A{r}": f"note {r}" for r in range(18, 30)}}
    path = office_book(tmp_path / "suivi.xlsx", ["N° dossier"], [], sheets={"Répartition": mine})
    result = run("init", "--into", path)
    assert result.exit_code == 0, result.output
    assert "Répartition (2)" in result.output
    before = values(path, "Répartition")
    assert run("import", EXAMPLES, "--workbook", path).exit_code == 0
    result = run("allocate", "--workbook", path)
    assert result.exit_code == 0, result.output
    assert values(path, "Répartition") == before
    assert any(row[0] == 1 for row in values(path, "Répartition (2)"))  # the ranking went to the tool's sheet


def test_notes_typed_under_the_tools_tables_survive_the_next_allocation(workbook: Path) -> None:
    assert run("import", EXAMPLES, "--workbook", workbook).exit_code == 0
    assert run("allocate", "--workbook", workbook).exit_code == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(workbook)
    ranking = book[L.REPARTITION].tables[L.ALLOCATION_TABLE.table]
    last = openpyxl.utils.cell.range_boundaries(ranking.ref)[3]
    journal = book[L.JOURNAL].tables[L.JOURNAL_TABLE.table]
    journal_last = openpyxl.utils.cell.range_boundaries(journal.ref)[3]
    book.close()
    # The agent types notes two rows under each table (with Excel: openpyxl stands in for it here).
    book = openpyxl.load_workbook(workbook)
    book[L.REPARTITION].cell(last + 2, 1, "Note du bureau : revoir le dossier 21000103")
    book[L.JOURNAL].cell(journal_last + 2, 1, "Note : comité le 12 octobre")
    book.save(workbook)
    result = run("allocate", "--workbook", workbook)
    assert result.exit_code == 0, result.output
    rows = values(workbook, L.REPARTITION)
    assert rows[last + 1][0] == "Note du bureau : revoir le dossier 21000103"
    journal_rows = values(workbook, L.JOURNAL)
    assert "Note : comité le 12 octobre" in [row[0] for row in journal_rows]
    assert sum(1 for row in journal_rows if row[2] == "Répartition") == 2  # the new line went into the table


def test_expense_lines_without_a_dossier_number_are_kept(workbook: Path) -> None:
    assert run("import", EXAMPLES / "dossier-21000101.json", "--workbook", workbook).exit_code == 0
    book = openpyxl.load_workbook(workbook)
    expenses = book[L.DEPENSES]
    table = expenses.tables[L.EXPENSE_TABLE.table]
    min_col, min_row, max_col, last = openpyxl.utils.cell.range_boundaries(table.ref)
    while last > min_row + 1 and expenses.cell(last, 1).value is None:
        last -= 1  # the table's last filled line
    # Lines typed just under the table: Excel grows the table over them (openpyxl stands in for Excel here).
    expenses.cell(last + 1, 2, "Ligne saisie par l'agent")
    expenses.cell(last + 2, 2, "TOTAL")
    expenses.cell(last + 2, 4, f"=SUM(D2:D{last + 1})")
    letter = openpyxl.utils.get_column_letter
    table.ref = f"{letter(min_col)}{min_row}:{letter(max_col)}{last + 2}"
    table.autoFilter.ref = table.ref
    book.save(workbook)
    before = values(workbook, L.DEPENSES)
    result = run("import", EXAMPLES / "dossier-21000102.json", "--workbook", workbook)
    assert result.exit_code == 0, result.output
    after = values(workbook, L.DEPENSES)
    assert after[: len(before)] == before  # the agent's lines are where they were
    assert any(row[0] == 21000102 for row in after[len(before) :])  # the new lines come below everything


def test_the_offices_enveloppe_name_is_not_repointed(tmp_path: Path) -> None:
    path = office_book(
        tmp_path / "suivi.xlsx",
        ["N° dossier"],
        [],
        sheets={"Budget": {"A1": "Enveloppe du bureau", "B1": 150000, "B2": "=Enveloppe*1"}},
        names={"Enveloppe": "=Budget!$B$1"},
    )
    result = run("init", "--into", path)
    assert result.exit_code == 0, result.output
    assert "Enveloppe_2" in result.output
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path)
    assert book.defined_names["Enveloppe"].attr_text == "Budget!$B$1"
    assert "Paramètres" in book.defined_names["Enveloppe_2"].attr_text
    assert run("import", EXAMPLES, "--workbook", path).exit_code == 0
    result = run("allocate", "--format", "json", "--workbook", path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["enveloppe"] == "297000.00"  # the règlement's, not the office's figure
    assert values(path, "Budget")[0][1] == 150000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert openpyxl.load_workbook(path).defined_names["Enveloppe"].attr_text == "Budget!$B$1"


def test_a_dossier_present_twice_is_reported_and_counted_once(workbook: Path) -> None:
    assert run("import", EXAMPLES, "--workbook", workbook).exit_code == 0
    book = openpyxl.load_workbook(workbook)
    sheet = book[L.DOSSIERS]
    copy = [c.value for c in sheet[2]]
    for j, value in enumerate(copy, start=1):
        sheet.cell(sheet.max_row + (1 if j == 1 else 0), j, value)
    book.save(workbook)
    result = run("allocate", "--format", "json", "--workbook", workbook)
    assert result.exit_code == 0, result.output
    assert "figure sur plusieurs lignes" in result.stderr and "seule la ligne 2 compte" in result.stderr
    report = json.loads(result.stdout)
    numbers = [d["numero"] for d in report["dossiers"]]
    assert len(numbers) == len(set(numbers)) == 40
    alloue = sum(float(d["alloue"]) for d in report["dossiers"])
    assert alloue <= 297_000


def test_a_formula_typed_in_a_note_column_is_read_as_its_value(workbook: Path) -> None:
    from xlplugin.workbook.package_book import PackageBook

    assert run("import", EXAMPLES / "dossier-21000101.json", "--workbook", workbook).exit_code == 0
    column = openpyxl.utils.column_index_from_string(L.DOSSIER_TABLE.letters["impact"])
    book = PackageBook.open(workbook)
    book.write(L.DOSSIERS, 2, column, [[3]])
    book.save(workbook)
    typed = json.loads(run("allocate", "--format", "json", "--workbook", workbook).stdout)
    # The agent types =1+2 instead; Excel saves the formula with its figure, 3.
    book = PackageBook.open(workbook)
    book.write_formula(L.DOSSIERS, 2, column, "=1+2", 3)
    book.save(workbook)
    result = run("allocate", "--format", "json", "--workbook", workbook)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["dossiers"] == typed["dossiers"]
    assert "ligne à corriger" not in result.stdout


# -- safe writes


def test_parallel_imports_and_an_allocation_lose_no_dossier(workbook: Path, tmp_path: Path) -> None:
    files = sorted(EXAMPLES.glob("dossier-*.json"))
    halves = [tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    for i, folder in enumerate(halves):
        folder.mkdir()
        for path in files[i::3]:
            shutil.copy(path, folder / path.name)
    guichet = [sys.executable, "-m", "batch"]
    runs = [subprocess.Popen([*guichet, "import", str(f), "--workbook", str(workbook)], cwd=ROOT) for f in halves]
    runs.append(subprocess.Popen([*guichet, "allocate", "--workbook", str(workbook)], cwd=ROOT))
    assert [p.wait(timeout=300) for p in runs] == [0, 0, 0, 0]
    numbers = {row[0] for row in values(workbook, L.DOSSIERS)[1:] if row[0]}
    assert numbers == {int(p.stem.split("-")[1]) for p in files}
    assert run("allocate", "--workbook", workbook).exit_code == 0
    allocated = [row for row in values(workbook, L.DOSSIERS)[1:] if row[0]]
    assert len(allocated) == 40
    assert not [p for p in workbook.parent.iterdir() if p.name.startswith(".")]  # no lock file left behind


def test_a_symbolic_link_is_followed_and_kept(workbook: Path, tmp_path: Path) -> None:
    link = tmp_path / "raccourci.xlsx"
    link.symlink_to(workbook)
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == workbook.resolve()
    assert any(row[0] == 21000101 for row in values(workbook, L.DOSSIERS))


def test_a_shared_workbook_keeps_its_mode(workbook: Path) -> None:
    workbook.chmod(0o664)
    assert run("import", EXAMPLES / "dossier-21000101.json", "--workbook", workbook).exit_code == 0
    assert stat.S_IMODE(workbook.stat().st_mode) == 0o664


def test_a_read_only_workbook_is_refused(workbook: Path) -> None:
    # Refused for every user, root included (whom the system would let write it): the office marked it so.
    workbook.chmod(0o444)
    before = workbook.read_bytes()
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", workbook)
    assert result.exit_code == 1 and "lecture seule" in result.output and "Traceback" not in result.output
    assert workbook.read_bytes() == before


def test_a_workbook_this_user_may_not_write_is_refused(workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Writable by its owner, not by this user (another agent's file): what the system says is respected.
    monkeypatch.setattr(os, "access", lambda path, mode: not (mode & os.W_OK))
    before = workbook.read_bytes()
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", workbook)
    assert result.exit_code == 1 and "lecture seule" in result.output, result.output
    assert workbook.read_bytes() == before


def test_a_full_disk_leaves_the_original_and_no_truncated_backup(
    workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = workbook.read_bytes()
    real_copy = shutil.copyfileobj

    def half_then_full(source: Any, target: Any, *args: Any) -> None:
        target.write(source.read(1000))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", half_then_full)
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", workbook)
    monkeypatch.setattr(shutil, "copyfileobj", real_copy)
    assert result.exit_code == 1, result.output
    assert "place sur le disque" in result.output and "Traceback" not in result.output
    assert "ouvert" not in result.output  # not mistaken for a workbook open elsewhere
    assert workbook.read_bytes() == before
    assert [p.name for p in workbook.parent.iterdir()] == [workbook.name]  # no backup, no hidden file


@pytest.mark.parametrize("lock", ["~$suivi.xlsx", ".~lock.suivi.xlsx#"])
def test_a_workbook_open_in_excel_or_libreoffice_is_refused(workbook: Path, lock: str) -> None:
    (workbook.parent / lock).write_text("agent", encoding="utf-8")
    before = workbook.read_bytes()
    result = run("import", EXAMPLES / "dossier-21000101.json", "--workbook", workbook)
    assert result.exit_code == 1 and "est ouvert dans" in result.output and lock in result.output
    assert workbook.read_bytes() == before


# -- --output


def test_output_never_replaces_the_tracking_workbook(workbook: Path) -> None:
    before = workbook.read_bytes()
    for force in ([], ["--force"]):
        result = run("validate", RECEIVED, "--format", "xlsx", "--output", workbook, *force)
        assert result.exit_code != 0 and "classeur de suivi" in result.output, result.output
    assert workbook.read_bytes() == before


def test_output_never_replaces_a_received_file(tmp_path: Path) -> None:
    received = tmp_path / "dossier-21000101.json"
    shutil.copy(EXAMPLES / "dossier-21000101.json", received)
    before = received.read_bytes()
    result = run("validate", received, "--format", "json", "--output", received, "--force")
    assert result.exit_code != 0 and "fichier d'entrée" in result.output, result.output
    assert received.read_bytes() == before


def test_output_replaces_an_existing_file_only_with_force(tmp_path: Path) -> None:
    target = tmp_path / "rapport.json"
    target.write_text("{}", encoding="utf-8")
    result = run("validate", RECEIVED, "--format", "json", "--output", target)
    assert result.exit_code != 0 and "--force" in result.output and target.read_text(encoding="utf-8") == "{}"
    result = run("validate", RECEIVED, "--format", "json", "--output", target, "--force")
    assert result.exit_code == 0 and target.read_text(encoding="utf-8") != "{}"


def test_allocate_output_never_replaces_the_workbook_it_reads(workbook: Path) -> None:
    before = workbook.read_bytes()
    result = run("allocate", "--workbook", workbook, "--output", workbook, "--force")
    assert result.exit_code != 0, result.output
    assert workbook.read_bytes() == before
