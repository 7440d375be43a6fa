"""Decisions: to instruction, accepted with the signed decision attached, refused, closed; idempotent."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from tests.acceptance.ds.conftest import TOKEN
from tests.acceptance.ds.server import Store
from xlplugin.ds import ApiError, Decision, DsClient, Journal, apply_decisions, plan_decisions

ROOT = Path(__file__).resolve().parents[3]
# In the generated démarche, one dossier in five is already « en instruction » (21001005, 21001010…).
IN_CONSTRUCTION, IN_INSTRUCTION = 21001001, 21001005


@pytest.fixture
def arrete(tmp_path: Path) -> Path:
    path = tmp_path / "arrete-21001001.pdf"
    path.write_bytes(b"%PDF-1.4\n% arrete attributif signe du prefet\n" + bytes(range(256)) * 40)
    return path


def test_decisions_plan_apply_and_idempotence(client: DsClient, store: Store, arrete: Path, tmp_path: Path) -> None:
    decisions = [
        Decision(IN_CONSTRUCTION, "accepter", "Subvention de 19 200 € au titre du fonds.", arrete),
        Decision(IN_INSTRUCTION, "refuser", "Le projet ne relève d'aucun axe de l'appel."),
        Decision(21001010, "classer_sans_suite", "Dossier retiré par la commune."),
        Decision(21001002, "passer_en_instruction"),
    ]
    plan = plan_decisions(client, store.demarche, decisions)

    assert [(s.decision.number, s.operations) for s in plan.steps] == [
        (IN_CONSTRUCTION, ("passer_en_instruction", "accepter")),
        (IN_INSTRUCTION, ("refuser",)),
        (21001010, ("classer_sans_suite",)),
        (21001002, ("passer_en_instruction",)),
    ]
    text = plan.text()
    assert "passer en instruction puis accepter, avec l'arrêté arrete-21001001.pdf" in text
    assert store.state_of(IN_CONSTRUCTION) == "en_construction"  # a plan changes nothing

    log = Journal(tmp_path / "journal.jsonl", "instructeur@ain.gouv.fr")
    result = apply_decisions(client, plan, log)

    assert result.failed == {}
    assert result.done == {
        IN_CONSTRUCTION: "accepte",
        IN_INSTRUCTION: "refuse",
        21001010: "sans_suite",
        21001002: "en_instruction",
    }
    assert [store.state_of(n) for n in (IN_CONSTRUCTION, IN_INSTRUCTION, 21001010, 21001002)] == [
        "accepte",
        "refuse",
        "sans_suite",
        "en_instruction",
    ]
    accepted = store.records[IN_CONSTRUCTION]
    assert accepted.node["motivation"] == "Subvention de 19 200 € au titre du fonds."
    assert accepted.justificatif is not None and accepted.justificatif["data"] == arrete.read_bytes()
    assert accepted.justificatif["checksum"] == base64.b64encode(hashlib.md5(arrete.read_bytes()).digest()).decode()
    assert accepted.notified == ["en_instruction", "accepte"]
    # The storage never receives the token; it gets the headers createDirectUpload gave.
    assert len(store.uploads) == 1
    assert "Authorization" not in store.uploads[0] and store.uploads[0]["Content-Type"] == "application/pdf"
    entries = [json.loads(line) for line in log.path.read_text(encoding="utf-8").splitlines()]
    assert [(e["action"], e["dossier"], e["reussi"]) for e in entries] == [
        ("passer_en_instruction", IN_CONSTRUCTION, True),
        ("accepter", IN_CONSTRUCTION, True),
        ("refuser", IN_INSTRUCTION, True),
        ("classer_sans_suite", 21001010, True),
        ("passer_en_instruction", 21001002, True),
    ]
    assert entries[1]["envoye"]["justificatif"]["fichier"] == "arrete-21001001.pdf"
    assert entries[1]["reponse"]["etat"] == "accepte"
    line = result.journal_line("agent", __import__("datetime").datetime(2026, 3, 2, 11, 0)).cells()
    assert line[2] == "Décisions démarches-simplifiées (démarche 41234)" and "accepté : 21001001" in line[4]

    again = plan_decisions(client, store.demarche, decisions)
    assert again.steps == [] and again.problems == []
    assert again.skipped == [
        "dossier 21001001 déjà accepté : rien n'est renvoyé",
        "dossier 21001005 déjà refusé : rien n'est renvoyé",
        "dossier 21001010 déjà classé sans suite : rien n'est renvoyé",
        "dossier 21001002 déjà en instruction : rien n'est renvoyé",
    ]
    mutations = len([e for e in store.log if e.operation and e.operation.startswith("dossier")])
    assert apply_decisions(client, again, log).done == {}
    assert len([e for e in store.log if e.operation and e.operation.startswith("dossier")]) == mutations


def test_what_cannot_be_decided_is_said_and_nothing_is_sent(
    client: DsClient, store: Store, arrete: Path, tmp_path: Path
) -> None:
    apply_decisions(
        client,
        plan_decisions(client, store.demarche, [Decision(IN_INSTRUCTION, "accepter")]),
        Journal(tmp_path / "j.jsonl"),
    )
    plan = plan_decisions(
        client,
        store.demarche,
        [
            Decision(IN_INSTRUCTION, "refuser", "Finalement non."),
            Decision(21001010, "refuser", "  "),
            Decision(21001015, "accepter", "Oui.", tmp_path / "absent.pdf"),
            Decision(21001020, "valider"),
            Decision(12345678, "accepter"),
        ],
    )
    assert plan.steps == []
    assert plan.problems == [
        "dossier 21001005 : déjà accepté sur démarches-simplifiées, alors que la décision est « refuser » ; rien "
        "n'est fait (pour changer une décision, repassez d'abord le dossier en instruction sur démarches-simplifiées)",
        "dossier 21001010 : « refuser » demande une motivation, qui manque ; rien n'est fait",
        f"dossier 21001015 : l'arrêté signé {tmp_path / 'absent.pdf'} est introuvable ; rien n'est fait",
        "dossier 21001020 : décision « valider » inconnue (passer_en_instruction, accepter, refuser, "
        "classer_sans_suite) ; rien n'est fait",
        "dossier 12345678 : absent de la démarche 41234 sur démarches-simplifiées ; rien n'est fait",
    ]


def test_refusal_by_the_platform_is_reported_for_that_dossier_only(
    client: DsClient, store: Store, tmp_path: Path
) -> None:
    plan = plan_decisions(
        client, store.demarche, [Decision(IN_INSTRUCTION, "accepter"), Decision(21001010, "accepter")]
    )
    # Between the plan and the apply, someone refuses 21001005 on the website.
    store.records[IN_INSTRUCTION].node["state"] = "refuse"

    result = apply_decisions(client, plan, Journal(tmp_path / "j.jsonl"))

    assert result.failed == {IN_INSTRUCTION: ["Le dossier est déjà refusé", "il est refusé sur démarches-simplifiées"]}
    assert result.done == {21001010: "accepte"}
    assert "dossier 21001005 : Le dossier est déjà refusé ; il est refusé sur démarches-simplifiées" in result.text()


def test_storage_checks_the_md5_of_the_upload(client: DsClient, store: Store, arrete: Path) -> None:
    content = arrete.read_bytes()
    data = client.query(
        "mutation createDirectUpload($input: CreateDirectUploadInput!) { createDirectUpload(input: $input) "
        "{ directUpload { url headers signedBlobId } } }",
        "createDirectUpload",
        {
            "input": {
                "dossierId": store.records[IN_INSTRUCTION].node["id"],
                "filename": arrete.name,
                "byteSize": len(content),
                "checksum": base64.b64encode(hashlib.md5(content).digest()).decode(),
                "contentType": "application/pdf",
            }
        },
    )["createDirectUpload"]["directUpload"]
    with pytest.raises(ApiError, match="le service de stockage de démarches-simplifiées a refusé le fichier"):
        client.upload(data["url"], json.loads(data["headers"]), content[:-1] + b"X")  # altered on the way
    answer = client.mutate(
        "mutation dossierAccepter($input: DossierAccepterInput!) { dossierAccepter(input: $input) "
        "{ dossier { state } errors { message } } }",
        "dossierAccepter",
        {
            "input": {
                "dossierId": store.records[IN_INSTRUCTION].node["id"],
                "instructeurId": store.instructeurs[0]["id"],
                "justificatif": data["signedBlobId"],
            }
        },
    )
    assert answer.errors == ["Le hash du fichier téléversé est invalide"]
    assert store.state_of(IN_INSTRUCTION) == "en_instruction"
    # The same bytes, untouched, are accepted; then the decision goes through.
    client.upload(data["url"], json.loads(data["headers"]), content)
    accepted = client.mutate(
        "mutation dossierAccepter($input: DossierAccepterInput!) { dossierAccepter(input: $input) "
        "{ dossier { state } errors { message } } }",
        "dossierAccepter",
        {
            "input": {
                "dossierId": store.records[IN_INSTRUCTION].node["id"],
                "instructeurId": store.instructeurs[0]["id"],
                "justificatif": data["signedBlobId"],
            }
        },
    )
    assert accepted.ok and store.state_of(IN_INSTRUCTION) == "accepte"
    assert store.records[IN_INSTRUCTION].justificatif["data"] == content  # type: ignore[index]
    assert TOKEN not in str(store.uploads)
