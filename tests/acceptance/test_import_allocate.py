"""The whole day in the workbook: import (upsert, idempotent, agents' columns kept, the office's own
workbook kept whole or refused untouched), the allocation of a workbook, and the ribbon script of xlwings
Server writing the same numbers as ``guichet allocate --workbook``."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import xlwings as xw
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from xlwings.server import custom_scripts_call

from batch.cli import main
from tests.conftest import EXAMPLES, ROOT
from xlplugin.excel import ribbon
from xlplugin.workbook import layout as L

RECEIVED = ROOT / "examples" / "recus"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "suivi.xlsx"
    assert run("init", path).exit_code == 0
    return path


def sheet_values(path: Path, name: str) -> list[tuple]:
    return list(load_workbook(path)[name].iter_rows(values_only=True))


def column(path: Path, key: str) -> dict[int, object]:
    ws = load_workbook(path)[L.DOSSIERS]
    index = L.DOSSIER_TABLE.letters
    return {ws[f"A{r}"].value: ws[f"{index[key]}{r}"].value for r in range(2, ws.max_row + 1) if ws[f"A{r}"].value}


def test_import_adds_new_dossiers_with_their_lines_and_a_journal_line(workbook):
    result = run("import", EXAMPLES, RECEIVED, "--workbook", workbook)
    assert result.exit_code == 0, result.output
    assert "45 ajouté(s), 0 mis à jour, 0 inchangé(s), 0 rejeté(s)" in result.output
    numbers = column(workbook, "numero")
    assert len(numbers) == 45
    expenses = sheet_values(workbook, L.DEPENSES)
    assert len([r for r in expenses[1:] if r[0]]) > 80
    journal = sheet_values(workbook, L.JOURNAL)
    assert journal[-1][2] == "Import" and "45 ajouté(s)" in journal[-1][4]
    assert list(workbook.parent.glob("suivi.sauvegarde-*.xlsx"))  # the previous version is kept


def test_importing_twice_changes_nothing(workbook):
    run("import", EXAMPLES, "--workbook", workbook)
    before = {name: sheet_values(workbook, name) for name in (L.DOSSIERS, L.DEPENSES)}
    files = sorted(workbook.parent.iterdir())
    digest = hashlib.sha256(workbook.read_bytes()).hexdigest()
    # A whole run (the import's memory would recognise the files: test_import_memory.py)
    again = run("import", EXAMPLES, "--workbook", workbook, "--tout-recontroler")
    assert again.exit_code == 0, again.output
    assert "0 ajouté(s), 0 mis à jour, 40 inchangé(s)" in again.output
    assert "différentes" not in again.output
    assert {name: sheet_values(workbook, name) for name in (L.DOSSIERS, L.DEPENSES)} == before
    # Nothing to write: said so, and nothing written — no journal line, no save, no backup.
    assert "Rien à écrire : suivi.xlsx contient déjà tout ; il n'est ni enregistré ni sauvegardé." in again.output
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == digest
    assert sorted(workbook.parent.iterdir()) == files


def test_an_import_with_nothing_new_to_an_output_file_writes_no_file(workbook, tmp_path):
    run("import", EXAMPLES, "--workbook", workbook)
    again = run("import", EXAMPLES, "--workbook", workbook, "--output", tmp_path / "copie.xlsx")
    assert again.exit_code == 0, again.output
    assert f"{tmp_path / 'copie.xlsx'} n'est pas écrit" in again.output
    assert not (tmp_path / "copie.xlsx").exists()


def test_a_journal_text_too_long_for_a_cell_is_cut_and_says_so(workbook):
    from xlplugin.workbook.journal import CELL_LIMIT
    from xlplugin.workbook.operations import journal_into

    deleted = ", ".join(str(30_000_000 + i) for i in range(5_000))  # a synchronisation naming 5 000 deletions
    journal_into(workbook, datetime(2026, 12, 7, 9, 30), "agent", "Synchronisation", "recus/", deleted)
    line = sheet_values(workbook, L.JOURNAL)[-1]
    assert line[2:4] == ("Synchronisation", "recus/")
    assert len(line[4]) == CELL_LIMIT and line[4].startswith(deleted[:1000])
    assert line[4].endswith("(texte tronqué : trop long pour une cellule)")


def test_a_population_the_agent_types_where_none_is_known_is_kept_and_a_known_one_is_the_files(workbook, tmp_path):
    # Found by a reader of the guide: « population inconnue : renseignez la population » in the cell, and the next
    # import (the weekly sync) erased the population typed, without a word. Where neither the file nor the
    # reference gives one, the agent's stays; a figure given is written, and replacing a typed one is said.
    run("import", EXAMPLES, "--workbook", workbook)
    letters = L.DOSSIER_TABLE.letters
    wb = load_workbook(workbook)
    ws = wb[L.DOSSIERS]
    row_of = {ws[f"A{r}"].value: r for r in range(2, ws.max_row + 1)}
    unknown, known = row_of[21000132], row_of[21000101]
    assert ws[f"{letters['population']}{unknown}"].value is None  # a syndicat: the reference has none
    assert ws[f"{letters['population']}{known}"].value == 1751
    ws[f"{letters['population']}{unknown}"] = 5000
    ws[f"{letters['population']}{known}"] = 1800
    wb.save(workbook)
    again = run("import", EXAMPLES, "--workbook", workbook)
    assert "0 ajouté(s), 1 mis à jour" in again.output, again.output
    assert "dossier 21000101 : « Population » 1\u202f800 remplacée par 1\u202f751" in again.output
    ws = load_workbook(workbook)[L.DOSSIERS]
    assert ws[f"{letters['population']}{unknown}"].value == 5000
    assert ws[f"{letters['population']}{known}"].value == 1751

    def received(number, change):  # a new version of one example
        folder = tmp_path / f"recus-{len(list(tmp_path.glob('recus-*')))}"
        folder.mkdir()
        doc = json.loads((EXAMPLES / f"dossier-{number}.json").read_text(encoding="utf-8"))
        change(doc)
        (folder / f"dossier-{number}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        return run("import", folder, "--workbook", workbook)

    # A new version names another syndicat: the population typed was the first one's.
    moved = received(21000132, lambda d: d["porteur"].update(siret="25000102100014"))
    assert "dossier 21000132 : « Population » 5\u202f000 effacée" in moved.output, moved.output
    assert load_workbook(workbook)[L.DOSSIERS][f"{letters['population']}{unknown}"].value is None
    # The syndicat declares its population, then corrects it: the file's figure is written each time.
    assert "1 mis à jour" in received(21000132, lambda d: d["porteur"].update(population=12000)).output
    assert load_workbook(workbook)[L.DOSSIERS][f"{letters['population']}{unknown}"].value == 12000
    assert "1 mis à jour" in received(21000132, lambda d: d["porteur"].update(population=2400)).output
    assert load_workbook(workbook)[L.DOSSIERS][f"{letters['population']}{unknown}"].value == 2400


def test_the_agents_columns_are_never_overwritten_and_imported_ones_are_updated(workbook, tmp_path):
    run("import", EXAMPLES, "--workbook", workbook)
    wb = load_workbook(workbook)
    ws = wb[L.DOSSIERS]
    letters = L.DOSSIER_TABLE.letters
    ws[f"{letters['impact']}2"] = 0
    ws[f"{letters['commentaire']}2"] = "Vu avec le maire le 3/11"
    ws.cell(1, ws.max_column + 1, "Suivi interne")
    ws.cell(2, ws.max_column, "à relancer")
    wb.save(workbook)
    changed = tmp_path / "recus"
    changed.mkdir()
    doc = json.loads((EXAMPLES / "dossier-21000101.json").read_text(encoding="utf-8"))
    doc["projet"]["intitule"] = "Portail citoyen, version corrigée"
    doc["appreciation"] = {"impact": 3, "besoin": 3}
    (changed / "dossier-21000101.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = run("import", changed, "--workbook", workbook)
    assert "0 ajouté(s), 1 mis à jour" in result.output
    ws = load_workbook(workbook)[L.DOSSIERS]
    assert ws[f"{letters['intitule']}2"].value == "Portail citoyen, version corrigée"
    assert ws[f"{letters['impact']}2"].value == 0
    assert ws[f"{letters['commentaire']}2"].value == "Vu avec le maire le 3/11"
    assert ws.cell(2, ws.max_column).value == "à relancer"


@pytest.mark.parametrize("name", ["export-17-dossiers.xlsx", "page-17-dossiers.json"])
def test_a_title_starting_with_equals_is_imported_with_the_16_others_and_stays_text(workbook, name):
    received = Path(__file__).parent / "received" / "warnings" / name
    result = run("import", received, "--workbook", workbook)
    assert result.exit_code == 0, result.output
    assert "17 ajouté(s)" in result.output
    titles = column(workbook, "intitule")
    assert len(titles) == 17
    assert titles[11000407 if name.endswith("xlsx") else 11000507] == (
        '=HYPERLINK("https://exemple.invalid/portail","Portail citoyen")'
    )
    sheet = load_workbook(workbook)[L.DOSSIERS]
    title = L.DOSSIER_TABLE.letters["intitule"]
    assert all(sheet[f"{title}{row}"].data_type == "s" for row in range(2, 19))
    evaluated = run("evaluate", "--format", "json", received)
    assert evaluated.exit_code == 0 and len(json.loads(evaluated.stdout)) == 17
    from tests.acceptance.workbook_engine import compute

    recalculated = compute(workbook)  # recalculated, the title is still its text
    formula_row = 2 + sorted(titles).index(11000407 if name.endswith("xlsx") else 11000507)
    assert recalculated[(L.DOSSIERS.upper(), f"{title}{formula_row}")].startswith("=HYPERLINK")


def test_one_bad_dossier_does_not_keep_the_others_out_of_the_workbook(workbook):
    received = Path(__file__).parent / "received" / "invalid-dossiers" / "page-one-bad-siret.json"
    result = run("import", received, "--workbook", workbook)
    assert result.exit_code == 1
    assert "2 ajouté(s)" in result.output and "1 rejeté(s)" in result.output
    assert "dossier 11000341" in result.stderr and "clé de contrôle" in result.stderr
    assert sorted(column(workbook, "numero")) == [11000340, 11000342]


def test_a_workbook_open_in_excel_is_refused(workbook):
    (workbook.parent / f"~${workbook.name}").write_bytes(b"lock")
    before = hashlib.sha256(workbook.read_bytes()).hexdigest()
    result = run("import", EXAMPLES, "--workbook", workbook)
    assert result.exit_code == 1 and "ouvert dans Excel" in result.stderr
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == before


def office_workbook(path: Path) -> Path:
    """A workbook the office made by hand: its own headers, an extra sheet, a comment."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Suivi 2021"
    ws.append(["Tableau de suivi du fonds numérique"])
    ws.append([])
    ws.append(["N° DS", "Collectivité", "Intitulé", "Observations"])
    ws.append([21000101, "Ambérieux", "ancien titre", "dossier prioritaire"])
    ws["D4"].comment = Comment("Voir le courrier du 12/10", "Agent")
    ws["A6"] = "Total des dossiers suivis"
    ws["B6"] = "=COUNTA(A4:A4)"
    ws["F4"] = "note sans en-tête"
    other = wb.create_sheet("Contacts")
    other.append(["Commune", "Téléphone"])
    other.append(["Ambérieux", "04 74 00 00 00"])
    wb.save(path)
    return path


