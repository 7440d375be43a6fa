"""The documents of the 40 example dossiers, opened again: beneficiary, amounts in figures and in words, rate,
mentions and motifs as the rules give them; with LibreOffice, the PDF text (pdftotext) and an image of an arrêté."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document

from tests.acceptance.documents.conftest import SIGNATORY, needs_libreoffice, needs_poppler
from xlplugin.documents import (
    ARRETE,
    CONVENTION,
    NOTIFICATION,
    REFUSAL,
    DocumentError,
    DocumentSettings,
    RenderReport,
    euros,
    euros_in_words,
    kinds_for,
    percent,
    render_documents,
)
from xlplugin.documents.record import DecisionRecord
from xlplugin.rules import Reglement


def docx_text(path: Path) -> str:
    """All the text of a Word document: body paragraphs, table cells, footers."""
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def flat(text: str) -> str:
    """Whitespace (line breaks, non-breaking spaces) collapsed; a word cut after a hyphen joined again."""
    text = re.sub(r"[\s\u00a0\u202f]+", " ", text)
    return re.sub(r"- (?=\w)", "-", text)


def documents_of(report: RenderReport, number: int) -> dict[str, Path]:
    return {d.kind: d.docx for d in report.documents if d.number == number}


def test_every_decided_dossier_gets_its_documents(
    rendered: RenderReport, records: list[DecisionRecord], settings: DocumentSettings
) -> None:
    expected = {(r.number, kind) for r in records for kind in kinds_for(r, settings)}
    assert {(d.number, d.kind) for d in rendered.documents} == expected
    assert len(expected) == 20 * 2 + 20
    for document in rendered.documents:
        assert document.docx.name == f"{document.number}-{document.kind}.docx" and document.docx.is_file()


def test_the_archive_holds_every_document(rendered: RenderReport) -> None:
    with zipfile.ZipFile(rendered.archive) as archive:
        names = set(archive.namelist())
    expected = {d.docx.name for d in rendered.documents} | {d.pdf.name for d in rendered.documents if d.pdf}
    assert names == expected


def test_arretes_state_the_rules_figures(rendered: RenderReport, records: list[DecisionRecord]) -> None:
    for record in (r for r in records if r.granted):
        text = flat(docx_text(documents_of(rendered, record.number)[ARRETE]))
        assert record.grant_rate is not None
        for expected in (
            f"ARRÊTÉ n° {record.order_number}",
            record.beneficiary_name,
            f"SIRET {record.beneficiary_siret}",
            f"« {record.project_title} »",
            f"montant maximum de {euros(record.amount)} ({euros_in_words(record.amount)})",
            f"La dépense subventionnable retenue s'élève à {euros(record.eligible_cost)} hors taxes",
            f"Le taux de subvention est de {percent(record.grant_rate)} de cette dépense",
            *record.calculation,
            "au plus tard le 31 décembre 2021 et soit achevé au plus tard le 31 décembre 2022",
            "Article 7 – Voies et délais de recours",
            "tribunal administratif de Lyon dans un délai de deux mois",
            "Fait à Bourg-en-Bresse, le 29 novembre 2021",
            SIGNATORY,
            "Vu l'avis du comité de programmation réuni le 22 novembre 2021",
        ):
            assert flat(expected) in text, f"{record.number} : « {expected} » manque dans l'arrêté"
        decree = "Vu le décret n° 2018-514 du 25 juin 2018"
        assert (decree in text) == (record.investment > 0), record.number
        assert "{{" not in text and "{%" not in text


def test_a_grant_of_operating_expenses_only_does_not_cite_the_investment_decree(
    rendered: RenderReport, records: list[DecisionRecord]
) -> None:
    operating_only = [r for r in records if r.granted and r.investment == 0]
    assert operating_only, "les exemples ont un dossier accordé de pur fonctionnement"
    text = docx_text(documents_of(rendered, operating_only[0].number)[ARRETE])
    assert "Vu le décret n° 2018-514" not in text and "dépense subventionnable retenue" in text
    assert "ne relèvent pas du décret" in flat(text) and "article 9-1 de la loi" in flat(text)


def test_notification_letters_give_the_amount_and_the_arrete(
    rendered: RenderReport, records: list[DecisionRecord]
) -> None:
    for record in (r for r in records if r.granted):
        text = flat(docx_text(documents_of(rendered, record.number)[NOTIFICATION]))
        assert flat(f"{euros(record.amount)} ({euros_in_words(record.amount)})") in text
        assert f"arrêté n° {record.order_number} du 29 novembre 2021" in text
        assert flat(f"« {record.beneficiary_name} »") in text
        partial_sentence = "les règles de l'appel conduisaient à"
        assert (partial_sentence in text) == record.partial
    partial = next(r for r in records if r.partial)
    assert "conduisaient à 45 500 €" in flat(docx_text(documents_of(rendered, partial.number)[NOTIFICATION]))


def test_refusal_letters_give_every_motif(rendered: RenderReport, records: list[DecisionRecord]) -> None:
    for record in (r for r in records if not r.granted):
        text = flat(docx_text(documents_of(rendered, record.number)[REFUSAL]))
        assert record.motifs
        for motif in record.motifs:
            assert flat(motif.message) in text, f"{record.number} : motif {motif.code} absent"
            assert motif.law and flat(motif.law) in text, f"{record.number} : droit du motif {motif.code} absent"
        assert record.beneficiary_name in text and "recours gracieux" in text
        assert "montant maximum" not in text


APPEAL_DELAY = (
    "dans un délai de deux mois à compter de sa notification (article R. 421-1 du code de justice administrative)"
)
APPEAL_INTERRUPTION = "(article L. 411-2 du code des relations entre le public et l'administration)"
DECREE_ARTICLE_12 = "décret n° 2018-514 du 25 juin 2018, article 12"
DECREE_ARTICLE_12_OPERATING = "plafond de l'article 12 du décret n° 2018-514 du 25 juin 2018"


def ceilings_source(record: DecisionRecord) -> str:
    """What Article 4 cites after each ceiling of the payments: the decree governs the investment part only."""
    if record.investment == 0:
        return f"({DECREE_ARTICLE_12_OPERATING}, condition de la présente subvention)"
    if record.operating > 0:
        return f"({DECREE_ARTICLE_12} ; pour la part de fonctionnement, condition de la présente subvention)"
    return f"({DECREE_ARTICLE_12})"


def test_every_legal_mention_cites_its_text_in_the_act_itself(
    rendered: RenderReport, records: list[DecisionRecord], reglement_ain: Reglement
) -> None:
    """The delay of appeal (two months), the interruption by a recours gracieux, and the ceilings of the advance
    and the instalments (30 %, 80 %) are stated with their text, in the words of the act, not only in the
    models' comments."""
    kinds_seen = set()
    for record in records:
        for kind, path in documents_of(rendered, record.number).items():
            text = flat(docx_text(path))
            kinds_seen.add(kind)
            assert flat(APPEAL_DELAY) in text, f"{path.name} : délai de recours sans son texte"
            assert flat(APPEAL_INTERRUPTION) in text, f"{path.name} : recours gracieux sans son texte"
        if record.granted:
            text = flat(docx_text(documents_of(rendered, record.number)[ARRETE]))
            source = ceilings_source(record)
            advance = f"une avance de {percent(reglement_ain.advance_max)} au plus du montant maximum {source}, soit"
            ceiling = f"ensemble {percent(reglement_ain.instalments_max)} du montant maximum {source}, soit"
            assert flat(advance) in text, f"{record.number} : plafond de l'avance sans son texte"
            assert flat(ceiling) in text, f"{record.number} : plafond des acomptes sans son texte"
    assert kinds_seen == {ARRETE, NOTIFICATION, REFUSAL}
    sources = {ceilings_source(r) for r in records if r.granted}
    assert len(sources) == 3, "les exemples ont des arrêtés d'investissement, de fonctionnement et mixtes"


