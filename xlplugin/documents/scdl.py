"""Publication of the essential data of the grants: a CSV in the national SCDL « subventions » format.

Format: schema « subventions » of the Socle commun des données locales, version 2.1.1 (schema.data.gouv.fr,
scdl/subventions; https://gitlab.com/opendatafrance/scdl/subventions), which implements décret n° 2017-779 du
5 mai 2017 and the arrêté du 17 novembre 2017. One row per granted dossier (one beneficiary each, so
``pourcentageSubvention`` is 1.00); amounts with a decimal point; UTF-8, comma-separated.

Local choices, from the settings' « publication » block: every granted dossier above the threshold (0 by
default) is published, even without a convention; ``dateConvention`` is the date of the arrêté (no convention
is signed); ``datesPeriodeVersement`` is the period of the payments recorded, or, before any payment, from
the decision to the deadline of the proofs of completion.

A run restricted to some dossiers never shrinks the published file (``publish_scdl``): it keeps the rows of
the dossiers it was not asked for, as the tool last wrote them (the output folder's register,
``folder.Register``), and rewrites the file only when that is known; a row that leaves the file (a grant now
refused, a row to correct) is said by dossier.

Received text stays text when the file is opened in a spreadsheet: a value that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (a beneficiary's name, an arrêté number typed by the office) gets the OWASP
prefix, a single quote (``'=HYPERLINK(…)``). CSV quoting alone does not protect: Excel and LibreOffice evaluate
``"=1+1"`` as a formula. No value the tool itself writes begins so (dates, amounts, SIRET, the object's
prefix), and the schema's text fields accept the quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from xlplugin.documents.folder import REGISTER_NAME, Register, file_sha256, sha256, write_atomically
from xlplugin.documents.record import DecisionRecord
from xlplugin.documents.settings import DocumentSettings, proof_deadline
from xlplugin.rules import Reglement

SCDL_VERSION = "2.1.1"
COLUMNS = (
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
)
OBJECT_PREFIX = "France Relance, transformation numérique des collectivités : "
OBJECT_MAX = 256
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class PublicationError(ValueError):
    """The essential data cannot be published (French message naming what is missing)."""


class PublicationNotRewritten(PublicationError):
    """The CSV is left as it was, so it may not say what the documents say: the command fails (code 1)."""


def scdl_rows(
    records: Sequence[DecisionRecord], settings: DocumentSettings, reglement: Reglement
) -> list[dict[str, str]]:
    """One SCDL row per granted dossier whose amount is above the publication threshold."""
    return list(scdl_rows_by_dossier(records, settings, reglement).values())


def scdl_rows_by_dossier(
    records: Sequence[DecisionRecord], settings: DocumentSettings, reglement: Reglement
) -> dict[int, dict[str, str]]:
    """``scdl_rows``, by dossier."""
    if settings.grantor_siret is None:
        where = settings.fill_in("attribuant.siret (annuaire-entreprises.data.gouv.fr)")
        raise PublicationError(f"SIRET de l'attribuant manquant : {where} ; le format national l'exige (idAttribuant).")
    rows = {}
    for record in records:
        if not record.granted or record.amount <= settings.publication_threshold:
            continue
        if not record.beneficiary_siret:
            raise PublicationError(f"Dossier {record.number} : SIRET du bénéficiaire manquant (idBeneficiaire).")
        rows[record.number] = {
            "nomAttribuant": settings.grantor_name,
            "idAttribuant": settings.grantor_siret,
            "dateConvention": record.decided_on.isoformat(),
            "referenceDecision": record.order_number,
            "nomBeneficiaire": record.beneficiary_name,
            "idBeneficiaire": record.beneficiary_siret,
            "rnaBeneficiaire": "",
            "objet": _object(record.project_title),
            "montant": f"{record.amount:.2f}",
            "nature": settings.publication_nature,
            "conditionsVersement": settings.payment_conditions,
            "datesPeriodeVersement": _payment_period(record, settings, reglement),
            "idRAE": "",
            "notificationUE": "non",
            "pourcentageSubvention": "1.00",
            "dispositifAide": "",
        }
    return rows


def scdl_csv(records: Sequence[DecisionRecord], settings: DocumentSettings, reglement: Reglement) -> str:
    """The CSV text (header and rows)."""
    return csv_text(scdl_rows(records, settings, reglement))


def csv_text(rows: Sequence[Mapping[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: as_text(value) for key, value in row.items()} for row in rows)
    return out.getvalue()


def as_text(value: str) -> str:
    """``value`` as a spreadsheet keeps it text: ``'=1+1`` for ``=1+1`` (see the module's docstring)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_scdl_csv(
    records: Sequence[DecisionRecord], settings: DocumentSettings, reglement: Reglement, path: Path
) -> Path:
    """Write the CSV (UTF-8) at ``path``."""
    text = scdl_csv(records, settings, reglement)
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise PublicationError(f"Impossible d'écrire {path} ({exc.strerror}).") from None
    return path


