"""Where ``guichet ds annoter`` and ``guichet ds decider`` take their input: the tracking workbook.

Both read it through ``xlplugin.workbook.reading.read_tracking``: every row judged as ``guichet allocate
--workbook`` judges it, so the figures sent to démarches-simplifiées are the very ones the workbook shows
(note, taux, montant proposé by the rules core; statut and rang by the allocation of the envelope).

The decisions come from the columns the agent fills after the committee: « Décision » (accordée, refusée,
classée sans suite), « Motif du refus », « Décision signée (fichier PDF) » (a path, relative to the
workbook's folder or absolute). A refusal is motivated as its refusal letter is (``rules.refusal``: the rules'
motifs, the envelope for a dossier ranked but not reached, the office's typed motif — each with its ground in
law).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from xlplugin.documents.committee import sharing
from xlplugin.documents.settings import DocumentSettings
from xlplugin.documents.workbook_source import records_of
from xlplugin.ds.annotations import DossierFigures
from xlplugin.ds.decisions import ACCEPT, CLOSE, REFUSE, Decision
from xlplugin.rules.money import format_euros
from xlplugin.rules.refusal import MotifError, motivation, refusal_motifs
from xlplugin.rules.reglement import Reglement
from xlplugin.workbook import layout as L
from xlplugin.workbook.cells import CellError, as_date
from xlplugin.workbook.reading import TrackedRow, Tracking, read_tracking

DECISION_KINDS = {"accordée": ACCEPT, "refusée": REFUSE, "classée sans suite": CLOSE}
SIGNED = L.DOSSIER_TABLE.by_key["decision_signee"].header
MOTIF = L.DOSSIER_TABLE.by_key["motif_refus"].header
DECISION = L.DOSSIER_TABLE.by_key["decision"].header
ACCORDED = L.DOSSIER_TABLE.by_key["montant_accorde"].header
VERSION = L.DOSSIER_TABLE.by_key["version_ds"].header
DECIDED_ON = L.DOSSIER_TABLE.by_key["date_decision"].header


@dataclass
class Decisions:
    """The decisions the workbook records, and the rows that cannot be sent as they are (with why)."""

    decisions: list[Decision] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)  # nothing may be sent (``Tracking.blocking``)


@dataclass
class Figures:
    """The office's figures of every dossier of the workbook, what the agent should know, and what forbids
    sending any of them (``Tracking.blocking``)."""

    figures: list[DossierFigures]
    notes: list[str]
    blocking: list[str]


def read_figures(workbook_path: Path, reglement: Reglement) -> Figures:
    """The office's figures of every dossier of the workbook (see ``Figures``)."""
    tracking = read_tracking(workbook_path, reglement)
    return Figures([_figures(row) for row in tracking.rows if row.error is None], _notes(tracking), tracking.blocking)


def _figures(row: TrackedRow) -> DossierFigures:
    evaluation = row.evaluation
    assert evaluation is not None
    rate = evaluation.rate.value if evaluation.eligible and evaluation.rate is not None else None
    amount = evaluation.granted if evaluation.eligible else Decimal(0)
    return DossierFigures(
        number=row.number,
        note=evaluation.score.total,
        taux=rate,
        montant_propose=amount,
        statut=row.grant.status,
        rang=row.grant.rank,
        siret=evaluation.dossier.applicant.siret,
        version=row.ds_version,
    )