def test_the_offices_own_workbook_keeps_everything_of_it(tmp_path):
    path = office_workbook(tmp_path / "bureau.xlsx")
    result = run("import", EXAMPLES, "--workbook", path)
    assert result.exit_code == 0, result.output
    wb = load_workbook(path)
    assert {"Suivi 2021", "Contacts", L.DEPENSES, L.PARAMETRES, L.REPARTITION, L.JOURNAL} <= set(wb.sheetnames)
    assert L.DOSSIERS not in wb.sheetnames  # its own sheet holds the dossiers
    ws = wb["Suivi 2021"]
    assert [c.value for c in ws[3]][:4] == ["N° DS", "Collectivité", "Intitulé", "Observations"]
    assert ws["D4"].value == "dossier prioritaire" and ws["D4"].comment.text == "Voir le courrier du 12/10"
    assert ws["C4"].value == "Portail citoyen de démarches en ligne"  # an imported column, updated
    lines = [r for r in wb[L.DEPENSES].iter_rows(min_row=2, values_only=True) if r[0] == 21000101]
    assert len(lines) == len(json.loads((EXAMPLES / "dossier-21000101.json").read_text("utf-8"))["depenses"])
    assert "différentes" not in result.output  # the row typed by hand had no line: it gets them
    assert (ws["A6"].value, ws["B6"].value) == ("Total des dossiers suivis", "=COUNTA(A4:A4)")  # kept
    assert ws["A7"].value is not None  # the 39 other dossiers follow, below what the sheet held
    assert ws["F4"].value == "note sans en-tête"  # the new columns start right of it
    assert ws["G3"].value == L.DOSSIER_TABLE.by_key["date_depot"].header
    assert wb["Contacts"]["B2"].value == "04 74 00 00 00"
    allocated = run("allocate", "--workbook", path)
    assert allocated.exit_code == 0, allocated.output


