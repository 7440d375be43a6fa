"""A dossier as rows of the tracking workbook: the values of its row of « Dossiers » (imported values, the
agent's notes if the dossier has them) and of its lines of « Dépenses »; ``importer`` decides where they go.

``put_text`` writes a value into a workbook built with openpyxl (a report): text always as text, never as a
formula.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from xlplugin.rules.applicant import project_population
from xlplugin.rules.dossier import Dossier
from xlplugin.rules.reglement import Reglement
from xlplugin.rules.territory import Territory
from xlplugin.workbook.cells import join_list
from xlplugin.xlsx.tables import NOT_XML

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell, MergedCell

YES, NO = "Oui", "Non"
PARIS = ZoneInfo("Europe/Paris")


def put_text(cell: Cell | MergedCell, value: Any) -> None:
    """Store ``value`` in ``cell``; a string is always stored as text, never as a formula.

    What an XLSX file cannot hold is dropped (``storable``)."""
    value = storable(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def storable(value: Any) -> Any:
    """``value``, a text without what an XLSX file cannot hold (control characters a copy-paste can bring, U+FFFE,
    a lone surrogate): openpyxl refuses them, or writes a file no program opens."""
    return NOT_XML.sub("", value) if isinstance(value, str) else value


def _yes_no(flag: bool) -> str:
    return YES if flag else NO


# « Version reçue de démarches-simplifiées »: the instant, in Paris, with its offset — exact, and no ISO text,
# which xlwings' Office.js protocol takes for a date and fails to read when it has an offset (« +02:00 »).
VERSION_FORMAT = "%d/%m/%Y %H:%M:%S %z"


def version_text(version: str | None) -> str | None:
    """The cell's text for a dossier's version as démarches-simplifiées writes it (ISO 8601)."""
    if version is None:
        return None
    moment = datetime.fromisoformat(version)
    return (moment.astimezone(PARIS) if moment.tzinfo is not None else moment).strftime(VERSION_FORMAT).strip()


def dossier_values(dossier: Dossier, reglement: Reglement, territory: Territory) -> dict[str, Any]:
    """The imported and agent columns of a dossier's row, by column key."""
    applicant = dossier.applicant
    kind = reglement.applicant_type(applicant.kind)
    project = dossier.project
    values: dict[str, Any] = {
        "numero": dossier.number,
        # Excel has no time zones: the time of deposit as read in Paris.
        "date_depot": dossier.submitted_at.astimezone(PARIS).replace(tzinfo=None) if dossier.submitted_at else None,
        "porteur": applicant.name,
        "type_porteur": kind.label if kind else applicant.kind,
        "siret": applicant.siret,
        "code_porteur": applicant.code_insee or applicant.siren,
        "population": project_population(dossier, territory).value,
        "nb_agents": applicant.agents,
        "projet_commun": _yes_no(dossier.is_joint),
        "partenaires": join_list([p.name for p in dossier.partners]),
        "types_partenaires": join_list(
            [(t.label if (t := reglement.applicant_type(p.kind)) else p.kind) for p in dossier.partners]
        ),
        "contact": (dossier.contact.name or dossier.contact.email) if dossier.contact else "",
        "intitule": project.title,
        "axes": join_list([k.label if (k := reglement.project_kind(code)) else "Autre" for code in project.kinds]),
        "date_debut": project.start,
        "date_fin": project.end,
        "agents_beneficiaires": project.agents_benefiting,
        "usagers_beneficiaires": project.users_benefiting,
        "participative": _yes_no(project.participatory),
        "labo": _yes_no(project.innovation_lab),
        "cout_total": dossier.total_cost,
        "sollicite": dossier.requested,
        "autres_financements": dossier.other_public_funding,
        "version_ds": version_text(dossier.ds_version),
        "adresse": applicant.address,
        "impact": dossier.assessment.get("impact"),
        "besoin": dossier.assessment.get("besoin"),
        "derogation": _yes_no(dossier.derogation),
    }
    return values


def expense_values(dossier: Dossier, reglement: Reglement) -> list[dict[str, Any]]:
    """The dossier's lines of « Dépenses », by column key."""
    rows = []
    for line in dossier.expenses:
        nature = reglement.nature(line.nature)
        rows.append(
            {
                "dossier": dossier.number,
                "libelle": line.label,
                "nature": nature.label if nature else line.nature,
                "montant": line.amount,
                "prestataire": line.contractor,
                "departement": line.contractor_departement or "",
            }
        )
    return rows
