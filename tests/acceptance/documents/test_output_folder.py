"""``guichet documents`` run again on its output folder: a signed decision is never written over, nor its
documents rewritten; a file that would change is replaced only with --remplacer, moved aside, never deleted,
and named before anything is written; a document that did not change is left as it is.

LibreOffice is stood in for (``fake_pdf``): each « PDF » holds the SHA-256 of the Word document it was made from,
so that the tests see which Word document a PDF copies, without LibreOffice and in a fraction of the time."""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from batch.cli import main
from tests.acceptance.documents.conftest import EXAMPLES, TEST_SIRET, office_decisions
from tests.acceptance.documents.test_render import docx_text
from tests.acceptance.documents.test_workbook_source import decided_workbook
from xlplugin.documents import OfficeDecision, PdfError, euros, render_documents
from xlplugin.documents import render as render_module
from xlplugin.documents.record import DecisionRecord
from xlplugin.documents.settings import DocumentSettings
from xlplugin.rules import Allocation, Reglement
from xlplugin.workbook import layout as L

DEMO = EXAMPLES.parent / "parametres-documents-demo.json"
SIGNED = "Décision signée (fichier PDF)"
ADDRESS = "Adresse du bénéficiaire"


@pytest.fixture
def fake_pdf(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """LibreOffice stood in for; the names of the files each conversion was given."""
    calls: list[list[str]] = []

    def convert(files: Sequence[Path], folder: Path, soffice: str | None = None) -> list[Path]:
        calls.append([f.name for f in files])
        produced = []
        for source in files:
            target = folder / f"{source.stem}.pdf"
            target.write_bytes(b"%PDF-1.7 copie de " + hashlib.sha256(source.read_bytes()).hexdigest().encode())
            produced.append(target)
        return produced

    monkeypatch.setattr(render_module, "find_soffice", lambda: "soffice")
    monkeypatch.setattr(render_module, "convert_to_pdf", convert)
    return calls


def run(workbook: Path, output: Path, *extra: str, settings: Path = DEMO) -> Result:
    args = ["documents", "--workbook", str(workbook), "--sortie", str(output), "--parametres", str(settings), *extra]
    return CliRunner().invoke(main, args)


def type_in(workbook: Path, number: int, cells: Mapping[str, object]) -> None:
    book = openpyxl.load_workbook(workbook)
    sheet = book[L.DOSSIERS]
    header = {cell.value: cell.column for cell in sheet[1]}
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == number)
    for name, value in cells.items():
        sheet.cell(row, header[name]).value = value
    book.save(workbook)


def contents(folder: Path, number: int | None = None) -> dict[str, bytes]:
    """The files of ``folder`` (those of dossier ``number``), by name."""
    return {
        p.name: p.read_bytes()
        for p in folder.iterdir()
        if p.is_file() and (number is None or p.name.startswith(f"{number}-"))
    }


def granted_pair(allocation: Allocation) -> list[OfficeDecision]:
    return [d for d in office_decisions(allocation).values() if d.decision == "accordée"][:2]


def test_a_signed_decision_is_never_written_over_nor_its_documents_rewritten(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    granted, other = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted, other])
    output = tmp_path / "documents"
    assert run(workbook, output).exit_code == 0
    signed = output / f"{granted.number}-arrete-attributif.pdf"
    signed.write_bytes(signed.read_bytes() + b"\n% signature electronique")  # signed, under the tool's own name
    before = contents(output, granted.number)
    # The reviewer's case: the signed file named in the row (relative to the workbook's folder), then an address
    # typed — the next run wrote a new, unsigned arrêté over the signed one, and ds decider would have sent it.
    type_in(workbook, granted.number, {SIGNED: f"documents/{signed.name}", ADDRESS: "1 place de la Mairie"})
    for extra in ([], ["--remplacer"], ["--sans-pdf", "--remplacer"]):
        result = run(workbook, output, *extra)
        assert result.exit_code == 0, result.output
        said = f"Décision signée, documents gardés tels quels : dossier {granted.number} (colonne « {SIGNED} » : "
        assert said + str(signed) in result.stdout
        assert "videz cette cellule, puis relancez avec --remplacer" in result.stdout
        assert contents(output, granted.number) == before, extra
        assert f"{other.number}-arrete-attributif.docx" in contents(output)  # the other dossier goes on
    assert not (output / "remplaces").exists()
    alone = run(workbook, output, "--dossier", str(granted.number))
    assert alone.exit_code == 1 and "la décision des dossiers choisis est signée" in alone.stderr
    assert contents(output, granted.number) == before