def test_the_offices_chart_is_kept(tmp_path):
    path = office_workbook(tmp_path / "bureau.xlsx")
    wb = load_workbook(path)
    chart = BarChart()
    chart.add_data(Reference(wb["Contacts"], min_col=2, min_row=1, max_row=2))
    wb["Contacts"].add_chart(chart, "D2")
    wb.save(path)
    before = parts(path)
    assert run("import", EXAMPLES, "--workbook", path).exit_code == 0
    after = parts(path)
    charts = [name for name in before if name.startswith("xl/charts/")]
    assert charts and all(after[name] == before[name] for name in charts)  # byte for byte


def with_web_extension(path: Path) -> None:
    """Add an Office web add-in part, which openpyxl does not know and would drop."""
    import zipfile

    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/webextensions/webextension1.xml", "<we:webextension xmlns:we='x'/>")
        archive.writestr("xl/webextensions/taskpanes.xml", "<wetp:taskpanes xmlns:wetp='x'/>")


def parts(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_parts_the_tool_does_not_know_are_kept_byte_for_byte(tmp_path):
    path = office_workbook(tmp_path / "bureau.xlsx")
    with_web_extension(path)
    before = parts(path)
    result = run("import", EXAMPLES, "--workbook", path)
    assert result.exit_code == 0, result.output
    after = parts(path)
    for name in ("xl/webextensions/webextension1.xml", "xl/webextensions/taskpanes.xml"):
        assert after[name] == before[name]
    output = tmp_path / "copie.xlsx"
    original = path.read_bytes()
    result = run("allocate", "--workbook", path, "--output", output)
    assert result.exit_code == 0 and output.exists() and path.read_bytes() == original


def test_our_own_charts_survive_every_save(workbook):
    run("import", EXAMPLES, "--workbook", workbook)
    run("allocate", "--workbook", workbook)
    assert len([name for name in parts(workbook) if name.startswith("xl/charts/chart")]) == 2


def test_allocate_workbook_writes_the_same_numbers_as_allocate_files(workbook):
    run("import", EXAMPLES, RECEIVED, "--workbook", workbook)
    from_files = json.loads(run("allocate", "--format", "json", EXAMPLES, RECEIVED).stdout)
    result = run("allocate", "--format", "json", "--workbook", workbook)
    assert result.exit_code == 0, result.output
    from_workbook = json.loads(result.stdout)
    assert from_workbook == from_files
    statut = column(workbook, "statut")
    alloue = column(workbook, "alloue")
    for line in from_files["dossiers"]:
        assert Decimal(str(alloue[line["numero"]])) == Decimal(line["alloue"])
        assert (
            statut[line["numero"]]
            == {
                "finance": "financé",
                "partiel": "partiel",
                "attente": "attente",
                "non_classe": "non classé",
                "ineligible": "inéligible",
            }[line["statut"]]
        )
    repartition = sheet_values(workbook, L.REPARTITION)
    assert repartition[L.ALLOCATION_FIRST_ROW - 1][0] == "Rang"
    assert repartition[L.ALLOCATION_FIRST_ROW][6] == "financé"
    assert sheet_values(workbook, L.JOURNAL)[-1][2] == "Répartition"


def test_the_allocation_s_rows_do_not_look_like_its_header(workbook):
    # Seen in the demo workbook printed by LibreOffice: every line of « Répartition » was purple and bold
    # white, like the header above the first one.
    run("import", EXAMPLES, RECEIVED, "--workbook", workbook)
    assert run("allocate", "--workbook", workbook).exit_code == 0
    ws = load_workbook(workbook)[L.REPARTITION]
    header = ws.cell(L.ALLOCATION_FIRST_ROW, 1)
    assert header.value == "Rang" and header.font.b
    last = max(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value is not None)
    assert last > L.ALLOCATION_FIRST_ROW + 10
    for row in (L.ALLOCATION_FIRST_ROW + 1, L.ALLOCATION_FIRST_ROW + 2, last):
        line = ws.cell(row, 1)
        assert line.value is not None and not line.font.b and line.fill.fgColor.rgb != header.fill.fgColor.rgb
    assert ws.cell(L.ALLOCATION_FIRST_ROW + 1, 6).number_format == ws.cell(last, 6).number_format != "General"


def book_json(path: Path) -> dict:
    """The workbook as Office.js sends it to xlwings Server: values of every sheet, dates as serial numbers."""
    wb = load_workbook(path)
    epoch = datetime(1899, 12, 30)

    def plain(value):  # type: ignore[no-untyped-def]
        if isinstance(value, datetime):
            return (value - epoch).total_seconds() / 86400
        if isinstance(value, date):
            return (datetime(value.year, value.month, value.day) - epoch).days
        if isinstance(value, str) and value.startswith("="):
            return None  # a formula's result, which Excel would compute; the script does not read them
        return value

    sheets = []
    for ws in wb.worksheets:
        values = [[plain(v) for v in row] for row in ws.iter_rows(values_only=True)] or [[]]
        sheets.append({"name": ws.title, "values": values, "pictures": [], "tables": [], "pivot_tables": []})
    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": path.name, "active_sheet_index": 1, "selection": "A1"},
        "sheets": sheets,
        "names": [],
    }


def test_the_ribbon_script_writes_the_same_allocations_as_guichet_allocate(workbook, tmp_path):
    run("import", EXAMPLES, RECEIVED, "--workbook", workbook)
    copy = tmp_path / "copie.xlsx"
    shutil.copy(workbook, copy)
    book = xw.Book(json=book_json(copy))
    asyncio.run(custom_scripts_call(ribbon, "recalculer_allocations", typehint_to_value={xw.Book: book}))
    actions = book.json()["actions"]
    assert actions and {a["func"] for a in actions} <= {"setValues", "setNumberFormat"}
    dossiers_position = [s["name"] for s in book_json(copy)["sheets"]].index(L.DOSSIERS)
    written = {}
    for action in actions:
        if action["sheet_position"] == dossiers_position and action["func"] == "setValues":
            for i, line in enumerate(action["values"]):  # a block of cells, or one
                for j, value in enumerate(line):
                    written[(action["start_row"] + 1 + i, action["start_column"] + 1 + j)] = value
    run("allocate", "--workbook", workbook)
    ws = load_workbook(workbook)[L.DOSSIERS]
    columns = {key: i for i, key in enumerate(L.DOSSIER_TABLE.letters, start=1)}
    for row in range(2, ws.max_row + 1):
        for key in ("rang", "alloue", "statut"):
            sent = written[(row, columns[key])]
            assert (None if sent == "" else sent) == ws.cell(row, columns[key]).value, (row, key)  # "" empties a cell


