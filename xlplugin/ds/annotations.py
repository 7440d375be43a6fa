"""Writing the office's figures to the démarche's private annotations (note, taux, montant proposé, statut, rang).

``templates/annotations-ain.json`` says which annotation receives each figure (by label, or by id once
known) and its type on démarches-simplifiées. :func:`plan_annotations` compares the figures with what the
dossiers hold now and keeps only what changes (an unchanged value is never sent again);
:func:`apply_annotations` sends the plan, one ``dossierModifierAnnotations`` per dossier (the mutation of
the 2026 schema that takes several annotations at once; the older per-type mutations such as
``dossierModifierAnnotationText`` still exist), and journals each write. Nothing is sent without
``apply_annotations``: the plan's ``text()`` is the dry run. The plan also reads what the platform will
require: each dossier is written by an instructeur of its groupe (a dossier whose groupe has none for this
run is named, and nothing is written to it), the token's right to write (a read-only token is said before
anything is sent), and the required private annotations left blank (which the platform will ask for before
any decision). A write whose answer is lost is read back before anything is sent again.

Vocabulary: a « chiffre » is one of the office's figures of a dossier; an « annotation » is a private champ
of the dossier on démarches-simplifiées, seen only by instructeurs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from xlplugin.ds.client import DsClient, LostAnswer, read_only_error
from xlplugin.ds.demarche import (
    AnnotationDescriptor,
    DossierInstruction,
    Instructeur,
    Instructeurs,
    changed_since,
    demarche_info,
    depositor_mismatch,
    dossier_instruction,
    dossiers_instruction,
)
from xlplugin.ds.errors import AccessError, ApiError, AuthError, ConfigurationError, NetworkError
from xlplugin.ds.journal import Journal, WorkbookJournalLine
from xlplugin.ds.operations import MODIFIER_ANNOTATIONS, MODIFIER_ANNOTATIONS_MUTATION
from xlplugin.ds.words import count, normalize_label, number_label
from xlplugin.rules.allocation import STATUS_LABELS

MAPPING_FILE = "annotations-ain.json"
FIGURES = ("note", "taux", "montant_propose", "statut", "rang")
FIGURE_LABELS = {
    "note": "note",
    "taux": "taux",
    "montant_propose": "montant proposé",
    "statut": "statut",
    "rang": "rang",
}
# DS type of the annotation → key of ``AnnotationValueInput`` (a @oneOf input: exactly one key).
VALUE_KEYS = {
    "DecimalNumberChamp": "decimalNumber",
    "IntegerNumberChamp": "integerNumber",
    "TextChamp": "text",
    "TextareaChamp": "textarea",
    "DropDownListChamp": "dropDownList",
}
NUMERIC_TYPES = {"DecimalNumberChamp", "IntegerNumberChamp"}


@dataclass(frozen=True, slots=True)
class DossierFigures:
    """The office's figures for one dossier; ``None``: not known yet (nothing is written for it).

    ``statut`` is the allocation's status (``finance``, ``partiel``, ``attente``, ``non_classe``, ``ineligible``)
    or a text;
    ``taux`` a fraction (0.8 = 80 %)."""

    number: int
    note: Decimal | None = None
    taux: Decimal | None = None
    montant_propose: Decimal | None = None
    statut: str | None = None
    rang: int | None = None
    siret: str | None = None  # the porteur's SIRET on the workbook's row: the dossier on DS must be its depositor's
    version: str | None = None  # the dossier's version the figures were computed from (None: not known)

    def __post_init__(self) -> None:
        for name in ("note", "taux", "montant_propose"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Decimal):
                raise TypeError(
                    f"dossier {self.number} : {FIGURE_LABELS[name]} doit être un Decimal construit à partir d'un "
                    f"texte (reçu : {type(value).__name__})"
                )
        if self.rang is not None and (not isinstance(self.rang, int) or isinstance(self.rang, bool)):
            raise TypeError(f"dossier {self.number} : le rang doit être un entier")

    def value(self, figure: str) -> Decimal | int | str | None:
        value: Decimal | int | str | None = getattr(self, figure)
        return value


# -- the mapping file


@dataclass(frozen=True, slots=True)
class AnnotationTarget:
    """Where one figure goes: the annotation's label, its id once known, its DS type."""

    figure: str
    label: str
    typename: str
    id: str | None = None
    scale: Decimal | None = None
    values: Mapping[str, str] = field(default_factory=dict)


