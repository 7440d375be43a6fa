"""Render the decision documents of the decided dossiers: one Word file each, a ZIP of the current ones, and PDF
copies.

A granted dossier gets the arrêté attributif and the notification letter (and the convention when the
office's settings ask for one); a refused dossier gets the refusal letter. Before anything is written, every
model needed is checked (``models.check_model``) and the settings too: an unknown or missing placeholder, or
a missing signatory, stops the run with a French message naming it. The Word comments that cite the sources
in the models are removed from the rendered documents, and every paragraph gets French spacing
(``french.french_spacing``: the spaces before : ; ! ? % € », after «, inside numbers become non-breaking), in
the models' own text as in the values put into it. The same document gives the same bytes (the package's
entries carry a fixed date), so that a rerun knows a document that did not change.

What the folder already holds is judged before anything is written (``plan_documents``), and said by the
caller before ``write_documents`` acts:

- a dossier whose decision is signed (its row's « Décision signée (fichier PDF) » is filled), or one of whose
  files another row names as its signed decision, keeps its files as they are: nothing of it is written,
  moved or converted;
- a document already there byte for byte is left as it is, and so is its PDF when the tool made it from that
  very document and nobody changed it since (``folder.Register``);
- any other file a dossier's documents would write over is replaced only when the caller says so
  (``replace``, the command's ``--remplacer``), and then moved aside into ``remplaces/<date>/`` of the output
  folder, never deleted; without it, nothing of that dossier is written;
- so is every file of a dossier that no longer matches what the run writes, so that none is left looking
  current: a PDF of another state of its document (even when the run makes no PDF, or LibreOffice fails),
  the documents of a kind the dossier no longer gets (the arrêté of a dossier now refused), the documents of a
  dossier that gets none any more (``orphans``: classée sans suite, decision cleared).

The ZIP holds only current documents (``_archived``): never those a dossier of the run left as they were.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib.resources.abc import Traversable
from pathlib import Path

import jinja2
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docxtpl import DocxTemplate

from xlplugin.documents.context import ARRETE, CONVENTION, KINDS, NOTIFICATION, REFUSAL, TITLES, document_context
from xlplugin.documents.folder import (
    DOCUMENT_NAME,
    Entry,
    Register,
    file_sha256,
    path_key,
    sha256,
    write_atomically,
)
from xlplugin.documents.french import french_spacing
from xlplugin.documents.models import ModelCheck, ModelError, check_model, model_path
from xlplugin.documents.pdf import NO_LIBREOFFICE, PdfError, convert_to_pdf, find_soffice
from xlplugin.documents.record import DecisionRecord
from xlplugin.documents.settings import DocumentSettings
from xlplugin.rules import Reglement
from xlplugin.workbook import layout as L

ARCHIVE_NAME = "documents-decisions.zip"
ASIDE_FOLDER = "remplaces"
SIGNED_COLUMN = L.DOSSIER_TABLE.by_key["decision_signee"].header  # « Décision signée (fichier PDF) »
COMMENT_TAGS = (qn("w:commentRangeStart"), qn("w:commentRangeEnd"), qn("w:commentReference"))
PACKAGE_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a ZIP entry holds: the same document, the same bytes


class DocumentError(ValueError):
    """The documents cannot be produced; the French message says what to fix."""


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    number: int
    kind: str
    docx: Path
    pdf: Path | None = None
    unchanged: bool = False  # already in the folder byte for byte: not written again


@dataclass(frozen=True, slots=True)
class Outdated:
    """A file of the output folder that a dossier's documents would replace, and why (French)."""

    name: str
    why: str

    def __str__(self) -> str:
        return f"{self.name} ({self.why})"


@dataclass(frozen=True, slots=True)
class DossierPlan:
    """What a run does for one dossier: the Word documents it should have, those already there byte for byte,
    the PDF copies already made from them, and the files of the folder that its documents would replace."""

    number: int
    granted: bool
    documents: tuple[tuple[str, bytes], ...]  # (kind, Word document)
    unchanged: frozenset[str] = frozenset()
    current_pdfs: frozenset[str] = frozenset()
    outdated: tuple[Outdated, ...] = ()

    def listed(self) -> str:
        return ", ".join(map(str, self.outdated))


