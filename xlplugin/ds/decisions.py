"""Writing the office's decisions back to démarches-simplifiées, where the applicants follow their dossier.

A :class:`Decision` passes a dossier to instruction, accepts it (with a motivation and the signed decision
attached), refuses it or classes it without follow-up (with a motivation). :func:`plan_decisions` reads
what the platform will require and says, per dossier, what will be done and what cannot be — a dossier
already in the decided state is skipped and said so, so running the same decisions twice changes nothing;
:func:`apply_decisions` does it, only when the caller asks, and journals each write.

The platform's rules (``app/graphql/mutations/dossier_*.rb``, ``app/models/dossier.rb``): a dossier passes
to instruction from « en construction » only, and is accepted, refused or classed without follow-up from
« en instruction » only, and only while no required private annotation is blank (``can_terminer?``; the
platform then answers « Le dossier est déjà en instruction ») — so a dossier still « en construction » is
first passed to instruction, and a dossier with a blank required annotation is not touched at all (no
passage to instruction, no e-mail to the applicant). Each mutation names an instructeur of the dossier's
groupe (``dossier_authorized_for?``); a read-only token is found out before anything is sent. A file is
attached by ``createDirectUpload`` (name, size, base64 MD5, type), a ``PUT`` of its bytes to the returned
URL with the returned headers, then its ``signedBlobId`` as ``justificatif`` — deposited before the dossier
is moved, so that a failed upload moves nothing.

A write whose answer is lost (or refused) is followed by a reading of the dossier: the report and the
journal say the state the platform holds, and a write is sent again only when the dossier shows it was not
carried out. A dossier passed to instruction whose decision then fails is said as such, with how to finish.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from xlplugin.ds.client import DsClient, LostAnswer, read_only_error
from xlplugin.ds.demarche import (
    AnnotationDescriptor,
    Instructeur,
    Instructeurs,
    changed_since,
    demarche_info,
    depositor_mismatch,
    dossier_instruction,
    dossiers_instruction,
)
from xlplugin.ds.errors import ApiError, AuthError, DsError, NetworkError
from xlplugin.ds.journal import Journal, WorkbookJournalLine
from xlplugin.ds.operations import (
    ACCEPTER,
    CLASSER_SANS_SUITE,
    CREATE_DIRECT_UPLOAD,
    CREATE_DIRECT_UPLOAD_MUTATION,
    PASSER_EN_INSTRUCTION,
    REFUSER,
    STATE_MUTATIONS,
)
from xlplugin.ds.words import count, state_label

ACCEPT = "accepter"
REFUSE = "refuser"
CLOSE = "classer_sans_suite"
INSTRUCT = "passer_en_instruction"
KINDS = (INSTRUCT, ACCEPT, REFUSE, CLOSE)
KIND_LABELS = {
    INSTRUCT: "passer en instruction",
    ACCEPT: "accepter",
    REFUSE: "refuser",
    CLOSE: "classer sans suite",
}
TARGET_STATE = {INSTRUCT: "en_instruction", ACCEPT: "accepte", REFUSE: "refuse", CLOSE: "sans_suite"}
OPERATION = {INSTRUCT: PASSER_EN_INSTRUCTION, ACCEPT: ACCEPTER, REFUSE: REFUSER, CLOSE: CLASSER_SANS_SUITE}
FINAL_STATES = {"accepte", "refuse", "sans_suite"}


@dataclass(frozen=True, slots=True)
class Decision:
    """What the office decided for one dossier (``kind``: accepter, refuser, classer_sans_suite,
    passer_en_instruction); ``justificatif``: the signed decision to attach (PDF)."""

    number: int
    kind: str
    motivation: str | None = None
    justificatif: Path | None = None
    siret: str | None = None  # the porteur's SIRET on the workbook's row: the dossier must be its depositor's
    version: str | None = None  # the dossier's version the workbook judged: the platform's must be the same


@dataclass(frozen=True, slots=True)
class DecisionStep:
    """What will be done for one dossier: the mutations, in order, by ``instructeur``."""

    decision: Decision
    dossier_id: str
    state: str
    operations: tuple[str, ...]
    instructeur: Instructeur | None = None

    def text(self) -> str:
        done = " puis ".join(KIND_LABELS[k] for k in self.operations)
        if self.decision.kind == ACCEPT:
            done += (
                f", avec l'arrêté {self.decision.justificatif.name}"
                if self.decision.justificatif
                else ", sans pièce jointe"
            )
        return done


@dataclass(slots=True)
class DecisionPlan:
    demarche: int
    instructeur: Instructeur
    steps: list[DecisionStep] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    writable: bool | None = None  # whether the token may write (None: not asked, nothing to send)

    def text(self) -> str:
        emails = sorted({(s.instructeur or self.instructeur).email for s in self.steps}) or [self.instructeur.email]
        who = f"instructeur : {emails[0]}" if len(emails) == 1 else f"instructeurs : {', '.join(emails)}"
        lines = [f"Décisions sur la démarche {self.demarche} ({who})"]
        if self.writable is False:
            lines.append(
                "Attention : le jeton ne permet que la lecture : aucune de ces décisions ne pourra être envoyée ; il "
                "faut un jeton « lecture et écriture » (Voir mon profil › Jetons d'API)"
            )
        if self.steps:
            rows = [("Dossier", "État actuel", "Décision", "Ce qui sera fait")]
            rows += [
                (str(s.decision.number), state_label(s.state), KIND_LABELS[s.decision.kind], s.text())
                for s in self.steps
            ]
            widths = [max(len(row[i]) for row in rows) for i in range(3)]
            for row in rows:
                lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        lines.append(
            f"{count(len(self.steps), 'dossier')} à traiter ; {len(self.skipped)} déjà dans l'état décidé ; "
            f"{count(len(self.problems), 'décision qui ne peut', 'décisions qui ne peuvent')} pas partir (ci-dessous)."
            if self.problems
            else f"{count(len(self.steps), 'dossier')} à traiter ; {len(self.skipped)} déjà dans l'état décidé."
        )
        lines.extend(f"Déjà fait : {text}" for text in self.skipped)
        lines.extend(f"Attention : {problem}" for problem in self.problems)
        return "\n".join(lines)


def plan_decisions(
    client: DsClient, demarche: int, decisions: Iterable[Decision], instructeur_email: str | None = None
) -> DecisionPlan:
    """Reads the dossiers' states and what the platform will require; says what each decision needs; sends
    nothing (the token's right to write is asked without writing)."""
    info = demarche_info(client, demarche)
    decisions = list(decisions)
    dossiers = dossiers_instruction(client, demarche) if decisions else {}
    concerned = [dossiers[d.number] for d in decisions if d.number in dossiers]
    instructeurs = Instructeurs(info, instructeur_email, (d.groupe for d in concerned))
    plan = DecisionPlan(demarche, instructeurs.main)
    required = info.required()
    for decision in decisions:
        number = decision.number
        if decision.kind not in KINDS:
            plan.problems.append(
                f"dossier {number} : décision « {decision.kind} » inconnue ({', '.join(KINDS)}) ; rien n'est fait"
            )
            continue
        dossier = dossiers.get(number)
        if dossier is None:
            plan.problems.append(
                f"dossier {number} : absent de la démarche {demarche} sur démarches-simplifiées ; rien n'est fait"
            )
            continue
        mismatch = depositor_mismatch(dossier, decision.siret)
        if mismatch:
            plan.problems.append(f"dossier {number} : {mismatch} ; rien n'est fait")
            continue
        target = TARGET_STATE[decision.kind]
        if dossier.state == target:
            plan.skipped.append(f"dossier {number} déjà {state_label(dossier.state)} : rien n'est renvoyé")
            continue
        if dossier.state in FINAL_STATES:
            plan.problems.append(
                f"dossier {number} : déjà {state_label(dossier.state)} sur démarches-simplifiées, alors que "
                f"la décision est « {KIND_LABELS[decision.kind]} » ; rien n'est fait (pour changer une décision, "
                "repassez d'abord le dossier en instruction sur démarches-simplifiées)"
            )
            continue
        changed = changed_since(dossier, decision.version)
        if changed:
            plan.problems.append(f"dossier {number} : {changed} ; rien n'est fait")
            continue
        problem = _check(decision)
        if problem:
            plan.problems.append(f"dossier {number} : {problem} ; rien n'est fait")
            continue
        if dossier.state not in ("en_construction", "en_instruction"):
            plan.problems.append(
                f"dossier {number} : état « {state_label(dossier.state)} » inattendu ; rien n'est fait"
            )
            continue
        who = instructeurs.of(dossier)
        if isinstance(who, str):
            plan.problems.append(f"dossier {number} : {who} ; rien n'est fait")
            continue
        if decision.kind != INSTRUCT:
            blank = dossier.blank(required)
            if blank:
                plan.problems.append(f"dossier {number} : {_blank_required(blank, dossier.state)}")
                continue
        operations: tuple[str, ...] = (decision.kind,)
        if decision.kind != INSTRUCT and dossier.state == "en_construction":
            operations = (INSTRUCT, decision.kind)
        plan.steps.append(DecisionStep(decision, dossier.id, dossier.state, operations, who))
    if plan.steps:
        plan.writable = client.writable()
    return plan


def _blank_required(blank: list[AnnotationDescriptor], state: str) -> str:
    names = ", ".join(f"« {d.label} »" for d in blank)
    what = (
        f"l'annotation privée obligatoire {names} est vide"
        if len(blank) == 1
        else f"les annotations privées obligatoires {names} sont vides"
    )
    fill = "remplissez-la" if len(blank) == 1 else "remplissez-les"
    stays = (
        "le dossier n'est pas passé en instruction" if state == "en_construction" else "le dossier reste en instruction"
    )
    return (
        f"{what} : démarches-simplifiées refuse toute décision tant qu'elle n'est pas remplie ; {fill} sur "
        f"démarches-simplifiées, puis relancez ; rien n'est fait ({stays}, le demandeur n'est pas prévenu)"
    )


def _check(decision: Decision) -> str | None:
    if decision.kind in (REFUSE, CLOSE) and not (decision.motivation or "").strip():
        return f"« {KIND_LABELS[decision.kind]} » demande une motivation, qui manque"
    if decision.justificatif is not None:
        if decision.kind == INSTRUCT:
            return "un passage en instruction ne prend pas de pièce jointe"
        path = decision.justificatif
        if not path.is_file():
            return f"l'arrêté signé {path} est introuvable"
        try:
            size = path.stat().st_size
        except OSError as exc:
            return f"l'arrêté signé {path} ne se lit pas ({exc.strerror})"
        if size == 0:
            return f"l'arrêté signé {path} est vide"
    return None


@dataclass(slots=True)
class DecisionResult:
    demarche: int
    done: dict[int, str] = field(default_factory=dict)  # dossier → state reached
    failed: dict[int, list[str]] = field(default_factory=dict)
    unfinished: dict[int, str] = field(default_factory=dict)  # passed to instruction, decision not taken: how to finish
    notes: list[str] = field(default_factory=list)
    stopped: bool = False  # the run stopped before its end (token refused, network down)
    unknown: dict[int, str] = field(default_factory=dict)  # a write perhaps carried out (answer lost): what to do

    @property
    def empty(self) -> bool:
        """Nothing was sent, nor refused: the run had nothing to do."""
        return not (self.done or self.failed or self.unfinished or self.unknown)

    def text(self) -> str:
        lines = [f"{count(len(self.done), 'dossier traité', 'dossiers traités')} sur démarches-simplifiées."]
        lines.extend(f"  - dossier {n} : {state_label(s)}" for n, s in sorted(self.done.items()))
        lines.extend(f"  ({note})" for note in self.notes)
        if self.failed:
            lines.append(f"Refusé par démarches-simplifiées pour {count(len(self.failed), 'dossier')} :")
            lines.extend(f"  - dossier {n} : {' ; '.join(errors)}" for n, errors in sorted(self.failed.items()))
        if self.unfinished:
            lines.append(f"À terminer ({count(len(self.unfinished), 'dossier')}) :")
            lines.extend(f"  - dossier {n} : {text}" for n, text in sorted(self.unfinished.items()))
        if self.unknown:
            lines.append(f"État inconnu ({count(len(self.unknown), 'dossier')}) :")
            lines.extend(f"  - dossier {n} : {text}" for n, text in sorted(self.unknown.items()))
        return "\n".join(lines)

    def journal_line(self, agent: str, when: datetime) -> WorkbookJournalLine:
        by_state: dict[str, list[int]] = {}
        for number, state in sorted(self.done.items()):
            by_state.setdefault(state, []).append(number)
        parts = [f"{state_label(s)} : {', '.join(map(str, ns))}" for s, ns in by_state.items()]
        if self.unfinished:
            parts.append(f"en instruction, décision à terminer : {', '.join(str(n) for n in sorted(self.unfinished))}")
        if self.failed:
            parts.append(f"refusé par démarches-simplifiées : {', '.join(str(n) for n in sorted(self.failed))}")
        if self.unknown:
            parts.append(
                "réponse perdue, état inconnu (décision peut-être faite) : "
                + ", ".join(str(n) for n in sorted(self.unknown))
            )
        if self.stopped:
            parts.append("arrêt avant la fin (voir le journal local)")
        return WorkbookJournalLine(
            when,
            agent,
            f"Décisions démarches-simplifiées (démarche {self.demarche})",
            "",
            " ; ".join(parts) or "aucun dossier traité",
        )


def apply_decisions(client: DsClient, plan: DecisionPlan, journal: Journal, *, notify: bool = True) -> DecisionResult:
    """Does what the plan says, dossier by dossier; each write is journaled with what the platform holds.

    ``notify=False`` asks démarches-simplifiées not to e-mail the applicant (``disableNotification``). A
    read-only token sends nothing; a refused token or a network that stays down stops the run (the result
    so far is in the message and the journal)."""
    if plan.writable is False and plan.steps:
        raise read_only_error()
    result = DecisionResult(plan.demarche)
    for step in plan.steps:
        try:
            _decide(client, plan, step, journal, notify, result)
        except (AuthError, NetworkError) as exc:
            stop = f"{exc} — arrêt : {_so_far(result)} (voir le journal)"
            error = AuthError(stop) if isinstance(exc, AuthError) else NetworkError(stop, exc.what)
            result.stopped = True
            error.partial = result
            raise error from None
    return result


def _so_far(result: DecisionResult) -> str:
    text = f"{count(len(result.done), 'dossier traité', 'dossiers traités')} avant l'erreur"
    for pending in (result.unfinished, result.unknown):
        if pending:
            text += " ; " + " ; ".join(f"dossier {n} : {t}" for n, t in sorted(pending.items()))
    return text


ACT = {ACCEPT: "de l'accepter", REFUSE: "de le refuser", CLOSE: "de le classer sans suite"}


def _decide(
    client: DsClient, plan: DecisionPlan, step: DecisionStep, journal: Journal, notify: bool, result: DecisionResult
) -> None:
    decision = step.decision
    number = decision.number
    blob: tuple[str, dict[str, Any]] | None = None
    if decision.justificatif is not None and decision.kind != INSTRUCT:
        # Deposited before the dossier moves: a refused upload leaves it as it was.
        try:
            blob = _deposit(client, step.dossier_id, decision.justificatif)
        except (AuthError, NetworkError):
            raise
        except DsError as exc:
            _record(journal, plan, step, decision.kind, {"decision": decision.kind}, {"erreur": str(exc)}, False)
            result.failed[number] = [str(exc)]
            return
    state = step.state
    moved = False
    for kind in step.operations:
        try:
            reached, errors, note = _perform(client, plan, step, kind, state, journal, notify, blob)
        except (AuthError, NetworkError) as exc:
            if isinstance(exc, _StateUnknown):
                result.unknown[number] = (
                    f"réponse perdue, puis le dossier n'a pas pu être relu : il est peut-être "
                    f"{state_label(TARGET_STATE[kind])} ; vérifiez-le sur démarches-simplifiées, ou relancez "
                    "guichet ds decider --appliquer (un dossier déjà dans l'état décidé est laissé tel quel)"
                )
            elif moved:
                result.unfinished[number] = (
                    f"passé en instruction, mais la décision n'a pas pu être envoyée ({exc}) : il est en instruction "
                    "sur démarches-simplifiées ; relancez guichet ds decider --appliquer : il ne sera pas repassé en "
                    "instruction"
                )
            raise
        if note:
            result.notes.append(f"dossier {number} : {note}")
        if errors:
            if moved:
                result.unfinished[number] = (
                    f"passé en instruction, mais démarches-simplifiées a refusé {ACT[kind]} ({' ; '.join(errors)}) : "
                    f"il est {state_label(reached)} sur démarches-simplifiées ; corrigez ce qui est dit, puis relancez "
                    "guichet ds decider --appliquer : il ne sera pas repassé en instruction"
                )
            else:
                result.failed[number] = errors + (
                    [f"il est {state_label(reached)} sur démarches-simplifiées"] if reached else []
                )
            return
        moved = moved or (kind == INSTRUCT and decision.kind != INSTRUCT)
        state = reached
    result.done[number] = state


def _record(
    journal: Journal,
    plan: DecisionPlan,
    step: DecisionStep,
    kind: str,
    sent: dict[str, Any],
    answer: dict[str, Any],
    ok: bool,
) -> None:
    instructeur = step.instructeur or plan.instructeur
    journal.record(
        kind,
        demarche=plan.demarche,
        dossier=step.decision.number,
        sent=sent,
        answer=answer,
        ok=ok,
        instructeur=instructeur.email,
    )


def _perform(
    client: DsClient,
    plan: DecisionPlan,
    step: DecisionStep,
    kind: str,
    state: str,
    journal: Journal,
    notify: bool,
    blob: tuple[str, dict[str, Any]] | None,
) -> tuple[str, list[str], str | None]:
    """One mutation: ``(state the platform holds, its errors, a note)``. A lost or refused answer is followed by a
    reading of the dossier; the mutation is sent again only when the dossier shows it was not carried out."""
    decision = step.decision
    target = TARGET_STATE[kind]
    instructeur = step.instructeur or plan.instructeur
    payload: dict[str, Any] = {
        "dossierId": step.dossier_id,
        "instructeurId": instructeur.id,
        "disableNotification": not notify,
    }
    sent: dict[str, Any] = {"decision": kind, "notification": notify}
    if kind != INSTRUCT and decision.motivation:
        payload["motivation"] = decision.motivation
        sent["motivation"] = decision.motivation
    if kind != INSTRUCT and blob is not None:
        payload["justificatif"], sent["justificatif"] = blob
    for attempt in range(client.retries + 1):
        try:
            answer = client.mutate(STATE_MUTATIONS[OPERATION[kind]], OPERATION[kind], {"input": payload})
        except LostAnswer as lost:
            try:
                now = _state_now(client, decision.number)
            except (AuthError, NetworkError) as exc:
                # Perhaps carried out: the journal says so before the run stops.
                _record(journal, plan, step, kind, sent, {"reponse_perdue": lost.what, "relecture": str(exc)}, False)
                raise _StateUnknown(str(exc), exc.what if isinstance(exc, NetworkError) else None) from None
            _record(journal, plan, step, kind, sent, {"reponse_perdue": lost.what, "etat": now}, now == target)
            if now == target:
                return target, [], None
            if now != state or attempt == client.retries:
                return now or state, [f"réponse perdue ({lost.what}) ; état lu ensuite : {state_label(now)}"], None
            client.pause(attempt + 1, f"a perdu la réponse ({lost.what}), et le dossier n'a pas changé")
            continue
        except (AuthError, NetworkError) as exc:
            _record(journal, plan, step, kind, sent, {"erreur": str(exc)}, False)
            raise
        except DsError as exc:
            _record(journal, plan, step, kind, sent, {"erreur": str(exc)}, False)
            return state, [str(exc)], None
        dossier = answer.payload.get("dossier") or {}
        if answer.ok:
            reached = str(dossier.get("state") or "") or target
            _record(
                journal,
                plan,
                step,
                kind,
                sent,
                {"erreurs": [], "etat": reached, "date_traitement": dossier.get("dateTraitement")},
                True,
            )
            return reached, [], None
        # Refused: what does the platform hold? (done meanwhile on the website, or by a lost earlier answer)
        now = _state_now(client, decision.number)
        _record(journal, plan, step, kind, sent, {"erreurs": answer.errors, "etat": now}, now == target)
        if now == target:
            return (
                target,
                [],
                f"déjà {state_label(now)} sur démarches-simplifiées (fait par ailleurs) : rien n'a été changé",
            )
        return now or state, answer.errors, None
    raise AssertionError("unreachable")  # pragma: no cover


class _StateUnknown(NetworkError):
    """A write whose answer was lost and whose dossier could not be read after: perhaps carried out."""


def _state_now(client: DsClient, number: int) -> str | None:
    dossier = dossier_instruction(client, number)
    return dossier.state if dossier is not None else None


def _deposit(client: DsClient, dossier_id: str, path: Path) -> tuple[str, dict[str, Any]]:
    """Uploads a file to the platform's storage; returns its ``signedBlobId`` and what the journal keeps of it."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ApiError(f"l'arrêté signé {path} ne se lit pas ({exc.strerror})") from None
    checksum = base64.b64encode(hashlib.md5(content).digest()).decode("ascii")
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    described = {"fichier": path.name, "octets": len(content), "md5": checksum, "type": content_type}
    data = client.query(
        CREATE_DIRECT_UPLOAD_MUTATION,
        CREATE_DIRECT_UPLOAD,
        {
            "input": {
                "dossierId": dossier_id,
                "filename": path.name,
                "byteSize": len(content),
                "checksum": checksum,
                "contentType": content_type,
            }
        },
    )
    upload = (data.get(CREATE_DIRECT_UPLOAD) or {}).get("directUpload") or {}
    url, headers, blob = upload.get("url"), upload.get("headers"), upload.get("signedBlobId")
    if not (isinstance(url, str) and isinstance(blob, str)):
        raise ApiError("démarches-simplifiées n'a pas donné d'adresse de dépôt pour l'arrêté")
    try:
        parsed = json.loads(headers) if isinstance(headers, str) and headers else {}
    except json.JSONDecodeError:
        raise ApiError("les en-têtes de dépôt donnés par démarches-simplifiées sont illisibles") from None
    client.upload(url, {str(k): str(v) for k, v in parsed.items()}, content)
    return blob, described