def test_rendered_documents_carry_no_source_comment(rendered: RenderReport) -> None:
    for document in rendered.documents:
        with zipfile.ZipFile(document.docx) as archive:
            body = archive.read("word/document.xml").decode("utf-8")
            assert "commentReference" not in body and "commentRangeStart" not in body
            assert "word/comments.xml" not in archive.namelist()


def test_the_convention_is_rendered_when_the_settings_ask_for_it(
    tmp_path: Path, records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement
) -> None:
    chosen = dataclasses.replace(settings, convention=True, convention_threshold=Decimal("20000"))
    sample = [r for r in records if r.granted]
    report = render_documents(sample, chosen, reglement_ain, tmp_path, pdf=False)
    with_convention = {d.number for d in report.documents if d.kind == CONVENTION}
    assert with_convention == {r.number for r in sample if r.amount > 20000} == {21000118, 21000119, 21000120, 21000123}
    record = next(r for r in sample if r.number in with_convention)
    text = flat(docx_text(tmp_path / f"{record.number}-convention.docx"))
    assert "CONVENTION ATTRIBUTIVE DE SUBVENTION" in text
    assert flat(f"{euros(record.amount)} ({euros_in_words(record.amount)})") in text


def test_documents_need_a_signatory(
    tmp_path: Path, records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement
) -> None:
    unsigned = dataclasses.replace(settings, signatory_name="")
    with pytest.raises(DocumentError, match=r"signataire\.nom .* L\. 212-1"):
        render_documents(records, unsigned, reglement_ain, tmp_path / "sortie", pdf=False)
    assert not (tmp_path / "sortie").exists()