def test_a_file_another_row_names_as_its_signed_decision_is_kept_too(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    granted, other = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted, other])
    output = tmp_path / "documents"
    assert run(workbook, output).exit_code == 0
    before = contents(output, granted.number)
    # A path copied from the row above: the other dossier's row names this dossier's arrêté as its signed decision.
    type_in(workbook, other.number, {SIGNED: str(output / f"{granted.number}-arrete-attributif.pdf")})
    type_in(workbook, granted.number, {ADDRESS: "1 place de la Mairie"})
    result = run(workbook, output, "--remplacer")
    assert result.exit_code == 1, result.output  # nothing left to write: both are held
    held = (
        f"dossier {granted.number} ({output / f'{granted.number}-arrete-attributif.pdf'} est la décision signée que "
        f"nomme la colonne « {SIGNED} » du dossier {other.number})"
    )
    assert held in result.stdout
    assert contents(output, granted.number) == before


def test_a_document_that_would_change_is_replaced_only_with_remplacer_and_moved_aside(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    granted, other = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted, other])
    output = tmp_path / "documents"
    assert run(workbook, output).exit_code == 0
    before = contents(output)
    letter = f"{granted.number}-lettre-notification"
    type_in(workbook, granted.number, {ADDRESS: "1 place de la Mairie, 01000 Bourg-en-Bresse"})

    refused = run(workbook, output)
    assert refused.exit_code == 1, refused.output
    assert (
        f"À remplacer : dossier {granted.number} : rien n'est écrit pour lui, ces fichiers de {output} seraient "
        f"remplacés : {letter}.docx (différent de celui à écrire), {letter}.pdf (copie PDF d'un autre état du "
        "document Word)."
    ) in refused.stderr
    assert "relancez avec --remplacer" in refused.stderr
    assert contents(output) | {"documents-decisions.zip": b""} == before | {"documents-decisions.zip": b""}
    assert "2 autre(s) déjà à jour" in refused.stdout  # the other dossier's documents, as they were

    replaced = run(workbook, output, "--remplacer")
    assert replaced.exit_code == 0, replaced.output
    (aside,) = (output / "remplaces").iterdir()
    announced = f"Rangés dans {aside} avant d'écrire (remplacés ou plus à jour ; rien n'est effacé) : "
    announced += f"dossier {granted.number} : "
    assert announced in replaced.stdout
    assert replaced.stdout.index(announced) < replaced.stdout.index("document(s) écrit(s)")  # said before
    assert contents(aside) == {n: before[n] for n in (f"{letter}.docx", f"{letter}.pdf")}  # nothing deleted
    assert "1 place de la Mairie" in docx_text(output / f"{letter}.docx")
    pdf = (output / f"{letter}.pdf").read_bytes()
    assert hashlib.sha256((output / f"{letter}.docx").read_bytes()).hexdigest().encode() in pdf
    assert fake_pdf[-1] == [f"{letter}.docx"]  # the one document that changed, and only it, converted again
    again = run(workbook, output)
    assert again.exit_code == 0 and "0 document(s) écrit(s)" in again.stdout and "PDF déjà à jour" in again.stdout


