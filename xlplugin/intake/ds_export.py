"""The instructeur's exports of démarches-simplifiées: XLSX (sheet « Dossiers », one sheet per repetition
block, sheet « Etablissements ») and CSV (one table, no repetition blocks, the depositor's columns inline).

Columns are champ labels; a commune champ adds « <label> (Code INSEE) », an EPCI champ « <label> (Code) »,
both a « (Département) » column. Dates are date cells, amounts number cells (read through their shortest
text form), yes/no « Oui »/« Non », checkboxes « on »/« off ». Every value keeps its cell reference
(``Dossiers!N2``) so that a problem names the cell.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from xlplugin.intake.form import Form
from xlplugin.intake.issues import Issue, error
from xlplugin.intake.mapping import Applicant, RawChamp, RawDossier
from xlplugin.rules.dossier import date_in_range
from xlplugin.rules.labels import normalize_label

PARIS = ZoneInfo("Europe/Paris")
MAIN_SHEET = "Dossiers"
SIRET_SHEET = "Etablissements"

# Columns of the export that describe the dossier, not a champ of the form.
SYSTEM_COLUMNS = {
    normalize_label(label)
    for label in (
        "ID",
        "Email",
        "FranceConnect ?",
        "Entreprise raison sociale",
        "À archiver",
        "Archivé",
        "État du dossier",
        "Dernière mise à jour le",
        "Dernière mise à jour du dossier le",
        "Déposé le",
        "Passé en instruction le",
        "Traité le",
        "Motivation de la décision",
        "Instructeurs",
        "Groupe instructeur",
        "Civilité",
        "Nom",
        "Prénom",
        "Établissement SIRET",
        "Établissement siège social",
        "Établissement NAF",
        "Établissement libellé NAF",
        "Établissement Adresse",
        "Établissement code postal",
        "Établissement localité",
        "Établissement code INSEE localité",
        "Entreprise SIREN",
        "Entreprise forme juridique",
        "Entreprise forme juridique code",
        "Entreprise nom commercial",
        "Entreprise capital social",
        "Entreprise numéro TVA intracommunautaire",
        "Entreprise SIRET siège social",
        "Entreprise code effectif",
        "Entreprise date de création",
        "Association RNA",
        "Association titre",
        "Association objet",
    )
}
STATES = {
    "en construction": "en_construction",
    "en instruction": "en_instruction",
    "accepte": "accepte",
    "refuse": "refuse",
    "classe sans suite": "sans_suite",
    "sans suite": "sans_suite",
}
_SUFFIXES = (" (code insee)", " (code)", " (departement)")


class ExportError(ValueError):
    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def read_xlsx(data: bytes, form: Form) -> list[RawDossier]:
    """Every dossier of an XLSX export (the archive was checked by ``safety.check_xlsx``)."""
    from openpyxl import load_workbook  # imported here: most runs read no workbook, and it is slow to import

    with warnings.catch_warnings():
        # openpyxl warns, in English, of a date cell beyond its limits (and reads it as an error): the dossier's
        # own issue says it in French (``_deposit``).
        warnings.simplefilter("ignore", UserWarning)
        return _read_xlsx(data, form, load_workbook)


def _read_xlsx(data: bytes, form: Form, load_workbook: Any) -> list[RawDossier]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise ExportError(
            error("XLSX_INVALIDE", f"classeur illisible ({type(exc).__name__}) : téléchargez-le à nouveau")
        ) from None
    try:
        if MAIN_SHEET not in workbook.sheetnames:
            raise ExportError(
                error(
                    "FORMAT_INCONNU",
                    f"classeur sans feuille « {MAIN_SHEET} » : ce n'est pas un export de démarches-simplifiées",
                )
            )
        table = _table(workbook[MAIN_SHEET], MAIN_SHEET)
        blocks = {name: _table(workbook[name], name) for name in workbook.sheetnames if name.startswith("(")}
        establishments = _table(workbook[SIRET_SHEET], SIRET_SHEET) if SIRET_SHEET in workbook.sheetnames else []
    except ExportError:
        raise
    except Exception as exc:  # read-only openpyxl parses the sheets lazily: a damaged sheet fails here
        raise ExportError(
            error("XLSX_INVALIDE", f"feuille illisible ({type(exc).__name__}) : téléchargez l'export à nouveau")
        ) from None
    finally:
        workbook.close()
    applicants = {
        _numero(row.get("dossier id")): row
        for row in establishments
        if normalize_label(str(_cell_value(row.get("champ")) or "")) == "dossier"
    }
    rows_by_block = _repetition_rows(blocks, form)
    return [_dossier(row, form, rows_by_block, applicants.get(_numero(row.get("id"))), True) for row in table]


def read_csv(text: str, form: Form) -> list[RawDossier]:
    """Every dossier of a CSV export (``;`` or ``,``); no repetition blocks in this format."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        rows = list(reader)
    except csv.Error as exc:
        raise ExportError(error("CSV_INVALIDE", f"CSV illisible : {exc}")) from None
    if not rows:
        raise ExportError(error("FICHIER_VIDE", "CSV sans ligne d'en-tête"))
    header = rows[0]
    table = []
    for r, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        table.append(
            {
                normalize_label(name): (value, f"ligne {r}, colonne « {name} »", name)
                for name, value in zip(header, values, strict=False)
            }
        )
    return [_dossier(row, form, {}, row, False) for row in table]


