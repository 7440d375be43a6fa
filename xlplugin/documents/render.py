"""Render the decision documents of the decided dossiers: one Word file each, a ZIP of all, and PDF copies.

A granted dossier gets the arrêté attributif and the notification letter (and the convention when the
office's settings ask for one); a refused dossier gets the refusal letter. Before anything is written, every
model needed is checked (``models.check_model``) and the settings too: an unknown or missing placeholder, or
a missing signatory, stops the run with a French message naming it. The Word comments that cite the sources
in the models are removed from the rendered documents, and every paragraph gets French spacing
(``french.french_spacing``: the spaces before : ; ! ? % € », after «, inside numbers become non-breaking), in
the models' own text as in the values put into it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

import jinja2
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docxtpl import DocxTemplate

from xlplugin.documents.context import ARRETE, CONVENTION, NOTIFICATION, REFUSAL, document_context
from xlplugin.documents.french import french_spacing
from xlplugin.documents.models import ModelCheck, ModelError, check_model, model_path
from xlplugin.documents.pdf import NO_LIBREOFFICE, PdfError, convert_to_pdf, find_soffice
from xlplugin.documents.record import DecisionRecord
from xlplugin.documents.settings import DocumentSettings
from xlplugin.rules import Reglement

ARCHIVE_NAME = "documents-decisions.zip"
COMMENT_TAGS = (qn("w:commentRangeStart"), qn("w:commentRangeEnd"), qn("w:commentReference"))


class DocumentError(ValueError):
    """The documents cannot be produced; the French message says what to fix."""


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    number: int
    kind: str
    docx: Path
    pdf: Path | None = None


@dataclass(frozen=True, slots=True)
class RenderReport:
    """What was written: the documents, the ZIP, and a French sentence on the PDF copies."""

    documents: tuple[RenderedDocument, ...]
    archive: Path
    pdf_note: str

    @property
    def pdf_count(self) -> int:
        return sum(1 for d in self.documents if d.pdf is not None)


def kinds_for(record: DecisionRecord, settings: DocumentSettings) -> tuple[str, ...]:
    """The documents a decided dossier gets."""
    if not record.granted:
        return (REFUSAL,)
    if settings.wants_convention(record.amount):
        return (ARRETE, CONVENTION, NOTIFICATION)
    return (ARRETE, NOTIFICATION)


def document_name(number: int, kind: str) -> str:
    return f"{number}-{kind}.docx"


def check_models(
    kinds: Sequence[str], models: Path | Traversable | None = None
) -> dict[str, tuple[ModelCheck, Path | Traversable]]:
    """Check the model of each kind; ``ModelError`` lists the problems of every model at once."""
    checked, errors = {}, []
    for kind in dict.fromkeys(kinds):
        source = model_path(kind, models)
        try:
            checked[kind] = (check_model(kind, source), source)
        except ModelError as exc:
            errors.append(str(exc))
    if errors:
        raise ModelError("\n".join(errors))
    return checked


def render_documents(
    records: Sequence[DecisionRecord],
    settings: DocumentSettings,
    reglement: Reglement,
    output: Path,
    *,
    models: Path | Traversable | None = None,
    pdf: bool | None = None,
) -> RenderReport:
    """Write the documents of ``records`` in ``output``, then the ZIP; PDF copies when ``pdf`` is True, or when
    LibreOffice is installed if ``pdf`` is None. ``ModelError`` or ``DocumentError`` before anything is written."""
    if not records:
        raise DocumentError("Aucun dossier décidé : renseignez la décision (accordée ou refusée) des dossiers.")
    if not settings.signatory_name:
        raise DocumentError(
            f"Signataire inconnu : {settings.fill_in('signataire.nom (prénom et nom)')} ; toute décision porte le "
            "prénom, le nom et la qualité de son auteur (CRPA, art. L. 212-1)."
        )
    plan = [(record, kind) for record in records for kind in kinds_for(record, settings)]
    checked = check_models([kind for _, kind in plan], models)
    soffice = find_soffice() if pdf is not False else None
    if pdf is True and soffice is None:
        raise DocumentError(NO_LIBREOFFICE)
    rendered = [
        (record.number, kind, _render(checked[kind][1], document_context(record, settings, reglement)))
        for record, kind in plan
    ]

    try:
        output.mkdir(parents=True, exist_ok=True)
        documents = []
        for number, kind, data in rendered:
            path = output / document_name(number, kind)
            path.write_bytes(data)
            documents.append(RenderedDocument(number, kind, path))
    except OSError as exc:
        raise DocumentError(
            f"Impossible d'écrire dans {output} ({exc.strerror}) : choisissez un autre dossier."
        ) from None

    note = NO_LIBREOFFICE if soffice is None and pdf is None else "PDF non demandés."
    if soffice is not None:
        try:
            pdfs = convert_to_pdf([d.docx for d in documents], output, soffice)
        except PdfError as exc:
            note = str(exc)
        else:
            documents = [RenderedDocument(d.number, d.kind, d.docx, p) for d, p in zip(documents, pdfs, strict=True)]
            note = f"{len(pdfs)} PDF produits par LibreOffice."
    archive = write_archive(output / ARCHIVE_NAME, documents)
    return RenderReport(tuple(documents), archive, note)


def write_archive(path: Path, documents: Sequence[RenderedDocument]) -> Path:
    """A ZIP of every document (Word and PDF), flat."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            archive.write(document.docx, document.docx.name)
            if document.pdf is not None:
                archive.write(document.pdf, document.pdf.name)
    return path


def _render(source: Path | Traversable, context: dict[str, object]) -> bytes:
    """Render one model with ``context``; any placeholder left undefined is an error, never an empty string."""
    with source.open("rb") as stream:
        template = DocxTemplate(io.BytesIO(stream.read()))
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    try:
        template.render(context, jinja_env=environment)
    except jinja2.TemplateError as exc:
        name = getattr(source, "name", str(source))
        raise ModelError(f"Modèle {name} : {exc} ; corrigez la balise dans le modèle.") from None
    _strip_comments(template)
    _french_spacing(template)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def _french_spacing(template: DocxTemplate) -> None:
    """French spacing in every paragraph of the body, the headers and the footers. A paragraph's text is spread
    over runs: it is read whole, and each space to make non-breaking is changed where it is (same length)."""
    document = template.docx
    roots = [document.element.body]
    roots += [r.target_part.element for r in document.part.rels.values() if r.reltype in (RT.HEADER, RT.FOOTER)]
    for root in roots:
        for paragraph in root.iter(qn("w:p")):
            texts = [t for t in paragraph.iter(qn("w:t")) if t.text]
            whole = "".join(t.text for t in texts)
            spaced = french_spacing(whole)
            if spaced == whole or len(spaced) != len(whole):
                continue
            start = 0
            for node in texts:
                end = start + len(node.text)
                node.text = spaced[start:end]
                start = end


def _strip_comments(template: DocxTemplate) -> None:
    """Remove the models' source comments (anchors and the comments part) from a rendered document."""
    document = template.docx
    body = document.element.body
    for element in [e for e in body.iter() if e.tag in COMMENT_TAGS]:
        parent = element.getparent()
        parent.remove(element)
        if parent.tag == qn("w:r") and not len([c for c in parent if c.tag != qn("w:rPr")]):
            parent.getparent().remove(parent)
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype == RT.COMMENTS:
            document.part.drop_rel(rel_id)