def load_mapping(path: Path | None = None) -> tuple[AnnotationTarget, ...]:
    """The targets of ``path`` (default: ``templates/annotations-ain.json``), checked, with French errors."""
    name = str(path) if path is not None else f"templates/{MAPPING_FILE}"
    try:
        if path is None:
            text = resources.files("xlplugin.templates").joinpath(MAPPING_FILE).read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        document = json.loads(text, parse_float=Decimal)
    except OSError as exc:
        raise ConfigurationError(f"{name} : le fichier des annotations ne se lit pas ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{name} : le fichier des annotations n'est pas en UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"{name} : JSON invalide ligne {exc.lineno}, colonne {exc.colno} ({exc.msg})"
        ) from None
    entries = document.get("annotations") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ConfigurationError(f"{name} : la clé « annotations » (une liste) manque")
    targets = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"{name}, annotations[{index}]"
        if not isinstance(entry, dict):
            raise ConfigurationError(f"{where} : chaque annotation est un objet {{chiffre, libelle, type}}")
        figure = entry.get("chiffre")
        if figure not in FIGURES:
            raise ConfigurationError(
                f"{where} : « chiffre » vaut {figure!r} ; valeurs possibles : {', '.join(FIGURES)}"
            )
        if figure in seen:
            raise ConfigurationError(f"{where} : le chiffre « {figure} » est déjà donné plus haut")
        seen.add(figure)
        label = entry.get("libelle")
        if not isinstance(label, str) or not label.strip():
            raise ConfigurationError(f"{where} : « libelle » (le libellé de l'annotation) manque")
        typename = entry.get("type")
        if typename not in VALUE_KEYS:
            raise ConfigurationError(
                f"{where} : « type » vaut {typename!r} ; valeurs possibles : {', '.join(VALUE_KEYS)}"
            )
        if figure in ("note", "taux", "montant_propose", "rang") and typename not in NUMERIC_TYPES | {"TextChamp"}:
            raise ConfigurationError(f"{where} : le chiffre « {figure} » va dans une annotation nombre (ou texte)")
        ident = entry.get("id")
        if ident is not None and (not isinstance(ident, str) or not ident.strip()):
            raise ConfigurationError(f"{where} : « id » doit être l'identifiant de l'annotation (un texte)")
        scale = entry.get("echelle")
        if scale is not None:
            if isinstance(scale, bool) or not isinstance(scale, (int, Decimal)) or scale <= 0:
                raise ConfigurationError(f"{where} : « echelle » doit être un nombre positif (100 pour un pourcentage)")
            scale = Decimal(scale)
        values = entry.get("valeurs") or {}
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise ConfigurationError(f"{where} : « valeurs » associe à chaque statut son texte")
        unnamed = [status for status in STATUS_LABELS if status not in values]
        if figure == "statut" and typename == "DropDownListChamp" and unnamed:
            # démarches-simplifiées refuses a choice its list lacks, and with it the dossier's other annotations.
            raise ConfigurationError(
                f"{where} : l'annotation est une liste de choix, et « valeurs » ne dit pas l'option de "
                f"{', '.join(f'« {s} » ({STATUS_LABELS[s]})' for s in unnamed)} : ajoutez-la, avec l'option "
                "correspondante dans la liste de l'annotation sur démarches-simplifiées"
            )
        targets.append(AnnotationTarget(figure, label.strip(), typename, ident, scale, dict(values)))
    return tuple(targets)


# -- the plan


@dataclass(frozen=True, slots=True)
class AnnotationChange:
    """One annotation of one dossier to change."""

    number: int
    dossier_id: str
    figure: str
    label: str
    annotation_id: str
    typename: str
    current: str
    value: Decimal | int | str

    def input(self) -> dict[str, Any]:
        """An ``AnnotationInput``: ``{id, value: {<one key>: value}}``."""
        return {"id": self.annotation_id, "value": {VALUE_KEYS[self.typename]: self.value}}

    @property
    def shown(self) -> str:
        return number_label(self.value)