def looks_like_csv_export(text: str) -> bool:
    """A DS export's header has the columns ID and « État du dossier »."""
    first = text.split("\n", 1)[0]
    for delimiter in (";", ","):
        names = {normalize_label(n.strip().strip('"')) for n in first.split(delimiter)}
        if "id" in names and "etat du dossier" in names:
            return True
    return False


Cell = tuple[Any, str, str]  # value, reference, column header as written


def _table(sheet: Any, name: str) -> list[dict[str, Cell]]:
    from openpyxl.utils import get_column_letter

    rows = sheet.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        return []
    table = []
    for r, values in enumerate(rows, start=2):
        if values is None or all(v is None or v == "" for v in values):
            continue
        table.append(
            {
                normalize_label(h): (v, f"{name}!{get_column_letter(c + 1)}{r}", h)
                for c, (h, v) in enumerate(zip(header, values, strict=False))
                if h
            }
        )
    return table


def _cell_value(cell: Cell | None) -> Any:
    return None if cell is None else cell[0]


def _numero(cell: Cell | None) -> int | None:
    value = _cell_value(cell)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 10:
        return int(value.strip())
    return None


def _repetition_rows(
    blocks: dict[str, list[dict[str, Cell]]], form: Form
) -> dict[str, dict[int, list[list[RawChamp]]]]:
    """Rows of each repetition block by form label, then by dossier number, in « Ligne » order."""
    result: dict[str, dict[int, list[list[RawChamp]]]] = {}
    for sheet_name, table in blocks.items():
        label = sheet_name.split(")", 1)[1].strip() if ")" in sheet_name else sheet_name
        spec = next(
            (c for c in form.champs if c.typename == "RepetitionChamp" and c.key.startswith(normalize_label(label))),
            None,
        )
        if spec is None:
            continue
        by_dossier: dict[int, list[tuple[Any, list[RawChamp]]]] = defaultdict(list)
        for row in table:
            numero = _numero(row.get("dossier id"))
            if numero is None:
                continue
            cells = [
                RawChamp(header, value, ref)
                for key, (value, ref, header) in row.items()
                if key not in ("dossier id", "ligne")
            ]
            by_dossier[numero].append((_cell_value(row.get("ligne")) or 0, cells))
        result[spec.key] = {
            n: [cells for _, cells in sorted(rows, key=lambda x: _order(x[0]))] for n, rows in by_dossier.items()
        }
    return result


