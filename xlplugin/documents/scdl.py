"""Publication of the essential data of the grants: a CSV in the national SCDL « subventions » format.

Format: schema « subventions » of the Socle commun des données locales, version 2.1.1 (schema.data.gouv.fr,
scdl/subventions; https://gitlab.com/opendatafrance/scdl/subventions), which implements décret n° 2017-779 du
5 mai 2017 and the arrêté du 17 novembre 2017. One row per granted dossier (one beneficiary each, so
``pourcentageSubvention`` is 1.00); amounts with a decimal point; UTF-8, comma-separated.

Local choices, from the settings' « publication » block: every granted dossier above the threshold (0 by
default) is published, even without a convention; ``dateConvention`` is the date of the arrêté (no convention
is signed); ``datesPeriodeVersement`` is the period of the payments recorded, or, before any payment, from
the decision to the deadline of the proofs of completion.

Received text stays text when the file is opened in a spreadsheet: a value that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (a beneficiary's name, an arrêté number typed by the office) gets the OWASP
prefix, a single quote (``'=HYPERLINK(…)``). CSV quoting alone does not protect: Excel and LibreOffice evaluate
``"=1+1"`` as a formula. No value the tool itself writes begins so (dates, amounts, SIRET, the object's
prefix), and the schema's text fields accept the quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

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


def scdl_rows(
    records: Sequence[DecisionRecord], settings: DocumentSettings, reglement: Reglement
) -> list[dict[str, str]]:
    """One SCDL row per granted dossier whose amount is above the publication threshold."""
    if settings.grantor_siret is None:
        where = settings.fill_in("attribuant.siret (annuaire-entreprises.data.gouv.fr)")
        raise PublicationError(f"SIRET de l'attribuant manquant : {where} ; le format national l'exige (idAttribuant).")
    rows = []
    for record in records:
        if not record.granted or record.amount <= settings.publication_threshold:
            continue
        if not record.beneficiary_siret:
            raise PublicationError(f"Dossier {record.number} : SIRET du bénéficiaire manquant (idBeneficiaire).")
        rows.append(
            {
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
        )
    return rows


def scdl_csv(records: Sequence[DecisionRecord], settings: DocumentSettings, reglement: Reglement) -> str:
    """The CSV text (header and rows)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        {key: as_text(value) for key, value in row.items()} for row in scdl_rows(records, settings, reglement)
    )
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