@dataclass(slots=True)
class AnnotationPlan:
    """What would change; ``text()`` is the dry run the agent reads."""

    demarche: int
    instructeur: Instructeur
    changes: list[AnnotationChange] = field(default_factory=list)
    unchanged: int = 0
    not_known: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what to know, that does not stop the writes
    found_ids: dict[str, str] = field(default_factory=dict)  # label → id, for the mapping file
    instructeurs: dict[int, Instructeur] = field(default_factory=dict)  # who writes each dossier
    writable: bool | None = None  # whether the token may write (None: not asked, nothing to write)

    def instructeur_of(self, number: int) -> Instructeur:
        return self.instructeurs.get(number, self.instructeur)

    def by_dossier(self) -> dict[int, list[AnnotationChange]]:
        grouped: dict[int, list[AnnotationChange]] = {}
        for change in self.changes:
            grouped.setdefault(change.number, []).append(change)
        return grouped

    def text(self) -> str:
        emails = sorted({self.instructeur_of(c.number).email for c in self.changes}) or [self.instructeur.email]
        who = f"instructeur : {emails[0]}" if len(emails) == 1 else f"instructeurs : {', '.join(emails)}"
        lines = [f"Annotations privées de la démarche {self.demarche} ({who})"]
        if self.writable is False:
            lines.append(
                "Attention : le jeton ne permet que la lecture : rien ne pourra être écrit ; il faut un jeton "
                "« lecture et écriture » (Voir mon profil › Jetons d'API)"
            )
        if self.changes:
            rows = [("Dossier", "Annotation", "Sur démarches-simplifiées", "Nouvelle valeur")]
            rows += [(str(c.number), c.label, c.current, c.shown) for c in self.changes]
            widths = [max(len(row[i]) for row in rows) for i in range(3)]
            for row in rows:
                lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        dossiers = len(self.by_dossier())
        lines.append(
            f"{count(len(self.changes), 'annotation')} à écrire dans {count(dossiers, 'dossier')} ; "
            f"{count(self.unchanged, 'déjà à jour', 'déjà à jour')} (pas renvoyées) ; "
            f"{count(self.not_known, 'chiffre')} pas encore connus (rien n'est écrit)."
        )
        lines.extend(f"Attention : {problem}" for problem in self.problems)
        lines.extend(f"À savoir : {note}" for note in self.notes)
        return "\n".join(lines)


def plan_annotations(
    client: DsClient,
    demarche: int,
    figures: Iterable[DossierFigures],
    targets: Iterable[AnnotationTarget] | None = None,
    instructeur_email: str | None = None,
) -> AnnotationPlan:
    """Compares the figures with the annotations on démarches-simplifiées; sends nothing."""
    targets = tuple(targets) if targets is not None else load_mapping()
    figures = list(figures)
    info = demarche_info(client, demarche)
    dossiers = dossiers_instruction(client, demarche) if figures else {}
    concerned = [dossiers[f.number] for f in figures if f.number in dossiers]
    instructeurs = Instructeurs(info, instructeur_email, (d.groupe for d in concerned))
    plan = AnnotationPlan(demarche, instructeurs.main)
    resolved: list[tuple[AnnotationTarget, AnnotationDescriptor]] = []
    for target in targets:
        descriptor = _descriptor(target, info.annotations, plan)
        if descriptor is not None:
            resolved.append((target, descriptor))
            plan.found_ids[target.label] = descriptor.id
    blank_required: dict[str, list[int]] = {}
    for figures_of in figures:
        dossier = dossiers.get(figures_of.number)
        if dossier is None:
            plan.problems.append(
                f"dossier {figures_of.number} : absent de la démarche {demarche} sur démarches-simplifiées "
                "(numéro erroné, dossier supprimé ou encore en brouillon) ; rien n'est écrit"
            )
            continue
        who = instructeurs.of(dossier)
        if isinstance(who, str):
            plan.problems.append(f"dossier {dossier.number} : {who} ; rien n'est écrit")
            continue
        mismatch = depositor_mismatch(dossier, figures_of.siret)
        if mismatch:
            plan.problems.append(f"dossier {dossier.number} : {mismatch} ; rien n'est écrit")
            continue
        # Figures of a version the applicant has changed since would be the instructeurs' figures of nothing.
        changed = changed_since(dossier, figures_of.version)
        if changed:
            plan.problems.append(f"dossier {dossier.number} : {changed} ; rien n'est écrit")
            continue
        plan.instructeurs[dossier.number] = who
        for target, descriptor in resolved:
            _compare(figures_of, target, descriptor, dossier, plan)
        written = {c.annotation_id for c in plan.changes if c.number == dossier.number}
        for descriptor in dossier.blank(info.required()):
            if descriptor.id not in written:
                blank_required.setdefault(descriptor.label, []).append(dossier.number)
    for label, numbers in blank_required.items():
        plan.notes.append(
            f"avant toute décision, démarches-simplifiées demande l'annotation privée obligatoire « {label} », vide "
            f"dans {count(len(numbers), 'dossier')} ({', '.join(map(str, numbers))}) : remplissez-la sur "
            "démarches-simplifiées avant guichet ds decider"
        )
    if plan.changes:
        plan.writable = client.writable()
    return plan


