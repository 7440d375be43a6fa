"""Where the decision documents read the office's decisions: the tracking workbook.

``PROPOSED_COLUMNS`` describe the decision columns of the « Dossiers » sheet (the layout's DECISION group).
``decision_from_cells`` turns one row's values, keyed by those headers, into an ``OfficeDecision`` with
French messages naming the column at fault. ``read_records`` and ``read_evaluations`` read the workbook
through ``xlplugin.workbook.reading.read_tracking``: the rows judged exactly as ``guichet allocate
--workbook`` judges them.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from xlplugin.documents.committee import same_structure, sharing
from xlplugin.documents.payments import ADVANCE, BALANCE, INSTALMENT, Payment
from xlplugin.documents.record import (
    GRANTED,
    DecisionError,
    DecisionRecord,
    OfficeDecision,
    build_record,
    normalise_decision,
)
from xlplugin.documents.settings import DocumentSettings
from xlplugin.rules import Allocation, Evaluation, Reglement, default_territory
from xlplugin.rules.dossier import EARLIEST_DATE, LATEST_DATE
from xlplugin.rules.money import format_euros
from xlplugin.workbook import layout as L
from xlplugin.workbook.cells import MAX_AMOUNT, AmbiguousNumber, number_text
from xlplugin.workbook.reading import TrackedRow, Tracking, read_tracking

CENT = Decimal("0.01")
SIGNED = L.DOSSIER_TABLE.by_key["decision_signee"].header
CLOSED = "classée sans suite"  # a decision with no document of its own (démarches-simplifiées says it)


@dataclass(frozen=True, slots=True)
class ProposedColumn:
    header: str  # French header of the workbook
    kind: str  # saisie (agent input) or calcul (computed)
    content: str  # what the cell holds, for the « Mode d'emploi » sheet


PROPOSED_COLUMNS: tuple[ProposedColumn, ...] = (
    ProposedColumn("Décision", "saisie", "liste : accordée ou refusée ; vide tant que le dossier n'est pas décidé"),
    ProposedColumn("Date de décision", "saisie", "date de l'arrêté ou de la lettre de refus"),
    ProposedColumn("N° d'arrêté", "saisie", "numéro de l'arrêté attributif (texte)"),
    ProposedColumn("Date du comité", "saisie", "date du comité de programmation"),
    ProposedColumn("Montant accordé", "saisie", "vide : le montant alloué ; sinon un montant inférieur ou égal"),
    ProposedColumn(
        "Fondement de la dérogation L1111-10",
        "saisie",
        "quand le montant dépasse le plafond des aides publiques (CGCT, art. L. 1111-10, III) : le fondement légal de "
        "la dérogation, un code du bloc « derogation_l1111_10 » des paramètres des documents",
    ),
    ProposedColumn(
        "Décision de dérogation L1111-10",
        "saisie",
        "la décision qui accorde la dérogation, avec son article : « l'arrêté préfectoral n° … du … », citée par "
        "l'arrêté",
    ),
    ProposedColumn("Motif du refus", "saisie", "motif en français, exigé pour refuser un dossier éligible financé"),
    ProposedColumn("Adresse du bénéficiaire", "saisie", "adresse postale pour les courriers"),
    ProposedColumn("Destinataire", "saisie", "« Monsieur le Maire »… ; vide : formule neutre"),
    ProposedColumn("N° EJ Chorus", "saisie", "numéro d'engagement juridique dans Chorus"),
    ProposedColumn("Avance", "saisie", "montant de l'avance versée"),
    ProposedColumn("Date de l'avance", "saisie", "date de paiement de l'avance"),
    ProposedColumn("Acompte 1", "saisie", "montant du premier acompte versé"),
    ProposedColumn("Date de l'acompte 1", "saisie", "date de paiement"),
    ProposedColumn("Acompte 2", "saisie", "montant du deuxième acompte versé"),
    ProposedColumn("Date de l'acompte 2", "saisie", "date de paiement"),
    ProposedColumn("Solde", "saisie", "montant du solde versé"),
    ProposedColumn("Date du solde", "saisie", "date de paiement du solde"),
    ProposedColumn("Reste à payer", "calcul", "=MAX(0; montant accordé − (avance + acomptes + solde)), jamais négatif"),
    ProposedColumn("Trop-perçu", "calcul", "=MAX(0; versements − montant accordé) : à recouvrer (reversement)"),
    ProposedColumn(
        "Contrôle des versements",
        "calcul",
        "vide, ou la règle enfreinte : avance, avance et acomptes au-delà des plafonds du règlement, versements "
        "au-delà du montant accordé, versement daté avant la décision",
    ),
)
PAYMENT_COLUMNS = (
    (ADVANCE, "Avance", "Date de l'avance"),
    (INSTALMENT, "Acompte 1", "Date de l'acompte 1"),
    (INSTALMENT, "Acompte 2", "Date de l'acompte 2"),
    (BALANCE, "Solde", "Date du solde"),
)


@dataclass
class WorkbookRecords:
    """The records of the decided dossiers of a workbook, and the rows that cannot become documents (each
    named, with its column and what to do): one bad row never keeps the others from their documents."""

    records: list[DecisionRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # dossier → why its decision cannot become an act
    notes: list[str] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)  # « classée sans suite »: no document, DS notifies it
    undecided: list[int] = field(default_factory=list)  # rows asked for whose « Décision » is empty
    # Every row of the workbook whose « Décision signée (fichier PDF) » is filled, asked for or not: dossier →
    # the file it names (relative to the workbook's folder, as démarches-simplifiées' sending reads it). The
    # documents never write over, nor move, such a file, nor rewrite the documents of a signed decision.
    signed: dict[int, Path] = field(default_factory=dict)


def read_records(
    workbook_path: Path,
    reglement: Reglement,
    numbers: Iterable[int] | None = None,
    settings: DocumentSettings | None = None,
) -> WorkbookRecords:
    """The records of the decided dossiers of the workbook (all, or ``numbers``): each row with a decision
    « accordée » or « refusée », judged as ``guichet allocate --workbook`` judges it (``read_tracking``), its
    grant from the envelope's allocation. A dossier « classée sans suite » gets no document. ``settings``: the
    documents' settings (the grounds of a derogation), the shipped ones when None."""
    return records_of(read_tracking(workbook_path, reglement), reglement, numbers, settings)


