"""Annotations: dry run, apply, idempotence, and the French messages of what cannot be written."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.acceptance.ds.dossiers import STABLE, typed_id
from tests.acceptance.ds.server import Store
from xlplugin.ds import (
    AnnotationTarget,
    ConfigurationError,
    DossierFigures,
    DsClient,
    Journal,
    apply_annotations,
    load_mapping,
    plan_annotations,
)

MUTATION = "dossierModifierAnnotations"
FIGURES = [
    DossierFigures(21001001, Decimal("72.5"), Decimal("0.8"), Decimal("19200.50"), "finance", 1),
    DossierFigures(21001002, Decimal("64"), Decimal("0.65"), Decimal("8000"), "partiel", 2),
    DossierFigures(21001003, Decimal("40"), Decimal("1"), Decimal("12000"), "attente", 3),
    DossierFigures(21001004, None, None, Decimal("0"), "ineligible", None),
]


def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "recus.journal-ds.jsonl", "instructeur@ain.gouv.fr", user="agent-test")


def test_dry_run_lists_what_would_change_and_sends_nothing(client: DsClient, store: Store) -> None:
    plan = plan_annotations(client, store.demarche, FIGURES)

    assert len(plan.changes) == 5 + 5 + 5 + 2
    assert plan.not_known == 3 and plan.unchanged == 0 and plan.problems == []
    assert store.operations(MUTATION) == []
    text = plan.text()
    assert "Annotations privées de la démarche 41234 (instructeur : instructeur@ain.gouv.fr)" in text
    assert "Dossier   Annotation" in text and "Nouvelle valeur" in text
    row = next(line for line in text.splitlines() if line.startswith("21001001") and "Montant proposé" in line)
    assert row.endswith(" 19\u202f200,5") and "(vide)" in row
    assert (
        "17 annotations à écrire dans 4 dossiers ; 0 déjà à jour (pas renvoyées) ; 3 chiffres pas encore connus" in text
    )


def test_apply_writes_the_annotations_then_nothing_is_sent_again(
    client: DsClient, store: Store, tmp_path: Path
) -> None:
    log = journal(tmp_path)
    result = apply_annotations(client, plan_annotations(client, store.demarche, FIGURES), log)

    assert result.failed == {} and result.annotations == 17 and len(result.written) == 4
    assert len(store.operations(MUTATION)) == 4  # one mutation per dossier
    assert store.annotation(21001001, "Note sur 100")["value"] == 72.5
    assert store.annotation(21001001, "Taux de financement (%)")["value"] == 80.0  # 0.8 as a percentage
    assert store.annotation(21001001, "Montant proposé (€)")["stringValue"] == "19200.5"
    assert store.annotation(21001001, "Statut dans la répartition")["stringValue"] == "Financé"
    assert store.annotation(21001002, "Statut dans la répartition")["stringValue"].startswith("Financé en partie")
    assert store.annotation(21001001, "Rang dans la répartition")["value"] == "1"
    assert store.annotation(21001004, "Note sur 100")["stringValue"] == ""  # unknown: not written
    # The journal: one line per write, who, when, what, the answer.
    lines = [json.loads(line) for line in log.path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4
    assert {k: lines[0][k] for k in ("utilisateur", "instructeur", "action", "demarche", "dossier", "reussi")} == {
        "utilisateur": "agent-test",
        "instructeur": "instructeur@ain.gouv.fr",
        "action": "annotations",
        "demarche": store.demarche,
        "dossier": 21001001,
        "reussi": True,
    }
    assert lines[0]["envoye"]["Montant proposé (€)"] == 19200.5 and lines[0]["reponse"]["erreurs"] == []

    again = plan_annotations(client, store.demarche, FIGURES)
    assert again.changes == [] and again.unchanged == 17
    assert apply_annotations(client, again, log).annotations == 0
    assert len(store.operations(MUTATION)) == 4


def test_only_the_figure_that_changed_is_sent(client: DsClient, store: Store, tmp_path: Path) -> None:
    apply_annotations(client, plan_annotations(client, store.demarche, FIGURES[:1]), journal(tmp_path))
    moved = DossierFigures(21001001, Decimal("72.50"), Decimal("0.8"), Decimal("19200.50"), "finance", 2)

    plan = plan_annotations(client, store.demarche, [moved])

    assert [(c.label, c.current, c.shown) for c in plan.changes] == [("Rang dans la répartition", "1", "2")]
    assert plan.unchanged == 4  # 72.50 is 72.5: the same number


def test_missing_annotation_and_unknown_dossier_are_said(client: DsClient, store: Store) -> None:
    targets = [
        AnnotationTarget("note", "Note de l'agent", "DecimalNumberChamp"),
        AnnotationTarget("rang", "Montant proposé (€)", "IntegerNumberChamp"),
    ]
    plan = plan_annotations(client, store.demarche, [DossierFigures(99999999, rang=1)], targets)

    assert plan.changes == []
    assert plan.problems == [
        "l'annotation privée « Note de l'agent » (note) n'existe pas sur la démarche 41234 : un administrateur doit la "
        "créer (type DecimalNumberChamp), ou corrigez son libellé dans templates/annotations-ain.json ; ce chiffre "
        "n'est pas écrit",
        "l'annotation « Montant proposé (€) » est de type DecimalNumberChamp sur démarches-simplifiées, et "
        "templates/annotations-ain.json attend IntegerNumberChamp : accordez les deux ; ce chiffre n'est pas écrit",
        "dossier 99999999 : absent de la démarche 41234 sur démarches-simplifiées (numéro erroné, dossier supprimé ou "
        "encore en brouillon) ; rien n'est écrit",
    ]


def test_annotation_found_by_id_when_the_label_changed(client: DsClient, store: Store) -> None:
    ident = typed_id("Champ", STABLE["Rang dans la répartition"])
    targets = [AnnotationTarget("rang", "Rang (ancien libellé)", "IntegerNumberChamp", id=ident)]
    plan = plan_annotations(client, store.demarche, [DossierFigures(21001001, rang=4)], targets)
    assert [(c.label, c.annotation_id) for c in plan.changes] == [("Rang dans la répartition", ident)]


def test_a_note_with_decimals_does_not_go_into_an_integer_annotation(client: DsClient, store: Store) -> None:
    targets = [AnnotationTarget("note", "Rang dans la répartition", "IntegerNumberChamp")]
    plan = plan_annotations(client, store.demarche, [DossierFigures(21001001, note=Decimal("72.5"))], targets)
    assert plan.problems == [
        "dossier 21001001 : note 72,5 n'est pas un nombre entier, et l'annotation « Rang dans la répartition » est de "
        "type nombre entier : faites-en un nombre décimal (DecimalNumberChamp) ; ce chiffre n'est pas écrit"
    ]


def test_instructeur_chosen_by_email_or_the_only_one(client: DsClient, store: Store) -> None:
    store.instructeurs.append({"id": typed_id("Instructeur", 2), "email": "Autre.Agent@ain.gouv.fr"})
    with pytest.raises(ConfigurationError, match=r"plusieurs instructeurs .* choisissez le vôtre avec --instructeur"):
        plan_annotations(client, store.demarche, FIGURES)
    plan = plan_annotations(client, store.demarche, FIGURES, instructeur_email="autre.agent@AIN.gouv.fr")
    assert plan.instructeur.id == typed_id("Instructeur", 2)
    with pytest.raises(ConfigurationError, match=re.escape("« x@y.fr » n'est pas instructeur de la démarche 41234")):
        plan_annotations(client, store.demarche, FIGURES, instructeur_email="x@y.fr")


def test_figures_are_decimals_never_floats() -> None:
    with pytest.raises(TypeError, match="dossier 1 : note doit être un Decimal"):
        DossierFigures(1, note=72.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "JSON invalide ligne 1"),
        ('{"annotations": {}}', "la clé « annotations » (une liste) manque"),
        (
            '{"annotations": [{"chiffre": "score", "libelle": "x", "type": "TextChamp"}]}',
            "annotations[0] : « chiffre »",
        ),
        ('{"annotations": [{"chiffre": "note", "libelle": "x", "type": "Nombre"}]}', "« type » vaut 'Nombre'"),
        (
            '{"annotations": [{"chiffre": "taux", "libelle": "x", "type": "DecimalNumberChamp", "echelle": 0}]}',
            "« echelle » doit être un nombre positif",
        ),
        # A choice list that lacks the status added after the office wrote its file: démarches-simplifiées would
        # refuse the choice, and the dossier's other annotations with it (found by a reviewer).
        (
            '{"annotations": [{"chiffre": "statut", "libelle": "x", "type": "DropDownListChamp", "valeurs": '
            '{"finance": "Financé", "partiel": "Partiel", "attente": "Attente", "ineligible": "Inéligible"}}]}',
            "ne dit pas l'option de « non_classe » (non classé)",
        ),
    ],
)
def test_mapping_file_errors_name_the_file_and_the_key(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "annotations.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(message)) as caught:
        load_mapping(path)
    assert str(caught.value).startswith(str(path))


def test_default_mapping_and_form_agree() -> None:
    """Every annotation the office writes is known to the intake's form (no « champ inconnu » warning)."""
    form = json.loads((Path(__file__).resolve().parents[3] / "templates/formulaire-ain.json").read_text("utf-8"))
    known = {(a["libelle"], a["type"]) for a in form["annotations"]}
    targets = load_mapping()
    assert [t.figure for t in targets] == ["note", "taux", "montant_propose", "statut", "rang"]
    assert {(t.label, t.typename) for t in targets} <= known


def test_an_annotation_refused_by_the_platform_is_reported_and_the_others_kept(
    client: DsClient, store: Store, tmp_path: Path
) -> None:
    plan = plan_annotations(client, store.demarche, FIGURES[:2])
    # Between the plan and the apply, the rank annotation disappears from dossier 21001001.
    node = store.records[21001001].node
    node["annotations"] = [a for a in node["annotations"] if a["label"] != "Rang dans la répartition"]
    log = journal(tmp_path)

    result = apply_annotations(client, plan, log)

    rank_id = typed_id("Champ", STABLE["Rang dans la répartition"])
    assert result.failed == {21001001: [f'L‘annotation "{rank_id}" n’existe pas']}
    assert result.written == {21001001: 4, 21001002: 5}
    assert store.annotation(21001001, "Note sur 100")["value"] == 72.5
    entries = [json.loads(line) for line in log.path.read_text(encoding="utf-8").splitlines()]
    assert [(e["dossier"], e["reussi"]) for e in entries] == [(21001001, False), (21001002, True)]
    assert "Refusées par démarches-simplifiées pour 1 dossier :" in result.text()