def _descriptor(
    target: AnnotationTarget, annotations: tuple[AnnotationDescriptor, ...], plan: AnnotationPlan
) -> AnnotationDescriptor | None:
    found = next((d for d in annotations if target.id and d.id == target.id), None)
    if found is None:
        key = normalize_label(target.label)
        found = next((d for d in annotations if normalize_label(d.label) == key), None)
    if found is None:
        plan.problems.append(
            f"l'annotation privée « {target.label} » ({FIGURE_LABELS[target.figure]}) n'existe pas sur la démarche "
            f"{plan.demarche} : un administrateur doit la créer (type {target.typename}), ou corrigez son libellé dans "
            f"templates/{MAPPING_FILE} ; ce chiffre n'est pas écrit"
        )
        return None
    if found.typename != target.typename:
        plan.problems.append(
            f"l'annotation « {found.label} » est de type {found.typename} sur démarches-simplifiées, et "
            f"templates/{MAPPING_FILE} attend {target.typename} : accordez les deux ; ce chiffre n'est pas écrit"
        )
        return None
    return found


def _compare(
    figures: DossierFigures,
    target: AnnotationTarget,
    descriptor: AnnotationDescriptor,
    dossier: DossierInstruction,
    plan: AnnotationPlan,
) -> None:
    raw = figures.value(target.figure)
    if raw is None:
        plan.not_known += 1
        return
    try:
        value = _converted(raw, target)
    except ValueError as exc:
        plan.problems.append(f"dossier {figures.number} : {exc} ; ce chiffre n'est pas écrit")
        return
    champ = dossier.champ(descriptor)
    current = _current_value(champ, target.typename) if champ is not None else None
    if current is not None and _same(current, value):
        plan.unchanged += 1
        return
    plan.changes.append(
        AnnotationChange(
            figures.number,
            dossier.id,
            target.figure,
            descriptor.label,
            descriptor.id,
            target.typename,
            number_label(current),
            value,
        )
    )


def _converted(raw: Decimal | int | str, target: AnnotationTarget) -> Decimal | int | str:
    what = FIGURE_LABELS[target.figure]
    if target.figure == "statut":
        # A status the office's file does not name (« non_classe », added after files were written) goes in the
        # rules' French words, not as the code.
        named = target.values.get(str(raw))
        return named if named is not None else STATUS_LABELS.get(str(raw), str(raw))
    number = Decimal(raw) if isinstance(raw, int) else raw
    if not isinstance(number, Decimal) or not number.is_finite():
        raise ValueError(f"{what} « {raw} » n'est pas un nombre")
    if target.scale is not None:
        number = number * target.scale
    if target.typename == "IntegerNumberChamp":
        if number != number.to_integral_value():
            raise ValueError(
                f"{what} {number_label(number)} n'est pas un nombre entier, et l'annotation « {target.label} » est "
                "de type nombre entier : faites-en un nombre décimal (DecimalNumberChamp)"
            )
        return int(number)
    if target.typename == "DecimalNumberChamp":
        return _plain(number)
    return number_label(_plain(number))