def read_decisions(
    workbook_path: Path,
    reglement: Reglement,
    settings: DocumentSettings | None = None,
    *,
    unsigned: bool = False,
    today: date | None = None,
) -> Decisions:
    """The decisions the workbook records, one per dossier decided (« Décision » filled) — only those an act can
    be made for: a decision is sent only if ``guichet documents`` can write its act (the legal ceiling of public
    aid and its derogation, the dates, the payments, true refusal motifs: ``documents.record``, with the
    documents' ``settings``), and a grant only with its signed decision, a PDF (unless ``unsigned``)."""
    tracking = read_tracking(workbook_path, reglement)
    acts = records_of(tracking, reglement, settings=settings)  # the same reading of the workbook
    found = Decisions(notes=_notes(tracking), blocking=list(tracking.blocking))
    numbers = {str(row.number) for row in tracking.rows}
    unversioned: list[int] = []  # decided rows of a sheet without the version column
    shared = _shared_files(
        (row.number, signed)
        for row in tracking.rows
        if str(row.decision_cells.get(DECISION) or "").strip() and (signed := _signed(row, tracking)) is not None
    )
    for row in tracking.rows:
        raw = str(row.decision_cells.get(DECISION) or "").strip()
        if not raw:
            continue
        kind = DECISION_KINDS.get(raw.casefold())
        where = f"dossier {row.number} (ligne {row.row} de « {tracking.sheet} »)"
        if kind is None:
            found.problems.append(
                f"{where}, colonne « {DECISION} » : « {raw} » n'est pas une décision ; choisissez "
                f"{', '.join(f'« {k} »' for k in DECISION_KINDS)} dans la liste"
            )
            continue
        if row.error is not None:
            found.problems.append(f"{where} : ligne à corriger avant d'envoyer sa décision : {row.error}")
            continue
        decided_on = _day(row.decision_cells.get(DECIDED_ON))
        if decided_on is not None and decided_on > (today or date.today()):
            found.problems.append(
                f"{where}, colonne « {DECIDED_ON} » : le {decided_on:%d/%m/%Y} est à venir ; une décision envoyée est "
                "une décision prise : corrigez la date (une faute de frappe ?)"
            )
            continue
        if kind in (ACCEPT, REFUSE) and row.number in acts.failed:
            found.problems.append(
                f"{where} : son acte ne peut pas être établi, la décision n'est pas envoyée — {acts.failed[row.number]}"
            )
            continue
        accorded = _accorded(row)
        if kind == ACCEPT and accorded is None:
            found.problems.append(
                f"{where}, colonne « {ACCORDED} » : plus que le montant alloué ({format_euros(row.grant.allocated)}) "
                "ou pas un montant ; corrigez-le (vide : le montant alloué)"
            )
            continue
        try:
            motivation = _motivation(row, kind, accorded, reglement)
        except MotifError as exc:
            found.problems.append(f"{where}, colonne « {exc.field} » : {exc}")
            continue
        if kind in (REFUSE, CLOSE) and not motivation:
            found.problems.append(
                f"{where}, colonne « {MOTIF} » : un classement sans suite demande une motivation ; "
                "écrivez-la dans cette colonne"
            )
            continue
        signed = _signed(row, tracking)
        if kind == ACCEPT and signed is None and not unsigned:
            found.problems.append(
                f"{where}, colonne « {SIGNED} » : l'acceptation part avec la décision signée ; donnez le chemin de son "
                "PDF (ou, pour accepter sans pièce jointe, relancez avec --sans-arrete)"
            )
            continue
        if signed is not None and signed.suffix.lower() != ".pdf":
            found.problems.append(
                f"{where}, colonne « {SIGNED} » : « {signed.name} » n'est pas un PDF ; joignez la décision signée, "
                "en PDF"
            )
            continue
        if signed is not None and (others := _other_numbers(signed, row.number, numbers)):
            found.problems.append(
                f"{where}, colonne « {SIGNED} » : « {signed.name} » porte le n° d'un autre dossier "
                f"({', '.join(others)}) et pas le sien : la décision signée d'un dossier part avec lui, elle ne se "
                "retire pas ; vérifiez le chemin (une ligne recopiée ?)"
            )
            continue
        if signed is not None and row.number in shared:
            same = ", ".join(str(n) for n in sorted(shared[row.number]))
            found.problems.append(
                f"{where}, colonne « {SIGNED} » : « {signed.name} » est aussi la décision signée du dossier "
                f"{same} (le même fichier, ou une copie) : la décision signée d'un dossier part avec lui, elle ne se "
                "retire pas ; donnez à chacun la sienne, rien n'est envoyé pour eux d'ici là"
            )
            continue
        if row.ds_version is None and not tracking.versioned:
            unversioned.append(row.number)
            continue
        if row.ds_version is None:
            found.problems.append(
                f"{where}, colonne « {VERSION} » : vide — la ligne n'a pas été importée d'un dossier reçu de "
                "démarches-simplifiées (un export, un autre fichier, ou une version de l'outil qui ne l'écrivait "
                "pas) : lancez guichet ds sync --workbook, pour que la décision porte sur ce que le demandeur a "
                "déposé en dernier ; rien n'est envoyé pour lui d'ici là"
            )
            continue
        siret = row.evaluation.dossier.applicant.siret if row.evaluation is not None else None
        found.decisions.append(Decision(row.number, kind, motivation or None, signed, siret, row.ds_version))
    if unversioned:
        found.problems.append(
            f"« {tracking.sheet} » n'a pas encore la colonne « {VERSION} » (un classeur d'une version précédente de "
            "l'outil) : lancez guichet ds sync --workbook, qui l'ajoute et la remplit, pour que chaque décision porte "
            "sur ce que le demandeur a déposé en dernier ; rien n'est envoyé d'ici là pour les dossiers "
            + ", ".join(map(str, unversioned))
        )
    return found