@dataclass(frozen=True, slots=True)
class SignedDossier:
    """A dossier whose documents are not written: its decision is signed (``named_by`` is itself), or ``file``,
    one of its documents, is the signed decision another row names."""

    number: int
    file: Path
    named_by: int

    def message(self, output: Path) -> str:
        if self.named_by == self.number:
            where = f"colonne « {SIGNED_COLUMN} » : {self.file}"
        else:
            where = (
                f"{self.file} est la décision signée que nomme la colonne « {SIGNED_COLUMN} » du dossier "
                f"{self.named_by}"
            )
        return (
            f"dossier {self.number} ({where}) : ses documents de {output} ne sont ni réécrits ni déplacés, pour ne "
            "pas remplacer ni contredire un acte signé. Si la décision a changé depuis la signature, un nouvel "
            "acte est à signer : videz cette cellule, puis relancez avec --remplacer (les anciens fichiers sont "
            f"rangés dans {output / ASIDE_FOLDER}, rien n'est effacé)"
        )


@dataclass(frozen=True)
class DocumentPlan:
    """What ``write_documents`` will do, judged before anything is written: the dossiers whose documents are
    written (``dossiers``; those with ``outdated`` files move them aside into ``aside`` first), those refused
    because files would be replaced without ``replace`` (``blocked``), those whose decision is signed; and, for
    a run restricted to some dossiers, which (``asked``)."""

    output: Path
    replace: bool
    pdf: bool | None
    soffice: str | None
    dossiers: tuple[DossierPlan, ...]
    blocked: tuple[DossierPlan, ...]
    signed: tuple[SignedDossier, ...]
    aside: Path
    asked: frozenset[int] | None = None  # a restricted run's dossiers (None: all)
    lost: str | None = None  # why the tool cannot tell its own files (register missing or unreadable)

    @property
    def replaced(self) -> tuple[DossierPlan, ...]:
        return tuple(d for d in self.dossiers if d.outdated)

    def blocked_message(self, dossier: DossierPlan) -> str:
        if not dossier.documents:
            return (
                f"dossier {dossier.number} : il n'a plus de document de l'outil, mais ceux d'avant sont encore dans "
                f"{self.output} : {dossier.listed()}. Pour les ranger à part, relancez avec --remplacer (dans "
                f"{self.output / ASIDE_FOLDER}, rien n'est effacé)"
            )
        why = f"{self.lost[0].upper()}{self.lost[1:]}" if self.lost else "Vérifiez ce qui a changé dans le classeur"
        return (
            f"dossier {dossier.number} : rien n'est écrit pour lui, ces fichiers de {self.output} seraient "
            f"remplacés : {dossier.listed()}. {why} ; pour les remplacer, relancez avec --remplacer (les anciens "
            f"seront rangés dans {self.output / ASIDE_FOLDER}, rien n'est effacé)"
        )

    def replaced_message(self) -> str:
        listed = " ; ".join(f"dossier {d.number} : {d.listed()}" for d in self.replaced)
        return f"Rangés dans {self.aside} avant d'écrire (remplacés ou plus à jour ; rien n'est effacé) : {listed}."


@dataclass(frozen=True, slots=True)
class RenderReport:
    """What was written: the documents, the ZIP, and a French sentence on the PDF copies; and the plan it
    followed (the dossiers refused, those whose decision is signed)."""

    documents: tuple[RenderedDocument, ...]
    archive: Path
    pdf_note: str
    plan: DocumentPlan | None = None
    archived: tuple[str, ...] = ()  # the names of the files the ZIP holds
    archived_others: int = 0  # of them, the tool's own untouched files of dossiers outside a restricted run
    archived_signed: int = 0  # of them, the files of the dossiers whose decision is signed, kept as they are
    left_out: tuple[int, ...] = ()  # the dossiers of the folder with document files not in the ZIP (not current)

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


def document_name(number: int, kind: str, suffix: str = ".docx") -> str:
    return f"{number}-{kind}{suffix}"


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
    replace: bool = False,
    signed: Mapping[int, Path] | None = None,
    orphans: Mapping[int, str] | None = None,
    asked: Collection[int] | None = None,
) -> RenderReport:
    """Write the documents of ``records`` in ``output``, then the ZIP; PDF copies when ``pdf`` is True, or when
    LibreOffice is installed if ``pdf`` is None (``plan_documents``, then ``write_documents``)."""
    plan = plan_documents(
        records,
        settings,
        reglement,
        output,
        models=models,
        pdf=pdf,
        replace=replace,
        signed=signed,
        orphans=orphans,
        asked=asked,
    )
    return write_documents(plan)