def records_of(
    tracking: Tracking,
    reglement: Reglement,
    numbers: Iterable[int] | None = None,
    settings: DocumentSettings | None = None,
) -> WorkbookRecords:
    """``read_records`` of a workbook already read and judged (``tracking``)."""
    rows = tracking.by_number()
    wanted = set(numbers) if numbers is not None else None
    # A stale « Alloué » is said dossier by dossier below: its acts are refused, not written with other figures
    found = WorkbookRecords(notes=[note for note in tracking.notes if note is not tracking.stale_note])
    if wanted is not None:
        found.problems += [
            f"Dossier {n} : absent de la feuille « {tracking.sheet} » ; vérifiez le numéro"
            for n in sorted(wanted - set(rows))
        ]
    territory = default_territory()
    same_siret = same_structure(row.evaluation for row in rows.values() if row.evaluation is not None)
    for number, others in sorted(same_siret.items()):
        if (wanted is None or number in wanted) and number < min(others):
            listed = ", ".join(map(str, (number, *others)))
            found.notes.append(
                f"dossiers {listed} : même SIRET, une même structure a déposé plusieurs demandes ; vérifiez avant "
                "de signer qu'elles portent sur des projets distincts (le comité l'a vu dans l'état récapitulatif)"
            )
    found.signed = {number: path for number, row in rows.items() if (path := signed_file(row, tracking.path))}
    shared_orders = _shared_orders(rows.values())
    for number, row in sorted(rows.items()):
        if wanted is not None and number not in wanted:
            continue
        raw = _text(row.decision_cells.get("Décision"))
        if not raw:
            found.undecided.append(number)
            continue
        if is_closed(raw):
            found.closed.append(number)
            continue
        try:
            decision = decision_from_cells(number, row.decision_cells)
            if decision is None:
                continue
            if row.evaluation is None:
                raise DecisionError(number, f"ligne {row.row}", f"ligne à corriger d'abord : {row.error}")
            if number in shared_orders:
                sharing = ", ".join(map(str, shared_orders[number]))
                raise DecisionError(
                    number,
                    "N° d'arrêté",
                    f"« {decision.order_number} » est aussi celui du dossier {sharing} : deux actes ne portent pas le "
                    "même numéro ; corrigez l'un des deux",
                )
            if number in tracking.stale and normalise_decision(decision.decision) == GRANTED:
                # a grant states its amount; a refusal's motifs are the rules' of the dossier as it stands
                raise DecisionError(number, "Alloué", _stale(tracking.stale[number], row.grant.allocated))
            found.records.append(build_record(row.evaluation, row.grant, decision, reglement, territory, settings))
        except DecisionError as exc:
            found.problems.append(str(exc))
            found.failed[number] = str(exc)
    # A refusal on a stale row still gets its letter (its motifs are the rules' as the dossier stands), but the
    # committee may have seen another rank or amount: said, by number, rather than nothing at all.
    made = {record.number for record in found.records}
    refused = sorted(n for n in tracking.stale if n in made)  # a stale grant got no record
    if refused:
        found.notes.append(
            f"dossier(s) {', '.join(map(str, refused))} : la colonne « Alloué » n'est plus à jour (une note, "
            "une dérogation ou une autre ligne a changé depuis la répartition ?) ; leur courrier de refus donne les "
            "motifs selon les règles d'aujourd'hui, peut-être pas ce que le comité a vu ; relancez la répartition "
            "(guichet allocate --workbook) et vérifiez-la avant de signer"
        )
    return found