def _object(title: str) -> str:
    text = OBJECT_PREFIX + " ".join(title.split())
    return text if len(text) <= OBJECT_MAX else text[: OBJECT_MAX - 1] + "…"


def _payment_period(record: DecisionRecord, settings: DocumentSettings, reglement: Reglement) -> str:
    dates = sorted(p.paid_on for p in record.payments if p.paid_on is not None)
    if dates:
        first, last = dates[0], dates[-1]
        return first.isoformat() if first == last else f"{first.isoformat()}/{last.isoformat()}"
    return f"{record.decided_on.isoformat()}/{proof_deadline(reglement, settings).isoformat()}"


SIGNED = "signed"  # a dossier whose decision is signed: its documents are kept as they are
BLOCKED = "blocked"  # a dossier whose documents this run did not write (a file would change, no --remplacer)
UNVERIFIED = "unverified"  # a signed dossier never published: its row is the workbook's, unchecked


@dataclass(frozen=True, slots=True)
class Publication:
    """The CSV written: its rows, those of this run and those kept for the dossiers not asked for, and the
    dossiers whose row left the file since the tool last wrote it; ``held``: the dossiers whose documents this
    run did not write, whose row is kept as last written while the workbook says something else, and the
    signed ones whose row comes from the workbook because the tool never published one (dossier → why)."""

    path: Path
    rows: int
    kept: int
    gone: tuple[int, ...]
    restricted: bool
    held: tuple[tuple[int, str], ...] = ()

    def message(self) -> str:
        text = f"Données essentielles (format SCDL « subventions ») : {self.path} ({self.rows} ligne(s)"
        if self.restricted:
            text += (
                f" : {self.rows - self.kept} pour les dossiers demandés, {self.kept} gardée(s) du fichier "
                "précédent pour les autres"
            )
        text += ")."
        if self.gone:
            listed = ", ".join(map(str, self.gone))
            text += (
                f" Plus de ligne pour le(s) dossier(s) {listed}, publié(s) dans la version précédente : plus "
                "accordé(s), sous le seuil de publication, ou leur ligne est à corriger (dit plus haut)."
            )
        return text

    def warnings(self) -> list[str]:
        """What the CSV says that the workbook does not (French, one sentence a dossier)."""
        said = {
            SIGNED: "décision signée : sa ligne des données essentielles reste celle publiée avec l'acte signé, "
            "alors que sa ligne du classeur dit autre chose aujourd'hui ; si la décision a changé depuis la "
            "signature, un nouvel acte est à signer (voir plus haut)",
            BLOCKED: "ses documents ne sont pas réécrits par ce lancement (voir plus haut) : sa ligne des données "
            "essentielles reste celle publiée avec eux, alors que sa ligne du classeur dit autre chose aujourd'hui ; "
            "elle suivra quand ils seront remplacés (--remplacer)",
            UNVERIFIED: "décision signée : sa ligne des données essentielles est écrite d'après le classeur, l'outil "
            "ne sait pas ce que dit l'acte signé ; vérifiez qu'elle dit la même chose (montant, date, n° d'arrêté)",
        }
        return [f"dossier {number} : {said[why]}." for number, why in self.held]