def plan_documents(
    records: Sequence[DecisionRecord],
    settings: DocumentSettings,
    reglement: Reglement,
    output: Path,
    *,
    models: Path | Traversable | None = None,
    pdf: bool | None = None,
    replace: bool = False,
    signed: Mapping[int, Path] | None = None,
    orphans: Mapping[int, str] | None = None,
    asked: Collection[int] | None = None,
) -> DocumentPlan:
    """Render the documents of ``records`` in memory and judge what the folder ``output`` already holds (see
    the module's docstring); nothing is written. ``signed``: every row of the workbook whose « Décision
    signée » is filled, dossier → the file it names. ``orphans``: the dossiers of the run that have no
    document any more, dossier → why (French: « classé sans suite »); their old documents are moved aside
    like the files a document replaces. ``asked``: the dossiers a restricted run was asked for (None: all),
    whose untouched files of the others the ZIP keeps. ``ModelError`` or ``DocumentError`` when no document can be
    produced. With no record, only the orphans' old documents are judged."""
    if not records and not orphans:
        raise DocumentError("Aucun dossier décidé : renseignez la décision (accordée ou refusée) des dossiers.")
    if records and not settings.signatory_name:
        raise DocumentError(
            f"Signataire inconnu : {settings.fill_in('signataire.nom (prénom et nom)')} ; toute décision porte le "
            "prénom, le nom et la qualité de son auteur (CRPA, art. L. 212-1)."
        )
    plan = [(record, kind) for record in records for kind in kinds_for(record, settings)]
    checked = check_models([kind for _, kind in plan], models)
    soffice = find_soffice() if pdf is not False else None
    if pdf is True and soffice is None:
        raise DocumentError(NO_LIBREOFFICE)
    signed_files = {path_key(path): number for number, path in (signed or {}).items()}
    register = Register.load(output)
    dossiers: list[DossierPlan] = []
    blocked: list[DossierPlan] = []
    signed_dossiers: list[SignedDossier] = []
    for record in records:
        held = _signed_dossier(record.number, output, signed or {}, signed_files)
        if held is not None:
            signed_dossiers.append(held)
            continue
        documents = tuple(
            (kind, _render(checked[kind][1], document_context(record, settings, reglement)))
            for kind in kinds_for(record, settings)
        )
        dossier = _judge(record.number, record.granted, documents, output, register)
        (blocked if dossier.outdated and not replace else dossiers).append(dossier)
    for number, why in sorted((orphans or {}).items()):
        # A dossier that has no document any more (classée sans suite, decision cleared): its old ones are
        # never left looking current.
        held = _signed_dossier(number, output, signed or {}, signed_files)
        if held is not None:
            if existing_documents(output, number):
                signed_dossiers.append(held)
            continue
        left = _orphan(number, why, output)
        if left.outdated:
            (blocked if not replace else dossiers).append(left)
    return DocumentPlan(
        output,
        replace,
        pdf,
        soffice,
        tuple(dossiers),
        tuple(blocked),
        tuple(signed_dossiers),
        aside_folder(output),
        None if asked is None else frozenset(asked),
        register.lost(output),
    )


def _signed_dossier(
    number: int, output: Path, signed: Mapping[int, Path], signed_files: Mapping[str, int]
) -> SignedDossier | None:
    """Whether the dossier's documents must be left as they are: its decision is signed, or a file of its own
    is the signed decision another row names (a path copied from the row above, a signed PDF saved under the
    name of another dossier's document)."""
    if number in signed:
        return SignedDossier(number, signed[number], number)
    for kind in KINDS:
        for suffix in (".docx", ".pdf"):
            path = output / document_name(number, kind, suffix)
            named_by = signed_files.get(path_key(path))
            if named_by is not None:
                return SignedDossier(number, path, named_by)
    return None