def test_a_file_changed_by_hand_is_said_so_and_kept_aside(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    granted, _ = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted])
    output = tmp_path / "documents"
    assert run(workbook, output).exit_code == 0
    letter = output / f"{granted.number}-lettre-notification.docx"
    letter.write_bytes(letter.read_bytes() + b"corrected by hand")
    type_in(workbook, granted.number, {ADDRESS: "1 place de la Mairie"})
    result = run(workbook, output)
    assert result.exit_code == 1
    assert f"{letter.name} (différent de celui à écrire, et modifié depuis que l'outil l'a écrit)" in result.stderr
    edited = letter.read_bytes()
    assert run(workbook, output, "--remplacer").exit_code == 0
    (aside,) = (output / "remplaces").iterdir()
    assert (aside / letter.name).read_bytes() == edited


def test_a_run_without_pdf_leaves_no_old_pdf_beside_a_new_document(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    """The reviewer's case: « Montant accordé » lowered, then a run --sans-pdf left the old PDF (the old amount)
    beside the new Word document (the new one), looking current."""
    granted, _ = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted])
    output = tmp_path / "documents"
    assert run(workbook, output).exit_code == 0
    old_pdfs = {n: b for n, b in contents(output, granted.number).items() if n.endswith(".pdf")}
    lowered = allocation.grant(granted.number).allocated - 1000
    type_in(workbook, granted.number, {"Montant accordé": int(lowered)})
    refused = run(workbook, output, "--sans-pdf")
    assert refused.exit_code == 1
    for name in old_pdfs:
        assert f"{name} (copie PDF d'un autre état du document Word)" in refused.stderr
    done = run(workbook, output, "--sans-pdf", "--remplacer")
    assert done.exit_code == 0, done.output
    assert not [n for n in contents(output, granted.number) if n.endswith(".pdf")]  # no PDF says the old amount
    (aside,) = (output / "remplaces").iterdir()
    assert {n: b for n, b in contents(aside).items() if n.endswith(".pdf")} == old_pdfs
    assert euros(lowered) in docx_text(output / f"{granted.number}-arrete-attributif.docx")


def test_when_libreoffice_fails_no_old_pdf_is_left_either(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    granted, _ = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted])
    output = tmp_path / "documents"
    assert run(workbook, output).exit_code == 0
    type_in(workbook, granted.number, {"Montant accordé": int(allocation.grant(granted.number).allocated - 1000)})

    def fail(files: Sequence[Path], folder: Path, soffice: str | None = None) -> list[Path]:
        raise PdfError("LibreOffice n'a pas produit les PDF (code 1) ; les documents Word sont disponibles.")

    monkeypatch.setattr(render_module, "convert_to_pdf", fail)
    result = run(workbook, output, "--remplacer")
    assert result.exit_code == 0, result.output
    assert "LibreOffice n'a pas produit les PDF" in result.stdout
    assert not [n for n in contents(output, granted.number) if n.endswith(".pdf")]


def test_a_former_act_does_not_stay_when_the_decision_changes(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    granted, other = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted, other])
    output = tmp_path / "documents"
    assert run(workbook, output).exit_code == 0
    type_in(
        workbook, granted.number, {"Décision": "refusée", "Motif du refus": "Le projet a été retiré par son porteur."}
    )
    type_in(workbook, other.number, {"Décision": "classée sans suite"})
    refused = run(workbook, output)
    assert refused.exit_code == 1
    changed = "d'une décision qui a changé : le dossier est aujourd'hui refusé"
    assert f"{granted.number}-arrete-attributif.docx (arrêté attributif de subvention {changed})" in refused.stderr
    assert f"{granted.number}-lettre-notification.pdf (lettre de notification {changed})" in refused.stderr
    assert (
        f"dossier {other.number} : il n'a plus de document de l'outil, mais ceux d'avant sont encore" in refused.stderr
    )
    assert f"{other.number}-arrete-attributif.pdf (le dossier est classé sans suite" in refused.stderr
    assert not (output / f"{granted.number}-lettre-refus.docx").exists()  # nothing of that dossier written

    done = run(workbook, output, "--remplacer")
    assert done.exit_code == 0, done.output
    assert set(contents(output, granted.number)) == {f"{granted.number}-lettre-refus.{x}" for x in ("docx", "pdf")}
    assert not contents(output, other.number)
    (aside,) = (output / "remplaces").iterdir()
    assert len(contents(aside)) == 8  # two dossiers' arrêté and letter, Word and PDF: moved, not deleted


