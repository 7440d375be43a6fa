"""Where the decision documents read the office's decisions: the tracking workbook (to be wired by the lead).

``PROPOSED_COLUMNS`` are the columns proposed for the « Dossiers » sheet (French headers, agent input in
yellow, computed columns in green). ``decision_from_cells`` turns one row's values, keyed by those headers,
into an ``OfficeDecision`` with French messages naming the column at fault; it is pure and tested.
``read_records`` and ``read_evaluations`` are the workbook readers: not written yet, they say so in French.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from xlplugin.documents.payments import ADVANCE, BALANCE, INSTALMENT, Payment
from xlplugin.documents.record import DecisionError, DecisionRecord, OfficeDecision, normalise_decision
from xlplugin.rules import Allocation, Evaluation

CENT = Decimal("0.01")


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
    ProposedColumn("Reste à payer", "calcul", "=MAX(0; montant accordé − avance − acomptes − solde), jamais négatif"),
    ProposedColumn("Trop-perçu", "calcul", "=MAX(0; versements − montant accordé) : à recouvrer (reversement)"),
)
PAYMENT_COLUMNS = (
    (ADVANCE, "Avance", "Date de l'avance"),
    (INSTALMENT, "Acompte 1", "Date de l'acompte 1"),
    (INSTALMENT, "Acompte 2", "Date de l'acompte 2"),
    (BALANCE, "Solde", "Date du solde"),
)

NOT_WIRED = (
    "La lecture des décisions dans le classeur de suivi n'est pas encore branchée (colonnes Décision, Date de "
    "décision, N° d'arrêté… à ajouter à la feuille « Dossiers ») : les documents ne peuvent pas encore être "
    "produits depuis le classeur."
)


def read_records(workbook_path: Path, numbers: Iterable[int] | None = None) -> list[DecisionRecord]:
    """The records of the decided dossiers of the workbook (all, or ``numbers``). Not wired yet.

    To write (lead): read each row of « Dossiers » with a Décision; ``decision_from_cells`` gives its
    ``OfficeDecision``; evaluate the rows with the same rules as ``guichet allocate --workbook`` and allocate
    the envelope; then ``record.build_records(evaluations, allocation, decisions, reglement)``.
    """
    raise NotImplementedError(NOT_WIRED)


def read_evaluations(workbook_path: Path) -> tuple[list[Evaluation], Allocation]:
    """The evaluations of the workbook's dossiers and the envelope's allocation, for the committee's list."""
    raise NotImplementedError(NOT_WIRED.replace("les documents ne peuvent", "l'état récapitulatif ne peut"))


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
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), "%d/%m/%Y").date()
        except ValueError:
            pass
    raise DecisionError(number, header, f"« {value} » n'est pas une date ; écrivez-la JJ/MM/AAAA")


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
            text = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("€", "")
            amount = Decimal(text.replace(",", "."))
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise DecisionError(number, header, f"« {value} » n'est pas un montant en euros") from None
    if not amount.is_finite() or amount < 0:
        raise DecisionError(number, header, f"« {value} » : un montant positif est attendu")
    if amount != amount.quantize(CENT):
        raise DecisionError(number, header, f"« {value} » : au centime près au plus")
    return amount