def _judge(
    number: int,
    granted: bool,
    documents: tuple[tuple[str, bytes], ...],
    output: Path,
    register: Register,
) -> DossierPlan:
    """Compare a dossier's documents with what the folder holds: the documents already there, the PDF copies
    still true to them, and the files that no longer match, each with why: those the documents would replace,
    a PDF of another state of its document (even when this run makes no PDF: it would stay beside a document
    that says something else), the documents of a kind the dossier no longer gets (an arrêté after the
    decision became a refusal)."""
    unchanged, current_pdfs, outdated = set(), set(), []
    planned = {kind for kind, _ in documents}
    for kind in KINDS:
        if kind in planned:
            continue
        for suffix in (".docx", ".pdf"):
            path = output / document_name(number, kind, suffix)
            if path.is_file():
                outdated.append(Outdated(path.name, _why_former(kind, granted)))
    for kind, data in documents:
        docx = output / document_name(number, kind)
        pdf = output / document_name(number, kind, ".pdf")
        there = _read(docx)
        if there == data:
            unchanged.add(docx.name)
        elif there is not None:
            outdated.append(Outdated(docx.name, _why_docx(register, docx, there)))
        if pdf.is_file():
            entry = register.files.get(pdf.name)
            if entry is not None and entry.source == sha256(data) and register.is_own(pdf):
                current_pdfs.add(pdf.name)
            else:
                outdated.append(Outdated(pdf.name, _why_pdf(register, pdf)))
    return DossierPlan(number, granted, documents, frozenset(unchanged), frozenset(current_pdfs), tuple(outdated))


def existing_documents(output: Path, number: int) -> list[str]:
    """The names of the documents of dossier ``number`` that the folder holds."""
    return [
        path.name
        for kind in KINDS
        for suffix in (".docx", ".pdf")
        if (path := output / document_name(number, kind, suffix)).is_file()
    ]


def _orphan(number: int, why: str, output: Path) -> DossierPlan:
    """A dossier of the run that has no document any more, and the documents of it the folder still holds."""
    return DossierPlan(number, False, (), outdated=tuple(Outdated(n, why) for n in existing_documents(output, number)))


def _why_former(kind: str, granted: bool) -> str:
    if kind == CONVENTION and granted:
        return f"{TITLES[kind]} que les paramètres ne demandent plus pour ce dossier"
    now = "accordé" if granted else "refusé"
    return f"{TITLES[kind]} d'une décision qui a changé : le dossier est aujourd'hui {now}"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DocumentError(f"Impossible de lire {path} ({exc.strerror}) : vérifiez les droits du dossier.") from None


def _why_docx(register: Register, path: Path, there: bytes) -> str:
    if register.is_own(path, sha256(there)):
        return "différent de celui à écrire"
    if path.name in register.files:
        return "différent de celui à écrire, et modifié depuis que l'outil l'a écrit"
    if register.state != "read":
        return "différent de celui à écrire"
    return "différent de celui à écrire, et pas écrit par cette version de l'outil"


def _why_pdf(register: Register, path: Path) -> str:
    if register.is_own(path):
        return "copie PDF d'un autre état du document Word"
    if path.name in register.files:
        return "PDF modifié depuis que l'outil l'a écrit"
    if register.state != "read":
        return "PDF que l'outil ne peut pas reconnaître sans son registre"
    return "PDF que cette version de l'outil n'a pas écrit"


def aside_folder(output: Path) -> Path:
    """Where this run moves the files it replaces: a folder of its own, named after the date and time."""
    folder = output / ASIDE_FOLDER / f"{datetime.now():%Y-%m-%d_%Hh%Mm%Ss}"
    candidate, n = folder, 1
    while candidate.exists():
        n += 1
        candidate = folder.with_name(f"{folder.name}-{n}")
    return candidate


def write_documents(plan: DocumentPlan) -> RenderReport:
    """Do what ``plan`` says: move aside the files it replaces, write the Word documents that changed, convert
    to PDF those without a PDF true to them, write the ZIP and the register."""
    output = plan.output
    register = Register.load(output)
    documents: list[RenderedDocument] = []
    try:
        output.mkdir(parents=True, exist_ok=True)
        for dossier in plan.replaced:
            plan.aside.mkdir(parents=True, exist_ok=True)
            for old in dossier.outdated:
                os.replace(output / old.name, plan.aside / old.name)
                register.files.pop(old.name, None)
        for dossier in plan.dossiers:
            for kind, data in dossier.documents:
                path = output / document_name(dossier.number, kind)
                same = path.name in dossier.unchanged
                if not same:
                    write_atomically(path, data)
                register.files[path.name] = Entry(dossier.number, sha256(data))
                pdf = output / document_name(dossier.number, kind, ".pdf")
                kept = pdf if pdf.name in dossier.current_pdfs else None
                documents.append(RenderedDocument(dossier.number, kind, path, kept, unchanged=same))
    except OSError as exc:
        with contextlib.suppress(OSError):
            register.save(output)  # what was moved and written so far
        where = f" : {Path(exc.filename).name}" if exc.filename else ""
        raise DocumentError(
            f"Impossible d'écrire dans {output} ({exc.strerror}{where}) : fermez ce fichier s'il est ouvert (Word, "
            "lecteur PDF), ou choisissez un autre dossier, puis relancez."
        ) from None

    documents, note = _pdf_copies(plan, documents, register)
    current, others, held = _archived(plan, documents, register)
    names = tuple(sorted(current | others | held))
    left_out = {
        int(match.group(1))
        for path in output.iterdir()
        if (match := DOCUMENT_NAME.match(path.name)) and path.is_file() and path.name not in names
    }
    try:
        register.save(output)
        archive, archived = write_archive(output / ARCHIVE_NAME, output, names)
    except OSError as exc:
        raise DocumentError(
            f"Impossible d'écrire dans {output} ({exc.strerror}) : les documents sont écrits, pas l'archive ; relancez."
        ) from None
    return RenderReport(
        tuple(documents), archive, note, plan, archived, len(others), len(held), tuple(sorted(left_out))
    )