def signed_file(row: TrackedRow, workbook_path: Path) -> Path | None:
    """The file a row's « Décision signée (fichier PDF) » names, relative to the workbook's folder; None if empty."""
    value = _text(row.decision_cells.get(SIGNED))
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else workbook_path.parent / path


def _shared_orders(rows: Iterable[TrackedRow]) -> dict[int, list[int]]:
    """The granted dossiers whose « N° d'arrêté » another granted dossier of the workbook bears too: dossier →
    those others (a number copied down a column: two arrêtés, one number). A refusal's letter and a closing carry
    no number."""
    granted = (row for row in rows if normalise_decision(_text(row.decision_cells.get("Décision"))) == GRANTED)
    orders = (
        (" ".join(_text(row.decision_cells.get("N° d'arrêté")).split()).casefold(), row.number) for row in granted
    )
    return {number: sorted(others) for number, others in sharing(orders).items()}


def _stale(typed: Decimal | None, allocated: Decimal) -> str:
    if typed is None:  # cleared, or a text: no allocation the committee could have seen
        said = "la colonne ne dit aucun montant (la répartition n'a pas été lancée, ou la cellule a été vidée ?)"
    else:
        said = (
            f"la colonne dit {format_euros(typed)} (une note, une dérogation ou une autre ligne a changé depuis la "
            "répartition ?)"
        )
    return (
        f"{said}, les règles donnent {format_euros(allocated)} : l'acte dirait un montant que le comité n'a pas vu ; "
        "relancez la répartition (guichet allocate --workbook) et vérifiez-la avant d'établir cet acte"
    )


def read_evaluations(workbook_path: Path, reglement: Reglement) -> tuple[list[Evaluation], Allocation, list[str]]:
    """The evaluations of the workbook's dossiers and the envelope's allocation, for the committee's list;
    with what the agent should know (rows that could not be judged, a stale allocation)."""
    tracking = read_tracking(workbook_path, reglement)
    evaluations = [row.evaluation for row in tracking.rows if row.evaluation is not None]
    notes = tracking.notes + [
        f"Dossier {row.number} : ligne à corriger : {row.error}" for row in tracking.rows if row.error
    ]
    return evaluations, tracking.allocation, notes