def _plain(number: Decimal) -> Decimal:
    """``Decimal("80.0")`` → ``80``, ``Decimal("19200.50")`` → ``19200.5``: the same number, fewest digits."""
    normalized = number.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral_value() else normalized


def _current_value(champ: dict[str, Any], typename: str) -> Decimal | int | str | None:
    text = champ.get("stringValue")
    if typename == "DecimalNumberChamp":
        number = champ.get("decimalNumber")
        for candidate in (number, text):
            if candidate is None or candidate == "":
                continue
            try:
                return Decimal(str(candidate))
            except InvalidOperation:
                continue
        return None
    if typename == "IntegerNumberChamp":
        for candidate in (champ.get("integerNumber"), text):
            if candidate is None or candidate == "":
                continue
            try:
                return int(str(candidate))
            except ValueError:
                continue
        return None
    if typename == "DropDownListChamp":
        value = champ.get("value")
        return value if isinstance(value, str) and value else (text or None)
    return text or None


def _same(current: Decimal | int | str, value: Decimal | int | str) -> bool:
    if isinstance(value, str) or isinstance(current, str):
        return str(current) == str(value)
    return Decimal(current) == Decimal(value)


# -- sending


@dataclass(slots=True)
class AnnotationResult:
    """What was sent: dossiers written, and the API's refusals per dossier."""

    demarche: int
    written: dict[int, int] = field(default_factory=dict)  # dossier → annotations written
    failed: dict[int, list[str]] = field(default_factory=dict)
    stopped: bool = False  # the run stopped before its end (token refused, network down)
    unknown: dict[int, str] = field(default_factory=dict)  # perhaps written (answer lost, not read back): what to do

    @property
    def annotations(self) -> int:
        return sum(self.written.values())

    @property
    def empty(self) -> bool:
        """Nothing was written, nor refused: the run had nothing to do."""
        return not (self.written or self.failed or self.unknown)

    def text(self) -> str:
        lines = [
            f"{count(self.annotations, 'annotation écrite', 'annotations écrites')} dans "
            f"{count(len(self.written), 'dossier')}."
        ]
        if self.failed:
            lines.append(f"Refusées par démarches-simplifiées pour {count(len(self.failed), 'dossier')} :")
            lines.extend(f"  - dossier {n} : {' ; '.join(errors)}" for n, errors in sorted(self.failed.items()))
        if self.unknown:
            lines.append(f"Écriture peut-être faite, état inconnu ({count(len(self.unknown), 'dossier')}) :")
            lines.extend(f"  - dossier {n} : {text}" for n, text in sorted(self.unknown.items()))
        return "\n".join(lines)

    def journal_line(self, agent: str, when: datetime) -> WorkbookJournalLine:
        detail = (
            f"{count(self.annotations, 'annotation écrite', 'annotations écrites')} dans "
            f"{count(len(self.written), 'dossier')}"
        )
        if self.failed:
            detail += f" ; refusées pour {', '.join(str(n) for n in sorted(self.failed))}"
        if self.unknown:
            detail += f" ; réponse perdue, peut-être écrites pour {', '.join(str(n) for n in sorted(self.unknown))}"
        if self.stopped:
            detail += " ; arrêt avant la fin (voir le journal local)"
        return WorkbookJournalLine(
            when, agent, f"Annotations démarches-simplifiées (démarche {self.demarche})", "", detail
        )


def apply_annotations(client: DsClient, plan: AnnotationPlan, journal: Journal) -> AnnotationResult:
    """Sends the plan: one ``dossierModifierAnnotations`` per dossier, each journaled with the API's answer.

    A refusal for one dossier does not stop the others; a refused token or a network that stays down does
    (the journal says what was written before). A read-only token sends nothing. An answer lost on the way
    is read back: only what the dossier does not hold yet is sent again."""
    if plan.writable is False and plan.changes:
        raise read_only_error()
    result = AnnotationResult(plan.demarche)
    for number, changes in plan.by_dossier().items():
        try:
            _write(client, plan, number, changes, journal, result)
        except (AuthError, NetworkError) as exc:
            stop = (
                f"{exc} — arrêt : {count(result.annotations, 'annotation écrite', 'annotations écrites')} dans "
                f"{count(len(result.written), 'dossier')} avant l'erreur (voir le journal)"
                + "".join(f" ; dossier {n} : {text}" for n, text in sorted(result.unknown.items()))
            )
            error = AuthError(stop) if isinstance(exc, AuthError) else NetworkError(stop, exc.what)
            result.stopped = True
            error.partial = result
            raise error from None
    return result


