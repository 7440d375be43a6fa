"""``guichet ds sync`` through click, against the local server (annoter and decider: test_cli_workbook.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from batch.cli import main
from tests.acceptance.ds.conftest import TOKEN
from tests.acceptance.ds.server import Running, Store


def run(args: list[str], env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["ds", *args], env={"GUICHET_DS_JETON": TOKEN, **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def test_sync_command_fetches_into_the_folder_and_reports_in_french(server: Running, store: Store, recus: Path) -> None:
    code, out, err = run(
        ["sync", "--demarche", str(store.demarche), "--dossier-recus", str(recus), "--api", server.url]
    )

    assert code == 0, err
    assert len(list(recus.glob("dossier-*.json"))) == 250
    assert err.splitlines() == [
        "Page 1 : 100 dossiers reçus",
        "Page 2 : 200 dossiers reçus",
        "Page 3 : 250 dossiers reçus",
    ]
    assert "Première synchronisation : 250 dossiers reçus en 3 pages." in out
    assert TOKEN not in out + err

    store.change(21001001, "Intitulé du projet", "Nouveau titre")
    code, out, _ = run(["sync", "--demarche", str(store.demarche), "--dossier-recus", str(recus), "--api", server.url])
    assert code == 0 and "Nouvelles versions : 21001001 (version 2)" in out
    assert (recus / "dossier-21001001.v2.json").exists()


def test_sync_command_without_token_says_how_to_give_one(server: Running, store: Store, recus: Path) -> None:
    code, out, err = run(
        ["sync", "--demarche", str(store.demarche), "--dossier-recus", str(recus), "--api", server.url],
        env={"GUICHET_DS_JETON": None},
    )
    assert code == 1 and out == ""
    assert err.startswith("Erreur : aucun jeton de démarches-simplifiées : définissez la variable d'environnement")
    assert "Traceback" not in err and not recus.exists()


def test_sync_command_with_a_refused_token(server: Running, store: Store, recus: Path) -> None:
    code, _, err = run(
        ["sync", "--demarche", str(store.demarche), "--dossier-recus", str(recus), "--api", server.url],
        env={"GUICHET_DS_JETON": "SECRET-jeton-revoque-0000"},
    )
    assert code == 1
    assert err == (
        "Erreur : démarches-simplifiées refuse le jeton (HTTP 403) : il est inconnu, révoqué ou mal recopié ; "
        "vérifiez-le, ou un administrateur de la démarche le crée sur démarches-simplifiées (Voir mon profil › "
        "Jetons d'API)\n"
    )
    assert "SECRET-jeton-revoque-0000" not in err


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_sync_command_refuses_a_token_file_others_can_read(server: Running, store: Store, tmp_path: Path) -> None:
    secret = tmp_path / "jeton"
    secret.write_text(TOKEN, encoding="utf-8")
    secret.chmod(0o644)
    args = ["sync", "--demarche", str(store.demarche), "--dossier-recus", str(tmp_path / "recus"), "--api", server.url]
    code, _, err = run([*args, "--jeton-fichier", str(secret)], env={"GUICHET_DS_JETON": None})
    assert code == 1 and f"faites « chmod 600 {secret} »" in err
    secret.chmod(0o600)
    code, _, _ = run([*args, "--jeton-fichier", str(secret)], env={"GUICHET_DS_JETON": None})
    assert code == 0


def test_every_command_has_french_help() -> None:
    for command in ([], ["sync"], ["annoter"], ["decider"]):
        code, out, _ = run([*command, "--help"])
        assert code == 0 and "Utilisation :" in out and "Affiche cette aide." in out
    _, out, _ = run(["annoter", "--help"])
    assert "--appliquer" in out and "simulation" in out