def publish_scdl(
    records: Sequence[DecisionRecord],
    settings: DocumentSettings,
    reglement: Reglement,
    path: Path,
    asked: Collection[int] | None = None,
    held: Mapping[int, str] | None = None,
) -> Publication:
    """Write the CSV at ``path`` for ``records``. ``asked``: the dossiers a restricted run was asked for (None:
    all): the rows of the others are kept as the tool last wrote them, and the file is not rewritten when they
    are not known (``PublicationError`` says why and what to do). ``held``: the dossiers whose documents this
    run did not write (dossier → ``SIGNED`` or ``BLOCKED``): the CSV says what their documents in the folder
    say, so their rows are kept as last written too; a signed dossier the tool never published gets the
    workbook's row (said), and the file is not rewritten when a blocked dossier's row is not known. Either way
    the register of ``path``'s folder records the rows written."""
    register = Register.load(path.parent)
    rows = scdl_rows_by_dossier(records, settings, reglement)
    previous = register.scdl_rows
    held = dict(held or {})
    kept: dict[int, dict[str, str]] = {}
    if asked is not None:
        there = file_sha256(path)
        if previous is None or (there is not None and there != register.scdl_sha256):
            if there is None:
                why = "il y manquerait les dossiers non demandés"
            elif previous is None:
                why = (
                    "l'outil ne sait pas quelles lignes du fichier sont celles des autres dossiers : son registre "
                    f"({path.parent / REGISTER_NAME}) ne les dit pas (fichier écrit par une version précédente, "
                    "ou registre supprimé ou illisible)"
                )
            else:
                why = "il a été modifié depuis que l'outil l'a écrit, ses lignes ne sont pas réécrites"
            raise PublicationNotRewritten(
                f"{path.name} n'est pas écrit par un lancement limité à quelques dossiers (--dossier) : {why} ; "
                "relancez la commande sans --dossier pour l'écrire en entier"
            )
        kept = {n: row for n, row in previous.items() if n not in asked}
    if previous is None and any(why == BLOCKED for why in held.values()):
        listed = ", ".join(str(n) for n, why in sorted(held.items()) if why == BLOCKED)
        raise PublicationNotRewritten(
            f"{path.name} n'est pas réécrit : les documents du (des) dossier(s) {listed} ne sont pas réécrits par "
            "ce lancement (voir plus haut), et cette version de l'outil ne sait pas quelle ligne a été publiée avec "
            "eux ; relancez avec --remplacer pour écrire leurs documents et le fichier"
        )
    said: list[tuple[int, str]] = []
    workbook_rows = dict(rows)
    for number, why in sorted(held.items()):
        if previous is None:  # only signed ones: nothing published is known, the workbook's row is written
            if number in rows:
                said.append((number, UNVERIFIED))
            continue
        before = previous.get(number)
        if before is None:
            rows.pop(number, None)
        else:
            rows[number] = before
        if before != workbook_rows.get(number):
            said.append((number, why))
    merged = dict(sorted((kept | rows).items()))
    text = csv_text(list(merged.values()))
    data = text.encode("utf-8")
    try:
        write_atomically(path, data)
        register.scdl_rows, register.scdl_sha256 = merged, sha256(data)
        register.save(path.parent)
    except OSError as exc:
        raise PublicationError(f"Impossible d'écrire {path} ({exc.strerror}).") from None
    gone = tuple(sorted(set(previous or {}) - set(merged)))
    return Publication(path, len(merged), len(kept), gone, asked is not None, tuple(said))