def _write(
    client: DsClient,
    plan: AnnotationPlan,
    number: int,
    changes: list[AnnotationChange],
    journal: Journal,
    result: AnnotationResult,
) -> None:
    instructeur = plan.instructeur_of(number)
    pending = list(changes)
    for attempt in range(client.retries + 1):
        sent = {c.label: c.value for c in pending}
        variables = {
            "input": {
                "dossierId": changes[0].dossier_id,
                "instructeurId": instructeur.id,
                "annotations": [c.input() for c in pending],
            }
        }

        def record(answer: dict[str, Any], ok: bool, sent: dict[str, Any] = sent) -> None:
            journal.record(
                "annotations",
                demarche=plan.demarche,
                dossier=number,
                sent=sent,
                answer=answer,
                ok=ok,
                instructeur=instructeur.email,
            )

        try:
            answer = client.mutate(MODIFIER_ANNOTATIONS_MUTATION, MODIFIER_ANNOTATIONS, variables)
        except LostAnswer as lost:
            # Read what the dossier holds now; send again only what it does not.
            try:
                dossier = dossier_instruction(client, number)
            except (AuthError, NetworkError) as exc:
                # Perhaps written: the journal says so before the run stops.
                record({"reponse_perdue": lost.what, "relecture": str(exc)}, False)
                result.unknown[number] = (
                    f"réponse perdue ({lost.what}), puis le dossier n'a pas pu être relu : ses annotations ont "
                    "peut-être été écrites ; relancez la commande, qui n'envoie que ce qui manque"
                )
                raise
            missing = [c for c in pending if dossier is None or not _holds(dossier, c)]
            record(
                {"reponse_perdue": lost.what, "restent_a_ecrire": [c.label for c in missing]},
                not missing,
            )
            done = len(changes) - len(missing)
            if not missing or dossier is None:
                if done:
                    result.written[number] = done
                if dossier is None:
                    result.failed[number] = [f"réponse perdue ({lost.what}), et le dossier n'est plus lisible"]
                return
            pending = missing
            if attempt < client.retries:
                client.pause(attempt + 1, f"a perdu la réponse ({lost.what})")
            continue
        except (AuthError, NetworkError) as exc:
            record({"erreur": str(exc)}, False)
            raise
        except (ApiError, AccessError) as exc:  # this dossier only (refused, deleted meanwhile): the others go on
            record({"erreur": str(exc)}, False)
            result.failed[number] = [str(exc)]
            return
        written = answer.payload.get("annotations") or []
        record(
            {"erreurs": answer.errors, "annotations": [a.get("id") for a in written if isinstance(a, dict)]}, answer.ok
        )
        if answer.errors:
            result.failed[number] = answer.errors
        # DS saves the valid annotations of a dossier even when another of them is refused.
        saved = {a.get("id") for a in written if isinstance(a, dict)}
        written_here = sum(1 for c in pending if c.annotation_id in saved) if answer.errors else len(pending)
        written_here += len(changes) - len(pending)
        if written_here:
            result.written[number] = written_here
        return
    result.written.pop(number, None)
    done = len(changes) - len(pending)
    if done:
        result.written[number] = done
    result.failed[number] = [
        f"réponse de démarches-simplifiées perdue à chaque essai : {count(len(pending), 'annotation')} pas écrites "
        f"({', '.join(c.label for c in pending)}) ; relancez la commande"
    ]


def _holds(dossier: DossierInstruction, change: AnnotationChange) -> bool:
    """Whether the dossier holds the value ``change`` writes."""
    champ = dossier.champ(AnnotationDescriptor(change.annotation_id, change.label, change.typename))
    current = _current_value(champ, change.typename) if champ is not None else None
    return current is not None and _same(current, change.value)