def test_special_characters_are_written_as_text(
    tmp_path: Path, records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement
) -> None:
    record = dataclasses.replace(records[0], project_title="Accueil <numérique> & « démarches »")
    report = render_documents([record], settings, reglement_ain, tmp_path, pdf=False)
    assert "« Accueil <numérique> & « démarches » »" in flat(docx_text(report.documents[0].docx))


@needs_libreoffice
@needs_poppler
def test_pdf_copies_read_like_the_word_documents(rendered: RenderReport, records: list[DecisionRecord]) -> None:
    assert rendered.pdf_count == len(rendered.documents), rendered.pdf_note
    by_number = {r.number: r for r in records}
    for document in rendered.documents:
        assert document.pdf is not None
        text = flat(
            subprocess.run(["pdftotext", str(document.pdf), "-"], capture_output=True, text=True, check=True).stdout
        )
        record = by_number[document.number]
        assert flat(record.beneficiary_name) in text, document.pdf.name
        if document.kind in (ARRETE, NOTIFICATION):
            assert flat(f"{euros(record.amount)} ({euros_in_words(record.amount)})") in text, document.pdf.name
        if document.kind == REFUSAL:
            assert all(flat(m.message) in text for m in record.motifs), document.pdf.name
        if document.kind == ARRETE:
            assert flat(f"du montant maximum {ceilings_source(record)}, soit") in text, document.pdf.name
        assert flat(APPEAL_DELAY) in text and flat(APPEAL_INTERRUPTION) in text, document.pdf.name
        assert SIGNATORY in text


@needs_libreoffice
@needs_poppler
def test_an_arrete_renders_to_an_image(rendered: RenderReport, tmp_path: Path) -> None:
    """The first page of an arrêté as PNG (tools: pdftoppm); the developer looks at it once: ready to sign."""
    arrete = next(d for d in rendered.documents if d.kind == ARRETE and d.pdf is not None)
    assert arrete.pdf is not None
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(arrete.pdf), str(tmp_path / "page")], check=True
    )
    (image,) = tmp_path.glob("page*.png")
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 10_000
    pages = subprocess.run(["pdfinfo", str(arrete.pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) <= 4  # type: ignore[union-attr]