def _order(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _dossier(
    row: dict[str, Cell],
    form: Form,
    blocks: dict[str, dict[int, list[list[RawChamp]]]],
    applicant_row: dict[str, Cell] | None,
    has_repetitions: bool,
) -> RawDossier:
    id_cell = row.get("id")
    numero = _numero(id_cell)
    pointer = id_cell[1] if id_cell else ""
    issues = []
    if numero is None:
        issues.append(
            error(
                "FORME_DS_INVALIDE",
                "numéro de dossier (colonne ID) absent ou invalide",
                pointer=pointer,
                value=_cell_value(id_cell),
            )
        )
    champs = []
    for key, (value, ref, header) in row.items():
        if key in SYSTEM_COLUMNS or key.endswith(_SUFFIXES):
            continue
        spec = form.find(header)
        if spec is not None and spec.typename == "CommuneChamp":
            value, ref = _companion(row, f"{key} (code insee)", value, ref)
        elif spec is not None and spec.typename == "EpciChamp":
            value, ref = _companion(row, f"{key} (code)", value, ref)
        champs.append(RawChamp(header, value, ref))
    if has_repetitions:
        for spec in form.champs:
            if spec.typename == "RepetitionChamp" and spec.key in blocks:
                rows = blocks[spec.key].get(numero or -1, [])
                champs.append(RawChamp(spec.label, None, f"({spec.label})", rows=rows))
    annotations = [c for c in champs if form.find(c.label) is None and form.find(c.label, annotation=True)]
    champs = [c for c in champs if c not in annotations]
    submitted_at, deposit_issue = _deposit(row.get("depose le"), numero)
    if deposit_issue is not None:
        issues.append(deposit_issue)
    return RawDossier(
        numero=numero,
        pointer=pointer,
        champs=champs,
        annotations=annotations,
        applicant=_applicant(applicant_row or row),
        submitted_at=submitted_at,
        submitted_where=row["depose le"][1] if "depose le" in row else "",
        state=STATES.get(normalize_label(str(_cell_value(row.get("etat du dossier")) or ""))),
        issues=issues,
        has_repetitions=has_repetitions,
    )


def _companion(row: dict[str, Cell], key: str, value: Any, ref: str) -> tuple[Any, str]:
    """The code column of a commune or EPCI champ (the champ's own column holds its name)."""
    cell = row.get(key)
    if cell is None:
        return value, ref
    return cell[0], cell[1]


def _applicant(row: dict[str, Cell]) -> Applicant | None:
    siret_cell = row.get("etablissement siret")
    siret = _cell_value(siret_cell)
    if siret is None or str(siret).strip() == "":
        return Applicant(None, pointer=siret_cell[1] if siret_cell else "")
    name = _cell_value(row.get("entreprise raison sociale"))
    code = _cell_value(row.get("etablissement code insee localite"))
    code_text = str(code).strip() if code is not None else ""
    if code_text.isascii() and code_text.isdigit() and len(code_text) < 5:
        code_text = code_text.zfill(5)
    # A SIRET cell typed as a number (21010005300011.0); one that is not a whole finite number stays as written.
    whole = isinstance(siret, int) or (isinstance(siret, float) and siret.is_integer())
    siret_text = str(int(siret)) if whole else str(siret).strip()
    return Applicant(
        siret_text.zfill(14) if siret_text.isascii() and siret_text.isdigit() else siret_text,
        str(name) if name else None,
        code_text or None,
        True,
        siret_cell[1] if siret_cell else "",
    )


def _deposit(cell: Cell | None, numero: int | None) -> tuple[datetime | None, Issue | None]:
    """The date of deposit, or why the dossier cannot be taken: a cell that holds something other than a date
    between 1900 and 2099 (a serial of 1E10, « #N/A ») would otherwise become no date at all, and the import
    would empty the date the workbook holds."""
    value = _cell_value(cell)
    submitted_at = _paris(value)
    if cell is None or value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if submitted_at is not None and date_in_range(submitted_at.date()):
        return submitted_at, None
    return None, error(
        "VALEUR_INVALIDE",
        "la date de dépôt n'est pas une date lisible entre 1900 et 2099 : le dossier est écarté (la date déjà dans "
        "le classeur reste) ; téléchargez l'export à nouveau",
        numero=numero,
        champ="Déposé le",
        pointer=cell[1],
        value=str(value),
    )


def _paris(value: Any) -> datetime | None:
    """Export dates are Paris local time without offset."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=PARIS) if value.tzinfo is None else value
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            try:
                parsed = datetime.strptime(value.strip()[:16], "%d/%m/%Y %H:%M")
            except ValueError:
                return None
        return parsed.replace(tzinfo=PARIS) if parsed.tzinfo is None else parsed
    return None