def is_closed(text: str) -> bool:
    """« Classée sans suite », « classee sans suite »…: a decision that gets no document of its own."""
    return normalise_decision(text) is None and _folded(text) == _folded(CLOSED)


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", " ".join(text.split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def decision_from_cells(number: int, cells: Mapping[str, object]) -> OfficeDecision | None:
    """The office's decision in one row (values keyed by ``PROPOSED_COLUMNS`` headers); None when undecided.

    Cells are what openpyxl or xlwings give: text, numbers (floats for amounts), dates or datetimes, None.
    """
    raw = _text(cells.get("Décision"))
    if not raw:
        return None
    if normalise_decision(raw) is None:
        raise DecisionError(number, "Décision", f"« {raw} » : choisissez « accordée » ou « refusée » dans la liste")
    decided_on = _date(number, cells, "Date de décision")
    if decided_on is None:
        raise DecisionError(number, "Date de décision", "date manquante : renseignez la date de la décision")
    payments = []
    for kind, amount_header, date_header in PAYMENT_COLUMNS:
        amount = _amount(number, cells, amount_header)
        if amount is not None and amount > 0:
            payments.append(Payment(kind, amount, _date(number, cells, date_header)))
    return OfficeDecision(
        number=number,
        decision=raw,
        decided_on=decided_on,
        order_number=_text(cells.get("N° d'arrêté")),
        committee_on=_date(number, cells, "Date du comité"),
        amount=_amount(number, cells, "Montant accordé"),
        refusal_motif=_text(cells.get("Motif du refus")),
        address=_text(cells.get("Adresse du bénéficiaire")),
        recipient=_text(cells.get("Destinataire")),
        chorus_commitment=_text(cells.get("N° EJ Chorus")),
        payments=tuple(payments),
        derogation_ground=_text(cells.get("Fondement de la dérogation L1111-10")),
        derogation_reference=_text(cells.get("Décision de dérogation L1111-10")),
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number typed in a text column (n° d'arrêté, EJ)
    return str(value).strip()


def _date(number: int, cells: Mapping[str, object], header: str) -> date | None:
    value = cells.get(header)
    if value is None or value == "":
        return None
    day: date | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            day = datetime.strptime(value.strip(), "%d/%m/%Y").date()
    if day is None:
        raise DecisionError(number, header, f"« {value} » n'est pas une date ; écrivez-la JJ/MM/AAAA")
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        # 31/12/1899 is what a 0 typed in a date cell shows; 9999 a slip of the keyboard: never « Fait le … ».
        raise DecisionError(
            number, header, f"« {day:%d/%m/%Y} » n'est pas une date possible (1900 à 2099) : corrigez la saisie"
        )
    return day


def _amount(number: int, cells: Mapping[str, object], header: str) -> Decimal | None:
    value = cells.get(header)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DecisionError(number, header, f"« {value} » n'est pas un montant")
    try:
        if isinstance(value, float):
            # A float read from a cell: its shortest decimal form is what the agent typed (1234.56 → "1234.56").
            amount = Decimal(repr(value))
        elif isinstance(value, (int, Decimal)):
            amount = Decimal(value)
        elif isinstance(value, str):
            amount = Decimal(number_text(value))
        else:
            raise InvalidOperation
    except AmbiguousNumber:
        raise DecisionError(
            number,
            header,
            f"« {value} » : le point sépare-t-il les milliers ou les décimales ? Écrivez le montant sans point "
            "(12000) ou avec une virgule décimale (12000,50)",
        ) from None
    except InvalidOperation:
        raise DecisionError(number, header, f"« {value} » n'est pas un montant en euros") from None
    if not amount.is_finite() or amount < 0:
        raise DecisionError(number, header, f"« {value} » : un montant positif est attendu")
    if amount >= MAX_AMOUNT:
        raise DecisionError(
            number, header, f"« {value} » n'est pas un montant réaliste (moins de mille milliards d'euros) ; corrigez"
        )
    if amount != amount.quantize(CENT):
        raise DecisionError(number, header, f"« {value} » : au centime près au plus")
    return amount
