"""Writing the office's decisions back to démarches-simplifiées, where the applicants follow their dossier.

A :class:`Decision` passes a dossier to instruction, accepts it (with a motivation and the signed decision
attached), refuses it or classes it without follow-up (with a motivation). :func:`plan_decisions` reads
each dossier's state and says what would be done — a dossier already in the decided state is skipped and
said so, so running the same decisions twice changes nothing; :func:`apply_decisions` does it, only when
the caller asks, and journals each write.

The platform's rules (``app/graphql/mutations/dossier_*.rb``): a dossier passes to instruction from « en
construction » only, and is accepted, refused or classed without follow-up from « en instruction » only —
so a dossier still « en construction » is first passed to instruction. A file is attached by
``createDirectUpload`` (name, size, base64 MD5, type), a ``PUT`` of its bytes to the returned URL with the
returned headers, then its ``signedBlobId`` as ``justificatif``.
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

from xlplugin.ds.client import DsClient
from xlplugin.ds.demarche import Instructeur, choose_instructeur, demarche_info, dossiers_instruction
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
from xlplugin.rules import Reason

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


def motivation_from_reasons(reasons: Iterable[Reason]) -> str:
    """The motivation of a refusal from the rules' motifs of an ineligible dossier."""
    messages = [r.message.rstrip(" .") for r in reasons]
    if not messages:
        return ""
    if len(messages) == 1:
        return f"Votre dossier ne peut pas être retenu : {messages[0]}."
    return "Votre dossier ne peut pas être retenu :\n" + "\n".join(f"- {m}" for m in messages)


@dataclass(frozen=True, slots=True)
class DecisionStep:
    """What will be done for one dossier: the mutations, in order."""

    decision: Decision
    dossier_id: str
    state: str
    operations: tuple[str, ...]

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

    def text(self) -> str:
        lines = [f"Décisions sur la démarche {self.demarche} (instructeur : {self.instructeur.email})"]
        if self.steps:
            rows = [("Dossier", "État actuel", "Décision", "Ce qui sera fait")]
            rows += [
                (str(s.decision.number), state_label(s.state), KIND_LABELS[s.decision.kind], s.text())
                for s in self.steps
            ]
            widths = [max(len(row[i]) for row in rows) for i in range(3)]
            for row in rows:
                lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        lines.append(f"{count(len(self.steps), 'dossier')} à traiter ; {len(self.skipped)} déjà dans l'état décidé.")
        lines.extend(f"Déjà fait : {text}" for text in self.skipped)
        lines.extend(f"Attention : {problem}" for problem in self.problems)
        return "\n".join(lines)


def plan_decisions(
    client: DsClient, demarche: int, decisions: Iterable[Decision], instructeur_email: str | None = None
) -> DecisionPlan:
    """Reads the dossiers' states and says what each decision needs; sends nothing."""
    info = demarche_info(client, demarche)
    plan = DecisionPlan(demarche, choose_instructeur(info, instructeur_email))
    decisions = list(decisions)
    if not decisions:
        return plan
    dossiers = dossiers_instruction(client, demarche)
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
        problem = _check(decision)
        if problem:
            plan.problems.append(f"dossier {number} : {problem} ; rien n'est fait")
            continue
        operations: tuple[str, ...] = (decision.kind,)
        if decision.kind != INSTRUCT and dossier.state == "en_construction":
            operations = (INSTRUCT, decision.kind)
        elif dossier.state not in ("en_construction", "en_instruction"):
            plan.problems.append(f"dossier {number} : état « {dossier.state} » inattendu ; rien n'est fait")
            continue
        plan.steps.append(DecisionStep(decision, dossier.id, dossier.state, operations))
    return plan


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

    def text(self) -> str:
        lines = [f"{count(len(self.done), 'dossier traité', 'dossiers traités')} sur démarches-simplifiées."]
        lines.extend(f"  - dossier {n} : {state_label(s)}" for n, s in sorted(self.done.items()))
        if self.failed:
            lines.append(f"Refusé par démarches-simplifiées pour {count(len(self.failed), 'dossier')} :")
            lines.extend(f"  - dossier {n} : {' ; '.join(errors)}" for n, errors in sorted(self.failed.items()))
        return "\n".join(lines)

    def journal_line(self, agent: str, when: datetime) -> WorkbookJournalLine:
        by_state: dict[str, list[int]] = {}
        for number, state in sorted(self.done.items()):
            by_state.setdefault(state, []).append(number)
        parts = [f"{state_label(s)} : {', '.join(map(str, ns))}" for s, ns in by_state.items()]
        if self.failed:
            parts.append(f"refusé par démarches-simplifiées : {', '.join(str(n) for n in sorted(self.failed))}")
        return WorkbookJournalLine(
            when,
            agent,
            f"Décisions démarches-simplifiées (démarche {self.demarche})",
            "",
            " ; ".join(parts) or "aucun dossier traité",
        )


def apply_decisions(client: DsClient, plan: DecisionPlan, journal: Journal, *, notify: bool = True) -> DecisionResult:
    """Does what the plan says, dossier by dossier; each write is journaled with the API's answer.

    ``notify=False`` asks démarches-simplifiées not to e-mail the applicant (``disableNotification``)."""
    result = DecisionResult(plan.demarche)
    for step in plan.steps:
        number = step.decision.number
        try:
            for kind in step.operations:
                errors, state = _perform(client, plan, step, kind, journal, notify)
                if errors:
                    result.failed[number] = errors
                    break
                result.done[number] = state
        except (AuthError, NetworkError) as exc:
            raise type(exc)(
                f"{exc} — arrêt : {count(len(result.done), 'dossier traité', 'dossiers traités')} avant l'erreur "
                "(voir le journal)"
            ) from None
    return result


def _perform(
    client: DsClient, plan: DecisionPlan, step: DecisionStep, kind: str, journal: Journal, notify: bool
) -> tuple[list[str], str]:
    decision = step.decision
    payload: dict[str, Any] = {
        "dossierId": step.dossier_id,
        "instructeurId": plan.instructeur.id,
        "disableNotification": not notify,
    }
    sent: dict[str, Any] = {"decision": kind, "notification": notify}
    if kind != INSTRUCT and decision.motivation:
        payload["motivation"] = decision.motivation
        sent["motivation"] = decision.motivation
    try:
        if kind != INSTRUCT and decision.justificatif is not None:
            blob, described = _deposit(client, step.dossier_id, decision.justificatif)
            payload["justificatif"] = blob
            sent["justificatif"] = described
        answer = client.mutate(STATE_MUTATIONS[OPERATION[kind]], OPERATION[kind], {"input": payload})
    except (AuthError, NetworkError) as exc:
        journal.record(
            kind, demarche=plan.demarche, dossier=decision.number, sent=sent, answer={"erreur": str(exc)}, ok=False
        )
        raise
    except DsError as exc:
        journal.record(
            kind, demarche=plan.demarche, dossier=decision.number, sent=sent, answer={"erreur": str(exc)}, ok=False
        )
        return [str(exc)], step.state
    dossier = answer.payload.get("dossier") or {}
    state = str(dossier.get("state") or "")
    journal.record(
        kind,
        demarche=plan.demarche,
        dossier=decision.number,
        sent=sent,
        answer={"erreurs": answer.errors, "etat": state or None, "date_traitement": dossier.get("dateTraitement")},
        ok=answer.ok,
    )
    if not answer.ok:
        return answer.errors, step.state
    return [], state or TARGET_STATE[kind]


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