def _motivation(row: TrackedRow, kind: str, accorded: Decimal | None, reglement: Reglement) -> str:
    """What the applicant is told with the decision. A refusal: the motifs the refusal letter states, each in
    fact and in law (``rules.refusal``: true of the dossier; a typed motif that contradicts it is refused). A
    closing: the office's typed motif. A grant: the typed text, else the amount."""
    typed = str(row.decision_cells.get(MOTIF) or "").strip()
    evaluation = row.evaluation
    assert evaluation is not None
    if kind == REFUSE:
        return motivation(refusal_motifs(evaluation, row.grant, typed, reglement))
    if typed or kind == CLOSE:
        return typed
    if kind == ACCEPT and accorded is not None:
        return f"Subvention accordée : {format_euros(accorded)}."
    return ""


def _accorded(row: TrackedRow) -> Decimal | None:
    """« Montant accordé » when typed (at most the amount allocated), else the amount allocated; None when
    what is typed cannot be granted."""
    typed = row.decision_cells.get(ACCORDED)
    if typed is None or typed == "":
        return row.grant.allocated
    if isinstance(typed, bool) or not isinstance(typed, (int, float)):
        return None
    amount = Decimal(repr(typed)) if isinstance(typed, float) else Decimal(typed)
    return amount if 0 <= amount <= row.grant.allocated else None


def _day(value: object) -> date | None:
    """The day a « Date de décision » cell holds (a date, a serial, JJ/MM/AAAA); None when it holds none (the act's
    own checks say what is wrong with it)."""
    if value is None or value == "":
        return None
    try:
        return as_date(value, DECIDED_ON)
    except CellError:
        return None


def _signed(row: TrackedRow, tracking: Tracking) -> Path | None:
    value = str(row.decision_cells.get(SIGNED) or "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else tracking.path.parent / path


def _shared_files(signed: Iterable[tuple[int, Path]]) -> dict[int, set[int]]:
    """Dossier → the other dossiers whose signed decision is the same: one file (whatever the path that names
    it), or the same bytes (a copy under another name). One signed decision is one dossier's: named on two rows,
    it goes with neither."""
    by_file, by_bytes = [], []
    for number, path in signed:
        by_file.append((os.path.normcase(path.resolve()), number))
        with contextlib.suppress(OSError):  # a file that does not read: the checks of its row say so
            by_bytes.append((hashlib.sha256(path.read_bytes()).hexdigest(), number))
    shared: dict[int, set[int]] = {}
    for keyed in (by_file, by_bytes):
        for number, others in sharing(keyed).items():
            shared.setdefault(number, set()).update(others)
    return shared


def _other_numbers(signed: Path, number: int, numbers: set[str]) -> list[str]:
    """The other dossiers of the workbook whose number the file's name holds when it does not hold this one's:
    the acts are named after their dossier (``documents``: « 30000002-arrete.pdf »), and a path filled down or
    copied from the row above attaches another dossier's signed decision to this one — which no one can take
    back from démarches-simplifiées."""
    held = set(re.findall(r"\d+", signed.stem))
    if str(number) in held:
        return []
    return sorted(held & numbers, key=int)


def _notes(tracking: Tracking) -> list[str]:
    unreadable = [
        f"dossier {row.number} : ligne à corriger, rien n'est envoyé pour lui : {row.error}"
        for row in tracking.rows
        if row.error
    ]
    # A stale « Alloué » is no note here: it forbids sending (``Tracking.blocking`` says it)
    return [note for note in tracking.notes if note is not tracking.stale_note] + unreadable