def test_the_ribbon_script_reads_a_text_shaped_like_an_iso_date_with_an_offset(workbook, tmp_path):
    # xlwings reads such a text as a date and fails on its offset (« +02:00 »): one cell pasted from an export of
    # démarches-simplifiées stopped the button. The book's values are read as Office.js sends them.
    import xlwings.pro._xlremote as remote

    from xlplugin.workbook import book as book_module
    from xlplugin.workbook.book import XlwingsBook

    assert book_module._ISO_DATETIME.pattern == remote.datetime_pattern  # the same texts as xlwings'
    run("import", EXAMPLES, "--workbook", workbook)
    pasted = "2021-09-14T10:42:17+02:00"
    wb = load_workbook(workbook)
    letter = L.DOSSIER_TABLE.letters["commentaire"]
    wb[L.DOSSIERS][f"{letter}2"] = pasted
    wb.save(workbook)
    sent = book_json(workbook)
    with pytest.raises(ValueError):  # what xlwings does with it
        assert xw.Book(json=sent).sheets[L.DOSSIERS].range(f"{letter}2").value is None
    book = xw.Book(json=sent)
    asyncio.run(custom_scripts_call(ribbon, "recalculer_allocations", typehint_to_value={xw.Book: book}))
    actions = book.json()["actions"]
    assert any(a["func"] == "setValues" for a in actions)
    column = list(L.DOSSIER_TABLE.letters).index("commentaire")
    assert XlwingsBook(xw.Book(json=sent)).values(L.DOSSIERS)[1][column] == pasted


def test_the_ribbon_script_is_listed_for_the_server():
    from xlwings.server import custom_scripts_meta

    meta = custom_scripts_meta(ribbon)
    assert any(
        m["function_name"] == "recalculer_allocations" or m.get("name") == "Recalculer les allocations" for m in meta
    )


def test_init_into_adds_the_missing_sheets_to_the_offices_workbook(tmp_path):
    path = office_workbook(tmp_path / "bureau.xlsx")
    result = run("init", "--into", path)
    assert result.exit_code == 0, result.output
    wb = load_workbook(path)
    assert {L.DEPENSES, L.PARAMETRES, L.REPARTITION, L.JOURNAL, L.XLWINGS_CONF} <= set(wb.sheetnames)
    assert L.DOSSIERS not in wb.sheetnames  # « Suivi 2021 » already holds the dossiers
    assert wb["Suivi 2021"]["D4"].value == "dossier prioritaire"
    again = run("init", "--into", path)
    assert "a déjà toutes les feuilles" in again.output


def test_the_waiting_list_is_of_ranked_dossiers_and_the_unranked_are_said_so(workbook):
    # Found by a reader of the guide: a dossier with no note yet, or no population, was « attente » in the
    # workbook, counted in « Dossiers en liste d'attente » and sent to démarches-simplifiées as « Liste d'attente ».
    run("import", EXAMPLES, "--workbook", workbook)
    assert run("allocate", "--workbook", workbook).exit_code == 0
    statut, rang = column(workbook, "statut"), column(workbook, "rang")
    waiting = [n for n, s in statut.items() if s == "attente"]
    unranked = [n for n, s in statut.items() if s == "non classé"]
    assert waiting and unranked
    assert all(rang[n] is not None for n in waiting) and all(rang[n] is None for n in unranked)
    saved = load_workbook(workbook, data_only=True)[L.REPARTITION]
    summary = {r[0].value: r[1].value for r in saved.iter_rows(max_col=2) if r[0].value}
    assert summary["Dossiers en liste d'attente"] == len(waiting)
    assert summary["Dossiers non classés"] == len(unranked)
    # and as Excel computes the formula once the workbook is recalculated
    from tests.acceptance.workbook_engine import compute

    computed = compute(workbook)
    assert computed[("RÉPARTITION", "A8")] == "Dossiers non classés"
    assert computed[("RÉPARTITION", "B8")] == len(unranked)