def test_the_old_documents_of_a_row_to_correct_are_said_to_be_old(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    granted, other = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted, other])
    output = tmp_path / "documents"
    assert run(workbook, output).exit_code == 0
    type_in(workbook, granted.number, {"Date de décision": "pas une date"})
    result = run(workbook, output)
    assert result.exit_code == 1
    assert f"Attention : dossier {granted.number} : ses documents d'avant restent dans {output}" in result.stderr
    assert "ne les signez ni ne les envoyez avant d'avoir corrigé la ligne" in result.stderr


def with_siret(folder: Path) -> Path:
    """The demo's settings with the préfecture's SIRET: the essential data are written."""
    settings = json.loads(DEMO.read_text(encoding="utf-8"))
    settings["attribuant"]["siret"] = TEST_SIRET
    path = folder / "parametres.json"
    path.write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
    return path


def archived(output: Path) -> set[str]:
    with zipfile.ZipFile(output / "documents-decisions.zip") as archive:
        return set(archive.namelist())


def published(output: Path) -> dict[str, dict[str, str]]:
    with (output / "donnees-essentielles-subventions.csv").open(encoding="utf-8") as stream:
        return {row["referenceDecision"]: row for row in csv.DictReader(stream)}


def test_a_run_restricted_to_some_dossiers_never_shrinks_the_archive_nor_the_published_data(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    """The reviewer's case: a full run wrote 61 files to the ZIP and 23 rows to the CSV; a rerun with --dossier
    21000102 replaced them with 2 files and 1 row, without a word — published, 22 grants dropped."""
    decisions = [d for d in office_decisions(allocation).values() if d.decision == "accordée"][:3]
    workbook = decided_workbook(tmp_path, decisions)
    output, settings = tmp_path / "documents", with_siret(tmp_path)
    full = run(workbook, output, settings=settings)
    assert full.exit_code == 0, full.output
    files, rows = archived(output), published(output)
    assert len(files) == 12 and len(rows) == 3
    csv_bytes = (output / "donnees-essentielles-subventions.csv").read_bytes()

    one = decisions[0]
    again = run(workbook, output, "--dossier", str(one.number), settings=settings)
    assert again.exit_code == 0, again.output
    assert archived(output) == files
    assert "(12 fichier(s), dont 8 d'autres dossiers (hors de ce lancement), déjà dans" in again.stdout
    assert (output / "donnees-essentielles-subventions.csv").read_bytes() == csv_bytes  # the full run's, exactly
    assert "(3 ligne(s) : 1 pour les dossiers demandés, 2 gardée(s) du fichier précédent pour les autres)" in (
        again.stdout
    )

    lowered = allocation.grant(one.number).allocated - 1000
    type_in(workbook, one.number, {"Montant accordé": int(lowered)})
    changed = run(workbook, output, "--dossier", str(one.number), "--remplacer", settings=settings)
    assert changed.exit_code == 0, changed.output
    now = published(output)
    assert set(now) == set(rows) and now[one.order_number]["montant"] == f"{lowered:.2f}"
    assert all(now[key] == row for key, row in rows.items() if key != one.order_number)
    assert archived(output) == files


def test_a_restricted_run_does_not_write_a_published_file_it_cannot_complete(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    granted, _ = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted])
    output, settings = tmp_path / "documents", with_siret(tmp_path)
    alone = run(workbook, output, "--dossier", str(granted.number), settings=settings)
    assert alone.exit_code == 1, alone.output  # the documents are written, the publication is not up to date
    assert "n'est pas écrit par un lancement limité à quelques dossiers (--dossier) : il y manquerait" in alone.stderr
    assert not (output / "donnees-essentielles-subventions.csv").exists()
    by_hand = output / "donnees-essentielles-subventions.csv"
    by_hand.write_text("écrit par une version précédente\n", encoding="utf-8")
    again = run(workbook, output, "--dossier", str(granted.number), settings=settings)
    assert "ne sait pas quelles lignes du fichier sont celles des autres dossiers" in again.stderr
    assert by_hand.read_text(encoding="utf-8") == "écrit par une version précédente\n"
    assert run(workbook, output, settings=settings).exit_code == 0  # a full run writes it whole
    assert granted.order_number in published(output)


