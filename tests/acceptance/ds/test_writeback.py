"""Write-back that never leaves a dossier half done (issue 21): the plan reads what the platform will require —
required private annotations, each dossier's groupe instructeur, the token's rights — and the writes are safe
to retry after a lost answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.ds.dossiers import typed_id
from tests.acceptance.ds.server import Store, TokenRule
from xlplugin.ds import (
    AnnotationResult,
    AuthError,
    Decision,
    DecisionResult,
    DossierFigures,
    DsClient,
    Journal,
    NetworkError,
    apply_annotations,
    apply_decisions,
    plan_annotations,
    plan_decisions,
)

AVIS = "Avis du service instructeur"
IN_CONSTRUCTION, IN_INSTRUCTION = 21001001, 21001005
READ_ONLY = "SECRET-jeton-lecture-seule-Kq81"
# app/graphql/mutations/dossier_accepter.rb: what the platform answers while the SIRET data is incomplete.
DEGRADED = "Les informations du SIRET du dossier ne sont pas complètes. Veuillez réessayer plus tard."


def entries(journal: Journal) -> list[dict[str, Any]]:
    return [json.loads(line) for line in journal.path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "recus.journal-ds.jsonl", "instructeur@ain.gouv.fr", user="agent-test")


# -- 1. a required private annotation left blank


def test_a_blank_required_annotation_moves_no_dossier_and_the_dry_run_names_it(
    client: DsClient, store: Store, journal: Journal
) -> None:
    store.required = {AVIS}
    store.annotation(21001010, AVIS)["stringValue"] = "Favorable"
    decisions = [
        Decision(IN_CONSTRUCTION, "accepter", "Subvention accordée : 19 200 €."),
        Decision(IN_INSTRUCTION, "refuser", "Projet hors de l'appel."),
        Decision(21001010, "accepter", "Subvention accordée : 8 000 €."),
        Decision(21001002, "passer_en_instruction"),  # the platform does not ask for annotations to instruct
    ]

    plan = plan_decisions(client, store.demarche, decisions)

    assert [s.decision.number for s in plan.steps] == [21001010, 21001002]
    blocked = [p for p in plan.problems if AVIS in p]
    assert [p.split(" ")[1] for p in blocked] == [str(IN_CONSTRUCTION), str(IN_INSTRUCTION)]
    assert "l'annotation privée obligatoire « Avis du service instructeur » est vide" in blocked[0]
    assert "n'est pas passé en instruction" in blocked[0] and "remplissez-la sur démarches-simplifiées" in blocked[0]
    assert f"dossier {IN_CONSTRUCTION}" in plan.text() and AVIS in plan.text()

    result = apply_decisions(client, plan, journal)

    assert result.done == {21001010: "accepte", 21001002: "en_instruction"}
    assert store.state_of(IN_CONSTRUCTION) == "en_construction" and store.records[IN_CONSTRUCTION].notified == []
    assert store.state_of(IN_INSTRUCTION) == "en_instruction"
    sent = [(e.operation, e.variables["input"]["dossierId"]) for e in store.mutations()]
    ids = {store.records[n].node["id"] for n in (IN_CONSTRUCTION, IN_INSTRUCTION)}
    assert [s for s in sent if s[1] in ids] == []


def test_the_dry_run_of_annoter_names_a_required_annotation_left_blank(client: DsClient, store: Store) -> None:
    store.required = {AVIS}
    plan = plan_annotations(client, store.demarche, [DossierFigures(IN_CONSTRUCTION, note=Decimal("72.5"))])
    assert len(plan.changes) == 1 and plan.problems == []  # the annotations are written all the same
    assert plan.notes == [
        f"avant toute décision, démarches-simplifiées demande l'annotation privée obligatoire « {AVIS} », vide dans "
        f"1 dossier ({IN_CONSTRUCTION}) : remplissez-la sur démarches-simplifiées avant guichet ds decider"
    ]
    assert "À savoir : avant toute décision" in plan.text()


def test_a_final_step_refused_after_instruction_says_where_the_dossier_stands_and_how_to_finish(
    client: DsClient, store: Store, journal: Journal
) -> None:
    store.faults.refuse_final = {IN_CONSTRUCTION: DEGRADED}
    plan = plan_decisions(client, store.demarche, [Decision(IN_CONSTRUCTION, "accepter", "Accordée.")])

    result = apply_decisions(client, plan, journal)

    assert store.state_of(IN_CONSTRUCTION) == "en_instruction"
    assert result.done == {}
    text = result.text()
    assert (
        f"dossier {IN_CONSTRUCTION} : passé en instruction, mais démarches-simplifiées a refusé de l'accepter" in text
    )
    assert DEGRADED in text
    assert "il est en instruction sur démarches-simplifiées" in text
    assert "relancez guichet ds decider --appliquer" in text and "il ne sera pas repassé en instruction" in text
    line = result.journal_line("agent", datetime(2026, 3, 2, 11, 0)).detail
    assert f"en instruction, décision à terminer : {IN_CONSTRUCTION}" in line

    # Once the platform accepts, the same command finishes it, without passing it to instruction again.
    store.faults.refuse_final = {}
    again = apply_decisions(
        client, plan_decisions(client, store.demarche, [Decision(IN_CONSTRUCTION, "accepter", "Accordée.")]), journal
    )
    assert again.done == {IN_CONSTRUCTION: "accepte"}
    assert len(store.operations("dossierPasserEnInstruction")) == 1


# -- 3. a lost answer: read what the platform holds before sending again


def test_a_lost_answer_is_read_back_never_sent_blindly_again(client: DsClient, store: Store, journal: Journal) -> None:
    store.faults.lose_answers = 2  # passer en instruction and accepter both go through, their answers are lost
    plan = plan_decisions(client, store.demarche, [Decision(IN_CONSTRUCTION, "accepter", "Accordée.")])

    result = apply_decisions(client, plan, journal)

    assert result.done == {IN_CONSTRUCTION: "accepte"} and result.failed == {}
    assert store.state_of(IN_CONSTRUCTION) == "accepte"
    assert len(store.operations("dossierPasserEnInstruction")) == 1
    assert len(store.operations("dossierAccepter")) == 1
    logged = entries(journal)
    assert [(e["action"], e["reussi"]) for e in logged] == [("passer_en_instruction", True), ("accepter", True)]
    assert logged[1]["reponse"]["reponse_perdue"] == "erreur du serveur (HTTP 502)"
    assert logged[1]["reponse"]["etat"] == "accepte"
    assert "accepté : 21001001" in result.journal_line("agent", datetime(2026, 3, 2)).detail


def test_an_answer_lost_before_the_platform_acted_is_sent_again_after_reading(
    client: DsClient, store: Store, journal: Journal
) -> None:
    store.faults.fail_before = 1  # a 502 from a proxy: the mutation never reached the platform
    plan = plan_decisions(client, store.demarche, [Decision(IN_INSTRUCTION, "refuser", "Hors de l'appel.")])

    result = apply_decisions(client, plan, journal)

    assert result.done == {IN_INSTRUCTION: "refuse"}
    assert [e.status for e in store.operations("dossierRefuser")] == [502, 200]
    assert [(e["action"], e["reussi"]) for e in entries(journal)] == [("refuser", False), ("refuser", True)]
    assert entries(journal)[0]["reponse"]["etat"] == "en_instruction"  # what the platform held after the loss


def test_a_lost_answer_of_annotations_is_read_back(client: DsClient, store: Store, journal: Journal) -> None:
    store.faults.lose_answers = 1
    figures = [DossierFigures(IN_CONSTRUCTION, Decimal("72.5"), Decimal("0.8"), Decimal("19200.50"), "finance", 1)]

    result = apply_annotations(client, plan_annotations(client, store.demarche, figures), journal)

    assert result.written == {IN_CONSTRUCTION: 5} and result.failed == {}
    assert len(store.operations("dossierModifierAnnotations")) == 1
    logged = entries(journal)
    assert len(logged) == 1 and logged[0]["reussi"] is True
    assert logged[0]["reponse"]["reponse_perdue"] == "erreur du serveur (HTTP 502)"


def test_a_decision_whose_answer_is_lost_as_the_network_goes_down_is_journaled_and_named(
    client: DsClient, store: Store, journal: Journal
) -> None:
    # Found by a review: the write was carried out, its answer lost, and the reading after it failed: the
    # journal had no line for it, and the message did not name the dossier.
    store.faults.lose_answers, store.faults.down_after_lost = 1, True
    plan = plan_decisions(client, store.demarche, [Decision(IN_INSTRUCTION, "refuser", "Hors de l'appel.")])

    with pytest.raises(NetworkError) as caught:
        apply_decisions(client, plan, journal)

    assert store.state_of(IN_INSTRUCTION) == "refuse"  # done on the platform
    logged = entries(journal)
    assert [(e["action"], e["dossier"], e["reussi"]) for e in logged] == [("refuser", IN_INSTRUCTION, False)]
    assert logged[0]["reponse"]["reponse_perdue"] == "erreur du serveur (HTTP 502)"
    assert "relecture" in logged[0]["reponse"]
    assert f"dossier {IN_INSTRUCTION} : réponse perdue, puis le dossier n'a pas pu être relu" in str(caught.value)
    partial = caught.value.partial
    assert isinstance(partial, DecisionResult) and partial.stopped and IN_INSTRUCTION in partial.unknown
    line = partial.journal_line("agent", datetime(2026, 3, 2)).detail
    assert "arrêt avant la fin" in line and f"état inconnu (décision peut-être faite) : {IN_INSTRUCTION}" in line
    assert "à terminer" not in line  # the review: it read « en instruction, décision à terminer » when accepted


def test_annotations_whose_answer_is_lost_as_the_network_goes_down_are_journaled_and_named(
    client: DsClient, store: Store, journal: Journal
) -> None:
    store.faults.lose_answers, store.faults.down_after_lost = 1, True
    figures = [DossierFigures(IN_CONSTRUCTION, rang=1), DossierFigures(IN_INSTRUCTION, rang=2)]
    plan = plan_annotations(client, store.demarche, figures)

    with pytest.raises(NetworkError) as caught:
        apply_annotations(client, plan, journal)

    assert store.annotation(IN_CONSTRUCTION, "Rang dans la répartition")["value"] == "1"  # written
    logged = entries(journal)
    assert [(e["dossier"], e["reussi"]) for e in logged] == [(IN_CONSTRUCTION, False)]
    assert logged[0]["reponse"]["reponse_perdue"] == "erreur du serveur (HTTP 502)"
    partial = caught.value.partial
    assert isinstance(partial, AnnotationResult) and partial.stopped
    assert "peut-être été écrites" in partial.unknown[IN_CONSTRUCTION] and not partial.failed  # nothing refused
    line = partial.journal_line("agent", datetime(2026, 3, 2)).detail
    assert "arrêt avant la fin" in line and f"peut-être écrites pour {IN_CONSTRUCTION}" in line
    assert f"dossier {IN_CONSTRUCTION} : réponse perdue" in str(caught.value)


def test_a_dossier_deleted_after_the_plan_fails_alone_and_is_called_a_dossier(
    client: DsClient, store: Store, journal: Journal
) -> None:
    # Found by a review: « la démarche est introuvable », and the dossiers after it were not written.
    figures = [DossierFigures(IN_CONSTRUCTION, rang=1), DossierFigures(IN_INSTRUCTION, rang=2)]
    plan = plan_annotations(client, store.demarche, figures)
    store.delete(IN_CONSTRUCTION)  # the applicant deletes it while the agent reads the plan

    result = apply_annotations(client, plan, journal)

    assert result.written == {IN_INSTRUCTION: 1}
    assert store.annotation(IN_INSTRUCTION, "Rang dans la répartition")["value"] == "2"
    (message,) = result.failed[IN_CONSTRUCTION]
    assert message.startswith("le dossier n'est plus sur démarches-simplifiées (supprimé"), message
    assert "la démarche" not in message


def test_a_decision_taken_elsewhere_meanwhile_is_reported_as_the_platform_holds_it(
    client: DsClient, store: Store, journal: Journal
) -> None:
    plan = plan_decisions(client, store.demarche, [Decision(IN_INSTRUCTION, "accepter", "Accordée.")])
    store.records[IN_INSTRUCTION].node["state"] = "accepte"  # accepted on the website between plan and apply

    result = apply_decisions(client, plan, journal)

    assert result.done == {IN_INSTRUCTION: "accepte"} and result.failed == {}
    assert "déjà accepté sur démarches-simplifiées" in result.text()
    assert entries(journal)[-1]["reponse"]["etat"] == "accepte"


# -- 5. several groupes instructeurs


def gex(store: Store) -> dict[str, str]:
    person = {"id": typed_id("Instructeur", 2), "email": "gex@ain.gouv.fr"}
    store.add_groupe(2, "Pays de Gex", [person])
    store.move(21001002, 2)
    store.move(21001015, 2)
    return person


def test_the_instructeur_is_chosen_in_each_dossier_s_groupe(client: DsClient, store: Store, journal: Journal) -> None:
    gex(store)
    decisions = [Decision(IN_CONSTRUCTION, "passer_en_instruction"), Decision(21001002, "passer_en_instruction")]

    plan = plan_decisions(client, store.demarche, decisions)

    assert plan.problems == []
    assert {s.decision.number: s.instructeur.email for s in plan.steps} == {
        IN_CONSTRUCTION: "instructeur@ain.gouv.fr",
        21001002: "gex@ain.gouv.fr",
    }
    result = apply_decisions(client, plan, journal)
    assert result.done == {IN_CONSTRUCTION: "en_instruction", 21001002: "en_instruction"}
    assert [e["instructeur"] for e in entries(journal)] == ["instructeur@ain.gouv.fr", "gex@ain.gouv.fr"]


def test_the_dry_run_warns_for_a_dossier_whose_groupe_has_not_the_instructeur(
    client: DsClient, store: Store, journal: Journal
) -> None:
    gex(store)
    figures = [DossierFigures(IN_CONSTRUCTION, rang=1), DossierFigures(21001002, rang=2)]

    plan = plan_annotations(client, store.demarche, figures, instructeur_email="instructeur@ain.gouv.fr")

    assert [c.number for c in plan.changes] == [IN_CONSTRUCTION]
    assert plan.problems == [
        "dossier 21001002 : instructeur@ain.gouv.fr n'est pas instructeur du groupe « Pays de Gex » de ce dossier "
        "(instructeurs du groupe : gex@ain.gouv.fr) : lancez la commande avec --instructeur d'un instructeur du "
        "groupe, ou ajoutez-vous au groupe sur démarches-simplifiées ; rien n'est écrit"
    ]
    decisions = plan_decisions(
        client, store.demarche, [Decision(21001015, "accepter", "Oui.")], instructeur_email="instructeur@ain.gouv.fr"
    )
    assert decisions.steps == [] and "« Pays de Gex »" in decisions.problems[0]
    apply_decisions(client, decisions, journal)
    assert store.mutations() == []


# -- 6. a read-only token


def test_a_read_only_token_is_named_by_the_dry_run_and_nothing_is_sent(
    make_client: Callable[..., DsClient], store: Store, journal: Journal, tmp_path: Path
) -> None:
    store.tokens[READ_ONLY] = TokenRule(write=False)
    client = make_client(READ_ONLY)
    pdf = tmp_path / "arrete.pdf"
    pdf.write_bytes(b"%PDF-1.4 arrete signe")

    plan = plan_decisions(client, store.demarche, [Decision(IN_INSTRUCTION, "accepter", "Accordée.", pdf)])

    assert plan.writable is False
    assert "le jeton ne permet que la lecture" in plan.text()
    with pytest.raises(AuthError, match="le jeton ne permet que la lecture") as caught:
        apply_decisions(client, plan, journal)
    assert "Cannot return null" not in str(caught.value)
    assert store.blobs == {} and store.state_of(IN_INSTRUCTION) == "en_instruction"
    annotations = plan_annotations(client, store.demarche, [DossierFigures(IN_CONSTRUCTION, rang=1)])
    assert "le jeton ne permet que la lecture" in annotations.text()


def test_an_upload_refused_to_a_read_only_token_says_so(
    make_client: Callable[..., DsClient], store: Store, journal: Journal, tmp_path: Path
) -> None:
    """Even when the plan could not tell (the token changed since): the platform's null ``directUpload`` is
    read as what it is."""
    pdf = tmp_path / "arrete.pdf"
    pdf.write_bytes(b"%PDF-1.4 arrete signe")
    client = make_client()
    plan = plan_decisions(client, store.demarche, [Decision(IN_INSTRUCTION, "accepter", "Accordée.", pdf)])
    store.tokens[next(iter(store.tokens))] = TokenRule(write=False)

    with pytest.raises(AuthError, match="le jeton ne permet que la lecture") as caught:
        apply_decisions(client, plan, journal)
    assert "directUpload" not in str(caught.value)
    assert store.state_of(IN_INSTRUCTION) == "en_instruction"


def test_a_version_is_compared_as_an_instant_and_said_as_it_stands() -> None:
    from xlplugin.ds.demarche import DossierInstruction, changed_since
    from xlplugin.workbook.rows import version_text

    on_platform = DossierInstruction("id", 1, "en_construction", version="2021-09-14T08:42:17Z")
    assert changed_since(on_platform, version_text("2021-09-14T10:42:17+02:00")) is None  # the same instant
    assert changed_since(on_platform, None) is None  # the workbook does not say: the caller decides
    later = changed_since(on_platform, version_text("2021-09-01T09:00:00+02:00"))
    assert later is not None and "modifié sur démarches-simplifiées (le 14/09/2021 à 10:42) après" in later
    typed = changed_since(on_platform, "2021-10-01 09:35:00")  # a later date typed by hand: not « après »
    assert typed is not None and "après" not in typed and "n'est pas la version que juge le classeur" in typed