def _archived(
    plan: DocumentPlan, documents: Sequence[RenderedDocument], register: Register
) -> tuple[set[str], set[str], set[str]]:
    """The files the ZIP holds, all current: the documents of this run (written or found unchanged, and their
    PDF copies true to them); of the dossiers outside a restricted run, the files the tool wrote and nobody
    changed since; the files of the dossiers whose decision is signed, kept as they are. Never the documents
    of a dossier of this run left as they were (refused without --remplacer, a row to correct, no document
    any more): they do not say what the workbook says."""
    current = {d.docx.name for d in documents} | {d.pdf.name for d in documents if d.pdf is not None}
    held = {name for dossier in plan.signed for name in existing_documents(plan.output, dossier.number)}
    others: set[str] = set()
    if plan.asked is not None:
        for path in plan.output.iterdir():
            match = DOCUMENT_NAME.match(path.name)
            if match and int(match.group(1)) not in plan.asked and path.is_file() and register.is_own(path):
                others.add(path.name)
    return current, others - held, held - current


def _pdf_copies(
    plan: DocumentPlan, documents: list[RenderedDocument], register: Register
) -> tuple[list[RenderedDocument], str]:
    """Convert to PDF the documents without a PDF true to them, in a folder of their own, then move each PDF
    beside its document: LibreOffice never writes over a file of the output folder."""
    if plan.soffice is None:
        return documents, NO_LIBREOFFICE if plan.pdf is None else "PDF non demandés."
    if not documents:
        return documents, "Aucun PDF à produire."
    missing = [d for d in documents if d.pdf is None]
    kept = len(documents) - len(missing)
    already = f" ; {kept} déjà à jour, gardés" if kept else ""
    if not missing:
        return documents, f"PDF déjà à jour ({kept}), gardés."
    try:
        with tempfile.TemporaryDirectory(dir=plan.output, prefix=".guichet-pdf-") as folder:
            pdfs = convert_to_pdf([d.docx for d in missing], Path(folder), plan.soffice)
            made = {}
            for document, produced in zip(missing, pdfs, strict=True):
                target = document.docx.with_suffix(".pdf")
                os.replace(produced, target)
                source = register.files[document.docx.name].sha256
                register.files[target.name] = Entry(document.number, file_sha256(target) or "", source)
                made[document.docx] = target
    except PdfError as exc:
        return documents, f"{exc}{already}"
    except OSError as exc:
        return documents, f"PDF non produits : impossible d'écrire dans {plan.output} ({exc.strerror}){already}."
    converted = [RenderedDocument(d.number, d.kind, d.docx, made.get(d.docx, d.pdf), d.unchanged) for d in documents]
    return converted, f"{len(made)} PDF produits par LibreOffice{already}."


def write_archive(path: Path, folder: Path, names: Sequence[str]) -> tuple[Path, tuple[str, ...]]:
    """A ZIP of the files ``names`` of ``folder`` (``_archived``: the current documents), flat; and their
    names."""
    names = tuple(names)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                archive.write(folder / name, name)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
    return path, names


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
    return _reproducible(out.getvalue())


def _reproducible(package: bytes) -> bytes:
    """The same package with every entry dated ``PACKAGE_DATE``: the same document gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=PACKAGE_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info))
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