def test_a_grant_that_leaves_the_published_data_is_named(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    granted, other = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted, other])
    output, settings = tmp_path / "documents", with_siret(tmp_path)
    assert run(workbook, output, settings=settings).exit_code == 0
    type_in(workbook, granted.number, {"Décision": "refusée", "Motif du refus": "Le projet a été retiré."})
    result = run(workbook, output, "--remplacer", settings=settings)
    assert result.exit_code == 0, result.output
    assert f"(1 ligne(s)). Plus de ligne pour le(s) dossier(s) {granted.number}, publié(s)" in result.stdout
    assert set(published(output)) == {other.order_number}


def test_the_same_document_gives_the_same_bytes(
    tmp_path: Path, records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement
) -> None:
    """Rendered twice, a document is the same file: a rerun knows what did not change."""
    first = render_documents(records[:2], settings, reglement_ain, tmp_path / "a", pdf=False)
    second = render_documents(records[:2], settings, reglement_ain, tmp_path / "b", pdf=False)
    assert [d.docx.read_bytes() for d in first.documents] == [d.docx.read_bytes() for d in second.documents]
    third = render_documents(records[:2], settings, reglement_ain, tmp_path / "a", pdf=False)
    assert all(d.unchanged for d in third.documents) and third.plan is not None and not third.plan.blocked


def test_the_published_data_say_what_the_acts_in_the_folder_say(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    """The reviewer's case: « Montant accordé » changed, a run without --remplacer wrote nothing for the dossier
    but published the new amount, while its arrêté in the folder (and the ZIP) still said the old one; the same
    for a signed decision whose row changed."""
    granted, other = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted, other])
    output, settings = tmp_path / "documents", with_siret(tmp_path)
    assert run(workbook, output, settings=settings).exit_code == 0
    rows = published(output)
    lowered = allocation.grant(granted.number).allocated - 1000
    type_in(workbook, granted.number, {"Montant accordé": int(lowered)})
    blocked = run(workbook, output, settings=settings)
    assert blocked.exit_code == 1
    assert published(output) == rows  # the arrêté in the folder says the old amount: so does the CSV
    assert f"Attention : dossier {granted.number} : ses documents ne sont pas réécrits par ce lancement" in (
        blocked.stderr
    )

    signed = output / f"{other.number}-arrete-attributif.pdf"
    type_in(
        workbook,
        other.number,
        {SIGNED: str(signed), "Montant accordé": int(allocation.grant(other.number).allocated - 500)},
    )
    done = run(workbook, output, "--remplacer", settings=settings)
    assert done.exit_code == 0, done.output
    now = published(output)
    assert now[granted.order_number]["montant"] == f"{lowered:.2f}"  # written this run: the new amount
    assert now[other.order_number] == rows[other.order_number]  # the signed act's
    assert f"Attention : dossier {other.number} : décision signée : sa ligne des données essentielles reste" in (
        done.stderr
    )