def test_allocate_workbook_output_leaves_the_original_untouched(workbook, tmp_path):
    run("import", EXAMPLES, "--workbook", workbook)
    before = workbook.read_bytes()
    output = tmp_path / "repartition.xlsx"
    assert run("allocate", "--workbook", workbook, "--output", output).exit_code == 0
    assert workbook.read_bytes() == before
    assert {v for v in column(output, "statut").values()} == {
        "financé",
        "partiel",
        "attente",
        "non classé",
        "inéligible",
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_junk_typed_by_an_agent_never_breaks_the_allocation(filled_book, data):
    from xlplugin.rules import default_reglement
    from xlplugin.workbook.allocation import allocate_book
    from xlplugin.workbook.package_book import PackageBook

    book = PackageBook.open(filled_book)
    rows = len(book.values(L.DOSSIERS))
    numbers = st.integers(-(10**9), 10**9) | st.floats(allow_nan=False, allow_infinity=False)
    junk = st.none() | st.booleans() | numbers | st.text(max_size=20)
    for _ in range(data.draw(st.integers(1, 8))):
        row = data.draw(st.integers(2, rows))
        col = data.draw(st.integers(2, len(L.DOSSIER_TABLE.columns)))
        book.write(L.DOSSIERS, row, col, [[data.draw(junk)]])
    result = allocate_book(book, default_reglement(), "test")
    book.close()
    assert result.allocation.total <= default_reglement().envelope
    for number, message in result.row_errors.items():
        assert result.allocation.grant(number).note.startswith("ligne à corriger")
        assert message


@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date")  # openpyxl reads them as errors: so do we
def test_absurd_numbers_typed_in_dates_and_amounts_never_break_the_allocation(workbook):
    # Found typing them in a saved workbook (the fuzz above writes in memory, where no serial is read as a
    # date): 1E+20 in a date column overflowed the reading of dates, 1E+300 in « Montant accordé » the rounding
    # to the cent — a traceback instead of the allocation, in the command and behind the button alike.
    run("import", EXAMPLES, "--workbook", workbook)
    book = load_workbook(workbook)
    ws = book[L.DOSSIERS]
    letters = L.DOSSIER_TABLE.letters
    for key in ("date_avance", "date_debut", "date_depot", "date_decision"):
        ws[f"{letters[key]}2"] = 1e20
    ws[f"{letters['montant_accorde']}2"] = 1e300
    ws[f"{letters['avance']}3"] = -1e300
    ws[f"{letters['montant_accorde']}5"] = "NaN"  # a text: Excel's IF gives it, its subtraction #VALEUR!
    ws[f"{letters['montant_accorde']}6"] = " "  # a cell « cleared » with a space: not "" for Excel's IF either
    book.save(workbook)
    result = run("allocate", "--workbook", workbook)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    saved = load_workbook(workbook, data_only=True)[L.DOSSIERS]  # the figures saved with the formulas
    # The payments of those rows cannot be figured to the cent: left empty, for Excel to compute; the other
    # rows are figured as before.
    rows = (2, 3, 5, 6, 4)
    figures = [[saved[f"{letters[key]}{r}"].value for key in ("reste_a_payer", "trop_percu")] for r in rows]
    assert figures[:4] == [[None, None]] * 4 and None not in figures[4]


# Typed by an agent in a saved workbook, each of these ended a command with a traceback (found by fuzzing
# saved workbooks with openpyxl): a message, or the row set aside, is what the agent gets now.
JUNK = [
    (L.DOSSIERS, "numero", "--5", "allocate"),
    (L.DOSSIERS, "impact", "--1", "allocate"),
    (L.DOSSIERS, "agents_beneficiaires", "9" * 5000, "allocate"),  # beyond Python's 4 300 digits of int()
    (L.DEPENSES, "dossier", "--5", "allocate"),
    (L.DEPENSES, "dossier", "9" * 5000, "allocate"),
    (L.DOSSIERS, "cout_total", "nan%", "allocate"),
    (L.DOSSIERS, "cout_total", "nan%", "comite"),
    (L.DOSSIERS, "sollicite", "1e9999999%", "allocate"),
    (L.DEPENSES, "montant", "nan%", "allocate"),
    (L.DOSSIERS, "montant_accorde", "NaN", "allocate"),
    (L.DOSSIERS, "alloue", "nan", "import"),
    (L.DOSSIERS, "alloue", "1e999999999", "import"),
    (L.DOSSIERS, "date_depot", "01/01/0001", "allocate"),
    (L.DOSSIERS, "date_depot", "01/01/0001", "comite"),
    (L.DOSSIERS, "porteur", "abc\x01def", "comite"),
    (L.DOSSIERS, "intitule", "abc\x02def", "comite"),
    (L.DOSSIERS, "porteur", "abc_xFFFE_def", "comite"),  # read back as U+FFFE, which no XLSX holds either
    (L.DOSSIERS, "porteur", "abc_xD800_def", "comite"),  # a lone surrogate
]


@pytest.mark.parametrize(("sheet", "key", "value", "command"), JUNK)
def test_junk_typed_in_a_saved_workbook_gets_a_message_not_a_traceback(
    allocated_book, tmp_path, sheet, key, value, command
):
    path = tmp_path / "suivi.xlsx"
    book = load_workbook(allocated_book)
    table = L.EXPENSE_TABLE if sheet == L.DEPENSES else L.DOSSIER_TABLE
    # openpyxl writes a control character as Excel does (« _x0001_ »): the tool reads it back as the character
    book[sheet][f"{table.letters[key]}2"] = value.replace("\x01", "_x0001_").replace("\x02", "_x0002_")
    book.save(path)
    arguments = {
        "allocate": ["allocate", "--workbook", path],
        "import": ["import", EXAMPLES, "--workbook", path],
        "comite": ["comite", "--workbook", path, "--sortie", tmp_path / "comite", "--sans-pdf"],
    }[command]
    result = run(*arguments)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


def test_a_dossier_number_mistyped_is_named_and_notes_among_the_dossiers_are_left_alone(allocated_book, tmp_path):
    # « --5 » typed over a number left the row out of everything without a word. Now it is named; and a row the
    # tool cannot tell for a dossier is never written to, be it a mistyped number or the office's sub-total
    # between dossiers (an office sheet without a table gets new dossiers below its « Total »).
    path = tmp_path / "suivi.xlsx"
    book = load_workbook(allocated_book)
    ws = book[L.DOSSIERS]
    letters = L.DOSSIER_TABLE.letters
    alloue = letters["alloue"]
    mistyped, kept = ws["A3"].value, ws[f"{alloue}3"].value
    assert kept  # allocated before
    ws["A3"] = "--5"
    ws["A4"], ws[f"{alloue}4"] = "Sous-total 2024", f"=SUM({alloue}2:{alloue}3)"
    book.save(path)
    result = run("allocate", "--workbook", path)
    assert result.exit_code == 0, result.output
    said = "ligne 3 de « Dossiers » : « --5 » n'est pas un n° de dossier : la ligne est laissée de côté"
    assert said in result.output and "Sous-total" not in result.output
    # Excel's --« --5 » is no number: the amount the row keeps is out of the Répartition's total, as at rest
    assert "qu'elle garde dans « Alloué » ne compte pas dans le total alloué" in result.output
    summary = {r[0]: r[1] for r in load_workbook(path, data_only=True)[L.REPARTITION].iter_rows(values_only=True)}
    assert summary["Total alloué"] <= 297_000  # with its amount, beyond the envelope
    ws = load_workbook(path)[L.DOSSIERS]
    assert ws[f"{alloue}3"].value == kept and ws[f"{alloue}4"].value == f"=SUM({alloue}2:{alloue}3)"
    assert mistyped not in column(path, "rang")
    imported = run("import", EXAMPLES, "--workbook", path)
    assert "ligne 3 de « Dossiers » : « --5 » n'est pas un n° de dossier" in imported.output


@pytest.fixture(scope="module")
def allocated_book(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("junk") / "suivi.xlsx"
    run("init", path)
    run("import", EXAMPLES, "--workbook", path)
    run("allocate", "--workbook", path)
    return path


@pytest.fixture(scope="module")
def filled_book(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / "suivi.xlsx"
    run("init", path)
    run("import", EXAMPLES, "--workbook", path)
    return path


def test_a_file_that_cannot_be_replaced_is_reported_and_kept(workbook, monkeypatch):
    from xlplugin.xlsx import zipio

    before = workbook.read_bytes()

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(zipio.os, "replace", refuse)
    result = run("import", EXAMPLES, "--workbook", workbook)
    assert result.exit_code == 1 and "n'a pas pu être écrit" in result.stderr and "Traceback" not in result.stderr
    assert workbook.read_bytes() == before
    assert not [p for p in workbook.parent.iterdir() if p.name.startswith(".")]  # no hidden file left behind


def test_allocate_workbook_judges_the_rows_by_the_reglement_it_is_given(workbook, tmp_path):
    doc = json.loads((ROOT / "xlplugin" / "data" / "reglement-ain-2021.json").read_text(encoding="utf-8"))
    doc["calendrier"]["fin_au_plus_tard"] = "2023-12-31"  # 21000139 ends in 2023: eligible under this one
    doc["enveloppe"]["montant"] = "150000.00"
    other = tmp_path / "autre-reglement.json"
    other.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    run("import", EXAMPLES, "--workbook", workbook)
    from_files = json.loads(run("allocate", "--format", "json", "--reglement", other, EXAMPLES).stdout)
    result = run("allocate", "--format", "json", "--reglement", other, "--workbook", workbook)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == from_files
    assert next(d for d in from_files["dossiers"] if d["numero"] == 21000139)["statut"] != "ineligible"


def test_changed_expenses_of_a_known_dossier_are_named_not_taken_over(workbook, tmp_path):
    run("import", EXAMPLES, "--workbook", workbook)
    before = sheet_values(workbook, L.DEPENSES)
    changed = tmp_path / "recus"
    changed.mkdir()
    doc = json.loads((EXAMPLES / "dossier-21000101.json").read_text(encoding="utf-8"))
    doc["depenses"][0]["montant_ht"] = str(Decimal(doc["depenses"][0]["montant_ht"]) + 1)
    (changed / "dossier-21000101.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (changed / "dossier-21000102.json").write_bytes((EXAMPLES / "dossier-21000102.json").read_bytes())
    result = run("import", changed, "--workbook", workbook)
    assert result.exit_code == 0, result.output
    assert "1 aux dépenses reçues différentes (non reprises)" in result.output
    assert "non reprises (vérifiez la feuille « Dépenses ») : 21000101\n" in result.output
    assert sheet_values(workbook, L.DEPENSES) == before  # the agent's lines are kept as they are
    assert "1 aux dépenses reçues différentes" in sheet_values(workbook, L.JOURNAL)[-1][4]


def test_a_dossier_given_twice_to_one_import_gets_its_lines_once(workbook):
    from xlplugin.rules import default_reglement, default_territory, read_dossier
    from xlplugin.workbook.operations import import_into

    doc = json.loads((EXAMPLES / "dossier-21000101.json").read_text(encoding="utf-8"))
    dossier = read_dossier(doc, default_reglement())
    summary, _where = import_into(workbook, [dossier, dossier], default_reglement(), default_territory())
    expenses = load_workbook(workbook)[L.DEPENSES]
    lines = [r for r in expenses.iter_rows(min_row=2, values_only=True) if r[0] == 21000101]
    assert len(lines) == len(doc["depenses"]) > 0
    assert (summary.added, summary.unchanged, summary.expenses_differ) == ([21000101], [21000101], [])


def test_an_import_of_a_few_files_names_them_in_its_journal_line(workbook):
    result = run("import", RECEIVED, "--workbook", workbook)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in RECEIVED.iterdir() if p.suffix in (".json", ".xlsx", ".csv"))
    assert sheet_values(workbook, L.JOURNAL)[-1][3] == ", ".join(names)
    assert not list(workbook.parent.glob("*.fichiers.txt"))


@pytest.mark.slow
def test_ten_thousand_files_are_imported_and_their_list_kept_beside_the_workbook(workbook, tmp_path):
    # 10 000 names do not fit in one cell (32 767 characters): the import used to save nothing after all its
    # work. The journal line says how many files were read and where; the names go to a list of their own.
    received = tmp_path / "recus-de-la-campagne"
    received.mkdir()
    example = json.loads((EXAMPLES / "dossier-21000102.json").read_text(encoding="utf-8"))
    count = 10_000
    for i in range(count):
        example["numero"] = 60_000_000 + i
        (received / f"dossier-{60_000_000 + i}.json").write_text(json.dumps(example), encoding="utf-8")
    result = run("import", received, "--workbook", workbook)
    assert result.exit_code == 0, result.output
    assert "10000 ajouté(s), 0 mis à jour" in result.output
    # The terminal names the first numbers, not ten thousand of them.
    added = next(line for line in result.output.splitlines() if line.startswith("  Ajoutés : "))
    first = ", ".join(str(60_000_000 + i) for i in range(50))
    assert added == f"  Ajoutés : {first}… et 9\u202f950 autres (tous dans la feuille « Dossiers »)"
    assert len(column(workbook, "numero")) == count
    line = sheet_values(workbook, L.JOURNAL)[-1]
    assert line[2] == "Import" and "10000 ajouté(s)" in line[4]
    assert line[3].startswith(f"10\u202f000 fichiers lus dans {received} ; liste complète : suivi.import-")
    listing = workbook.parent / line[3].rsplit(" : ", 1)[1]
    assert listing.read_text(encoding="utf-8").splitlines() == [
        str(received / f"dossier-{60_000_000 + i}.json") for i in range(count)
    ]
    # Nothing new the second time: no line, no save, no backup, no list.
    files_before = sorted(workbook.parent.iterdir())
    digest = hashlib.sha256(workbook.read_bytes()).hexdigest()
    again = run("import", received, "--workbook", workbook, "--tout-recontroler")
    assert again.exit_code == 0, again.output
    assert "0 ajouté(s), 0 mis à jour, 10000 inchangé(s)" in again.output
    assert "Rien à écrire : suivi.xlsx contient déjà tout" in again.output
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == digest
    assert sorted(workbook.parent.iterdir()) == files_before
    # The same files again, recognised by the import's memory: the same words, nothing written.
    recalled = run("import", received, "--workbook", workbook)
    said = "Ni les fichiers ni le classeur n'ont changé depuis le dernier import"
    assert said in recalled.output
    assert [line for line in recalled.output.splitlines() if said not in line] == again.output.splitlines()
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == digest
    assert sorted(workbook.parent.iterdir()) == files_before


def test_an_import_and_an_allocation_run_with_the_cycle_collector_paused(workbook, monkeypatch):
    import gc

    from xlplugin.rules import default_reglement, default_territory, read_dossier
    from xlplugin.workbook import operations

    seen = []
    for name in ("import_dossiers", "allocate_book"):
        real = getattr(operations, name)

        def watched(*args, real=real, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(gc.isenabled())
            return real(*args, **kwargs)

        monkeypatch.setattr(operations, name, watched)
    reglement = default_reglement()
    dossier = read_dossier(json.loads((EXAMPLES / "dossier-21000102.json").read_text(encoding="utf-8")), reglement)
    operations.import_into(workbook, [dossier], reglement, default_territory())
    operations.allocate_into(workbook, reglement, "agent")
    assert seen == [False, False] and gc.isenabled()


def test_an_import_that_only_adds_the_tools_sheets_still_saves_them(tmp_path):
    # Every file refused: no dossier to write, but the office's workbook got the tool's sheets (staged, not
    # yet in the file) — that is something to write, with its journal line.
    path = office_workbook(tmp_path / "bureau.xlsx")
    bad = tmp_path / "recus"
    bad.mkdir()
    (bad / "tronque.json").write_text('{"numero": 1', encoding="utf-8")
    result = run("import", bad, "--workbook", path)
    assert result.exit_code == 1 and "Rien à écrire" not in result.output
    wb = load_workbook(path)
    assert {L.DEPENSES, L.PARAMETRES, L.REPARTITION, L.JOURNAL} <= set(wb.sheetnames)
    assert sheet_values(path, L.JOURNAL)[-1][2] == "Import"


def test_a_bad_expense_line_is_named_by_its_row_of_the_sheet(allocated_book, tmp_path):
    # The message said « Dépenses, ligne 3 » for row 4 of the sheet: it counted the lines under the header.
    path = tmp_path / "suivi.xlsx"
    book = load_workbook(allocated_book)
    ws = book[L.DEPENSES]
    letters = L.EXPENSE_TABLE.letters
    row = 4
    number = ws[f"{letters['dossier']}{row}"].value
    ws[f"{letters['nature']}{row}"] = "Voyage"
    book.save(path)
    assert run("allocate", "--workbook", path).exit_code == 0
    saved = load_workbook(path, data_only=True)[L.DOSSIERS]  # the figures saved with the formulas
    at = L.DOSSIER_TABLE.letters["assiette"]
    assiette = {saved[f"A{r}"].value: saved[f"{at}{r}"].value for r in range(2, saved.max_row + 1)}
    assert str(assiette[number]).startswith(f"Erreur : Dépenses, ligne {row}, nature : « Voyage »")


def test_an_expense_line_typed_below_the_named_rows_counts_in_excel_as_at_rest(allocated_book, tmp_path):
    # Found by comparing the figures at rest with the formulas computed again: a line typed under the rows the
    # « Dépenses » names cover counted in the allocation and at rest (the sheet read whole), not in Excel (the
    # functions read the names). The allocation stretches the names over it.
    from tests.acceptance.workbook_engine import compute

    path = tmp_path / "suivi.xlsx"
    book = load_workbook(allocated_book)
    end = int(book.defined_names["Dep_Dossier"].attr_text.rsplit("$", 1)[1])
    sheet = book[L.DOSSIERS]
    at = L.DOSSIER_TABLE.letters["assiette"]
    number = sheet["A2"].value
    before = load_workbook(allocated_book, data_only=True)[L.DOSSIERS][f"{at}2"].value
    below = end + 13
    expenses = book[L.DEPENSES]
    for key, value in (("dossier", number), ("nature", "Prestation de service"), ("montant", 1500)):
        expenses[f"{L.EXPENSE_TABLE.letters[key]}{below}"] = value
    book.save(path)
    # Read as the button in Excel reads it, which cannot stretch the names: the line is left out, as Excel's
    # functions leave it, and said.
    from xlplugin.rules import default_reglement
    from xlplugin.workbook.reading import read_tracking

    tracking = read_tracking(path, default_reglement())
    assert any(f"« Dépenses », ligne {below} : sous les lignes que lisent les fonctions" in n for n in tracking.notes)
    assert next(r for r in tracking.rows if r.number == number).evaluation.assiette == Decimal(str(before))
    assert run("allocate", "--workbook", path).exit_code == 0
    assert int(load_workbook(path).defined_names["Dep_Dossier"].attr_text.rsplit("$", 1)[1]) >= below
    at_rest = load_workbook(path, data_only=True)[L.DOSSIERS][f"{at}2"].value
    assert at_rest == before + 1500
    assert compute(path)[("DOSSIERS", f"{at}2")] == at_rest


def test_a_dossiers_second_row_and_a_mistyped_number_show_at_rest_what_excel_computes(allocated_book, tmp_path):
    # Found by comparing the figures at rest with the formulas computed again: the rows that are no dossier's own
    # were never computed, and kept the figures they held before (another dossier's, copied with its row).
    from tests.acceptance.workbook_engine import compute

    path = tmp_path / "suivi.xlsx"
    book = load_workbook(allocated_book)
    ws = book[L.DOSSIERS]
    ws["A3"] = ws["A2"].value  # a second row of the first dossier
    ws["A4"] = "--5"
    book.save(path)  # openpyxl keeps no figure: the formulas' cells are empty at rest
    assert run("allocate", "--workbook", path).exit_code == 0
    saved = load_workbook(path, data_only=True)[L.DOSSIERS]
    computed = compute(path)
    letters = L.DOSSIER_TABLE.letters
    for key in ("assiette", "eligible", "note", "taux", "montant"):
        for row in (3, 4):
            cell = f"{letters[key]}{row}"
            assert saved[cell].value is not None, cell
            assert saved[cell].value == computed[("DOSSIERS", cell)], cell
    assert str(saved[f"{letters['eligible']}4"].value).startswith("Erreur : n° de dossier")


@pytest.mark.parametrize(
    ("typed", "remaining", "overpaid"),
    [
        # the date meant for « Date de l'avance »: Excel's N() reads its serial number, 44 531 for 01/12/2021,
        # and the payments' check says what is wrong (it counted 0 at rest)
        (datetime(2021, 12, 1), lambda allocated: 0, lambda allocated: 44531 - allocated),
        # « 4600 » typed as text: N() reads 0 (it counted 4 600 at rest)
        ("4600", lambda allocated: allocated, lambda allocated: 0),
        # TRUE pasted from a ticked box: N() reads 1 (it counted nothing at rest)
        (True, lambda allocated: allocated - 1, lambda allocated: 0),
    ],
)
def test_a_payment_amount_is_figured_at_rest_as_excels_n_reads_it(allocated_book, tmp_path, typed, remaining, overpaid):
    # Found by comparing the figures at rest with the formulas computed again.
    from tests.acceptance.workbook_engine import compute

    path = tmp_path / "suivi.xlsx"
    book = load_workbook(allocated_book)
    ws = book[L.DOSSIERS]
    letters = L.DOSSIER_TABLE.letters
    row = next(r for r in range(2, ws.max_row + 1) if (ws[f"{letters['alloue']}{r}"].value or 0) > 4600)
    allocated = ws[f"{letters['alloue']}{row}"].value
    ws[f"{letters['avance']}{row}"] = typed
    book.save(path)
    assert run("allocate", "--workbook", path).exit_code == 0
    saved = load_workbook(path, data_only=True)[L.DOSSIERS]
    assert saved[f"{letters['reste_a_payer']}{row}"].value == remaining(allocated)
    assert saved[f"{letters['trop_percu']}{row}"].value == overpaid(allocated)
    assert bool(saved[f"{letters['controle_versements']}{row}"].value) == (overpaid(allocated) > 0)  # the alerts
    computed = compute(path)  # and what the formulas give, computed again
    for key in ("reste_a_payer", "trop_percu"):
        assert saved[f"{letters[key]}{row}"].value == computed[("DOSSIERS", f"{letters[key]}{row}")], key


def test_a_date_typed_in_allocated_counts_in_the_total_at_rest_as_excel_adds_it(allocated_book, tmp_path):
    # Found by comparing the figures at rest with the formulas computed again: the Répartition's SUMPRODUCT adds a
    # date typed in « Alloué » as its serial number (44 531 for 01/12/2021); the total at rest left it out.
    from tests.acceptance.workbook_engine import compute

    path = tmp_path / "suivi.xlsx"
    book = load_workbook(allocated_book)
    ws = book[L.DOSSIERS]
    letters = L.DOSSIER_TABLE.letters
    row = next(r for r in range(2, ws.max_row + 1) if (ws[f"{letters['alloue']}{r}"].value or 0) > 0)
    ws[f"{letters['alloue']}{row}"] = datetime(2021, 12, 1)
    book.save(path)
    received = tmp_path / "recus"
    received.mkdir()
    doc = json.loads((EXAMPLES / "dossier-21000102.json").read_text(encoding="utf-8"))
    doc["numero"] = 21_999_999
    (received / "dossier-21999999.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = run("import", received, "--workbook", path)  # a new dossier: the Répartition is written again
    assert "1 ajouté(s)" in result.output, result.output
    saved = load_workbook(path, data_only=True)
    numbers = [ws[f"{letters['numero']}{r}"].value for r in range(2, ws.max_row + 1)]
    others = sum(
        saved[L.DOSSIERS][f"{letters['alloue']}{r}"].value or 0
        for r in range(2, ws.max_row + 1)
        if r != row and numbers[r - 2] is not None
    )
    summary = {r[0].value: r[1].value for r in saved[L.REPARTITION].iter_rows(max_col=2) if r[0].value}
    assert summary["Total alloué"] == others + 44531
    assert compute(path)[("RÉPARTITION", "B4")] == summary["Total alloué"]


def test_the_payments_formulas_take_amounts_to_the_cent_and_dates_by_the_day_as_the_rules_do(allocated_book, tmp_path):
    # Found by comparing the figures at rest with the formulas computed again: a granted amount a formula left with
    # fractions of a cent was flagged by the rules and not by Excel, and a payment at 09:00 on the day of a decision
    # typed at 14:00 was « before the decision » for Excel only.
    from tests.acceptance.workbook_engine import compute

    path = tmp_path / "suivi.xlsx"
    book = load_workbook(allocated_book)
    ws = book[L.DOSSIERS]
    letters = L.DOSSIER_TABLE.letters
    funded = [r for r in range(2, ws.max_row + 1) if (ws[f"{letters['alloue']}{r}"].value or 0) > 9841][:2]
    cents, hours = funded
    typed = {
        cents: {"montant_accorde": 9840.0333333, "avance": 2952.01, "date_avance": datetime(2021, 12, 10)},
        hours: {"date_decision": datetime(2021, 11, 29, 14), "avance": 100, "date_avance": datetime(2021, 11, 29, 9)},
    }
    for row, cells in typed.items():
        ws[f"{letters['date_decision']}{row}"] = datetime(2021, 11, 29)
        for key, value in cells.items():
            ws[f"{letters[key]}{row}"] = value
    book.save(path)
    assert run("allocate", "--workbook", path).exit_code == 0
    saved = load_workbook(path, data_only=True)[L.DOSSIERS]
    computed = compute(path)
    for row in funded:
        for key in ("reste_a_payer", "trop_percu", "controle_versements"):
            cell = f"{letters[key]}{row}"
            assert (saved[cell].value or "") == (computed[("DOSSIERS", cell)] or ""), cell
    assert "avance" in saved[f"{letters['controle_versements']}{cents}"].value  # 2 952,01 € > 30 % of 9 840,03 €
    assert not saved[f"{letters['controle_versements']}{hours}"].value


def test_a_summary_row_that_holds_the_offices_words_is_left_as_it_is(workbook):
    # Found by a review: « Dossiers non classés » took row 8 of « Répartition », free in the workbooks of former
    # versions: what an office wrote there was written over.
    wb = load_workbook(workbook)
    wb[L.REPARTITION]["A8"], wb[L.REPARTITION]["B8"] = "Note du bureau", "à revoir en janvier"
    wb.save(workbook)
    run("import", EXAMPLES, "--workbook", workbook)
    assert run("allocate", "--workbook", workbook).exit_code == 0
    sheet = load_workbook(workbook)[L.REPARTITION]
    assert (sheet["A8"].value, sheet["B8"].value) == ("Note du bureau", "à revoir en janvier")
    assert sheet["A7"].value == "Dossiers en liste d'attente" and str(sheet["B7"].value).startswith("=COUNTIF")


def test_the_beneficiarys_address_comes_from_the_received_dossier_and_an_agents_stays(workbook):
    # Every letter lacked its postal address (« lettres sans adresse postale du bénéficiaire » for each dossier):
    # démarches-simplifiées gives that of the depositor's establishment; the import fills the cell while it is
    # blank, and never writes over an address the agent typed.
    assert run("import", RECEIVED, "--workbook", workbook).exit_code == 0
    address = column(workbook, "adresse")
    assert address[11000101] == "Place de la Mairie, 01000 Ambérieux-en-Dombes"
    wb = load_workbook(workbook)
    ws = wb[L.DOSSIERS]
    letters = L.DOSSIER_TABLE.letters
    rows = {ws[f"{letters['numero']}{r}"].value: r for r in range(2, ws.max_row + 1)}
    ws[f"{letters['adresse']}{rows[11000101]}"] = None  # cleared: the next import fills it again
    ws[f"{letters['adresse']}{rows[11000102]}"] = "Hôtel de communauté, 01100 Oyonnax"  # typed: kept
    wb.save(workbook)
    assert run("import", RECEIVED, "--workbook", workbook).exit_code == 0
    address = column(workbook, "adresse")
    assert address[11000101] == "Place de la Mairie, 01000 Ambérieux-en-Dombes"
    assert address[11000102] == "Hôtel de communauté, 01100 Oyonnax"