def test_a_run_restricted_to_a_dossier_classee_sans_suite_moves_its_old_act_aside(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    """The reviewer's case: --dossier X --remplacer on a dossier now « classée sans suite » left its old arrêté in
    the folder and told to correct a row that was right; only a full run moved it aside."""
    granted, other = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted, other])
    output = tmp_path / "documents"
    assert run(workbook, output).exit_code == 0
    before = contents(output, other.number)
    type_in(workbook, other.number, {"Décision": "classée sans suite"})
    named = run(workbook, output, "--dossier", str(other.number))
    assert named.exit_code == 1
    assert f"dossier {other.number} : il n'a plus de document de l'outil, mais ceux d'avant sont encore" in (
        named.stderr
    )
    assert "relancez avec --remplacer" in named.stderr and "corrigez les lignes" not in named.stderr
    assert contents(output, other.number) == before

    moved = run(workbook, output, "--dossier", str(other.number), "--remplacer")
    assert moved.exit_code == 0, moved.output
    assert not contents(output, other.number)
    (aside,) = (output / "remplaces").iterdir()
    assert contents(aside) == before  # moved, not deleted
    assert f"{granted.number}-arrete-attributif.docx" in contents(output)  # the other dossier's untouched


def test_the_archive_holds_only_current_documents(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    """The reviewer's case: the ZIP took every document file of the folder, so the old arrêté of a dossier not
    rewritten (no --remplacer) was zipped and counted as « d'autres dossiers, gardés tels quels »."""
    granted, other = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted, other])
    output = tmp_path / "documents"
    assert run(workbook, output).exit_code == 0
    others = set(contents(output, other.number))
    type_in(workbook, granted.number, {"Montant accordé": int(allocation.grant(granted.number).allocated - 1000)})
    blocked = run(workbook, output)
    assert blocked.exit_code == 1
    assert archived(output) == others  # the stale arrêté of the dossier not rewritten is not zipped
    assert "d'autres dossiers" not in blocked.stdout
    assert f"Les documents du (des) dossier(s) {granted.number}, encore dans {output}, n'y sont pas" in blocked.stdout

    mine = run(workbook, output, "--dossier", str(other.number))  # the other dossier's own files, untouched
    assert mine.exit_code == 0, mine.output
    assert archived(output) == others | set(contents(output, granted.number))  # outside this run: the tool's own
    assert "(8 fichier(s), dont 4 d'autres dossiers (hors de ce lancement)" in mine.stdout

    assert run(workbook, output, "--remplacer").exit_code == 0
    assert archived(output) == {n for n in contents(output) if n[0].isdigit()}  # all current again


def test_a_lost_register_is_said_as_such_and_a_stale_publication_fails(
    allocation: Allocation, tmp_path: Path, fake_pdf: list[list[str]]
) -> None:
    """The reviewer's case: the folder's register deleted, nothing changed in the workbook, every dossier with
    PDFs was refused as « PDF que cette version de l'outil n'a pas écrit » with « Vérifiez ce qui a changé dans
    le classeur »; and a restricted run whose CSV was not rewritten ended with code 0."""
    granted, other = granted_pair(allocation)
    workbook = decided_workbook(tmp_path, [granted, other])
    output, settings = tmp_path / "documents", with_siret(tmp_path)
    assert run(workbook, output, settings=settings).exit_code == 0
    (output / ".guichet-documents.json").unlink()
    result = run(workbook, output, settings=settings)
    assert result.exit_code == 1
    assert "PDF que l'outil ne peut pas reconnaître sans son registre" in result.stderr
    assert f"Le registre de l'outil ({output / '.guichet-documents.json'}) manque : sans lui" in result.stderr
    assert "même si rien n'a changé dans le classeur ; pour les remplacer, relancez avec --remplacer" in result.stderr
    assert "Vérifiez ce qui a changé" not in result.stderr

    restricted = run(workbook, output, "--dossier", str(granted.number), "--remplacer", settings=settings)
    assert restricted.exit_code == 1, restricted.output  # its documents are written, not the publication
    assert "n'est pas écrit par un lancement limité à quelques dossiers (--dossier) : l'outil ne sait pas" in (
        restricted.stderr
    )
    assert "registre supprimé ou illisible" in restricted.stderr
    assert run(workbook, output, "--remplacer", settings=settings).exit_code == 0  # a full run puts it right
