"""The office's round trip with démarches-simplifiées, through the commands, against the local server:
``ds sync --workbook`` (fetch, check, import), the agent's notes, ``allocate``, ``ds annoter`` (dry run, then
``--appliquer``: the workbook's figures land in the annotations, and are not sent twice), the committee's
decisions typed in the workbook, ``ds decider --appliquer`` (accepted with the signed decision attached,
refused with the rules' motifs), each write in the workbook's « Journal » and in the local log.
"""

from __future__ import annotations

import functools
import json
import warnings
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from click.testing import CliRunner, Result

from batch.cli import main
from tests.acceptance.ds.conftest import TOKEN
from tests.acceptance.ds.dossiers import generated_nodes
from tests.acceptance.ds.server import Store, TokenRule, start
from xlplugin.ds import DsClient
from xlplugin.workbook import layout as L

COUNT = 40
RECALLED = "Ni les fichiers ni le classeur n'ont changé depuis le dernier import"


def run(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env={"GUICHET_DS_JETON": TOKEN})


@pytest.fixture
def office(tmp_path: Path) -> Any:
    store = Store(generated_nodes(COUNT))
    store.tokens[TOKEN] = TokenRule()
    running = start(store)
    workbook = tmp_path / "suivi.xlsx"
    assert run("init", workbook).exit_code == 0
    yield store, running, workbook, tmp_path / "recus"
    running.stop()


def rows(workbook: Path) -> tuple[Any, dict[int, int], dict[str, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(workbook)
    sheet = book[L.DOSSIERS]
    header = {cell.value: cell.column for cell in sheet[1]}
    numbers = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value}
    return book, numbers, header


def journal(workbook: Path) -> list[tuple[Any, ...]]:
    book, _, _ = rows(workbook)
    return [row for row in book[L.JOURNAL].iter_rows(min_row=2, values_only=True) if row[0]]


def test_sync_annotate_and_decide_from_the_workbook(office: Any) -> None:
    store, server, workbook, recus = office
    demarche = ["--demarche", store.demarche, "--api", server.url]

    # 1. Fetch, check and import in one command.
    result = run("ds", "sync", *demarche, "--dossier-recus", recus, "--workbook", workbook)
    assert result.exit_code == 0, result.output
    assert f"Import : {COUNT} ajouté(s)" in result.output
    _, numbers, _ = rows(workbook)
    assert len(numbers) == COUNT
    assert any("Synchronisation démarches-simplifiées" in line[2] for line in journal(workbook))

    # 2. The agent's notes, then the allocation.
    grants = _noted_and_allocated(workbook)
    financed = next(n for n, d in grants.items() if d["statut"] == "finance")
    ineligible = next(n for n, d in grants.items() if d["statut"] == "ineligible")

    # 3. Annotations: a dry run sends nothing; --appliquer sends the workbook's figures, once.
    result = run("ds", "annoter", *demarche, "--workbook", workbook)
    assert result.exit_code == 0, result.output
    assert "Simulation : rien n'a été envoyé" in result.output and not store.operations("dossierModifierAnnotations")
    result = run("ds", "annoter", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 0, result.output
    assert store.operations("dossierModifierAnnotations")
    assert store.annotation(financed, "Rang dans la répartition")["value"] == str(grants[financed]["rang"])
    assert store.annotation(ineligible, "Statut dans la répartition")["stringValue"] == "Inéligible"
    judged = {d["numero"]: d for d in json.loads(run("evaluate", "--format", "json", recus).stdout)}
    sent = store.annotation(financed, "Montant proposé (€)")["value"]
    assert Decimal(repr(sent)) == Decimal(judged[financed]["montant"])  # the rules' figure, as in the workbook
    before = len(store.operations("dossierModifierAnnotations"))
    result = run("ds", "annoter", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 0 and len(store.operations("dossierModifierAnnotations")) == before
    assert sum(1 for line in journal(workbook) if "annotation" in (line[2] or "").lower()) >= 1

    # 4. The committee's decisions, typed in the workbook; the signed decision beside it.
    signed = workbook.parent / "arretes" / f"arrete-{financed}.pdf"
    signed.parent.mkdir()
    signed.write_bytes(b"%PDF-1.4\n% arrete signe\n" + bytes(range(256)) * 20)
    book, numbers, header = rows(workbook)
    sheet = book[L.DOSSIERS]
    sheet.cell(numbers[financed], header["Décision"], "accordée")
    sheet.cell(numbers[financed], header["Date de décision"], "15/11/2021")
    sheet.cell(numbers[financed], header["Décision signée (fichier PDF)"], f"arretes/{signed.name}")
    sheet.cell(numbers[ineligible], header["Décision"], "refusée")
    sheet.cell(numbers[ineligible], header["Date de décision"], "15/11/2021")
    book.save(workbook)
    result = run("ds", "decider", *demarche, "--workbook", workbook)
    assert result.exit_code == 0, result.output
    assert "Simulation" in result.output and store.state_of(financed) != "accepte"
    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 0, result.output
    assert store.state_of(financed) == "accepte" and store.state_of(ineligible) == "refuse"
    refusal = store.operations("dossierRefuser")[-1]
    assert "n'est pas retenue" in json.dumps(refusal.__dict__, ensure_ascii=False, default=str)
    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert len(store.operations("dossierAccepter")) == 1  # decided once, then skipped and said so
    local_log = workbook.with_name("suivi.journal-ds.jsonl")
    assert local_log.exists() and TOKEN not in local_log.read_text(encoding="utf-8")
    assert TOKEN not in json.dumps(journal(workbook), default=str)


def test_a_decision_that_cannot_be_sent_names_the_dossier_and_the_column(office: Any) -> None:
    store, server, workbook, recus = office
    demarche = ["--demarche", store.demarche, "--api", server.url]
    assert run("ds", "sync", *demarche, "--dossier-recus", recus, "--workbook", workbook).exit_code == 0
    book, numbers, header = rows(workbook)
    first, second = list(numbers)[:2]
    book[L.DOSSIERS].cell(numbers[first], header["Décision"], "peut-être")
    book[L.DOSSIERS].cell(numbers[second], header["Décision"], "classée sans suite")
    book.save(workbook)
    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 1
    assert f"dossier {first}" in result.output and "« peut-être » n'est pas une décision" in result.output
    assert f"dossier {second}" in result.output and "« Motif du refus »" in result.output
    assert not store.operations("dossierClasserSansSuite")


def test_a_blank_required_annotation_moves_no_dossier_and_the_dry_run_names_it(office: Any) -> None:
    store, server, workbook, recus = office
    demarche = ["--demarche", store.demarche, "--api", server.url]
    assert run("ds", "sync", *demarche, "--dossier-recus", recus, "--workbook", workbook).exit_code == 0
    store.required = {"Avis du service instructeur"}  # the démarche asks for it; the tool never fills it
    book, numbers, header = rows(workbook)
    decided = list(numbers)[:3]
    for number in decided:
        book[L.DOSSIERS].cell(numbers[number], header["Décision"], "refusée")
        book[L.DOSSIERS].cell(numbers[number], header["Date de décision"], "15/11/2021")
        book[L.DOSSIERS].cell(numbers[number], header["Motif du refus"], "Le projet ne relève pas de l'appel.")
    book.save(workbook)
    states = {n: store.state_of(n) for n in decided}
    assert "en_construction" in states.values()

    dry = run("ds", "decider", *demarche, "--workbook", workbook)

    for number in decided:
        said = [line for line in dry.output.splitlines() if f"dossier {number} :" in line]
        assert said and "l'annotation privée obligatoire « Avis du service instructeur » est vide" in said[0]
    assert "0 dossier à traiter" in dry.output

    applied = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")

    assert applied.exit_code == 1
    assert store.mutations() == []
    assert {n: store.state_of(n) for n in decided} == states
    assert all(store.records[n].notified == [] for n in decided)


def test_a_refusal_is_motivated_on_the_platform_as_its_letter_states_it(office: Any) -> None:
    # The applicant reads the same motifs in the platform's e-mail and in the refusal letter: each true of the
    # dossier and grounded in law; the envelope only for a dossier ranked but not reached; a typed motif that
    # contradicts the dossier is refused, named, and that decision is not sent.
    from xlplugin.rules import default_reglement
    from xlplugin.rules.refusal import motivation, refusal_motifs
    from xlplugin.workbook.reading import read_tracking

    store, _server, workbook, _recus = office
    demarche, grants = _allocated(office)
    ineligible = next(n for n, d in grants.items() if d["statut"] == "ineligible")
    waiting = next(n for n, d in grants.items() if d["statut"] == "attente")
    financed = next(n for n, d in grants.items() if d["statut"] == "finance")
    book, numbers, header = rows(workbook)
    for number in (ineligible, waiting, financed):
        book[L.DOSSIERS].cell(numbers[number], header["Décision"], "refusée")
        book[L.DOSSIERS].cell(numbers[number], header["Date de décision"], "15/11/2021")
    book[L.DOSSIERS].cell(numbers[financed], header["Motif du refus"], "L'enveloppe a été attribuée aux mieux classés")
    book.save(workbook)

    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 1
    assert f"dossier {financed}" in result.output and "invoque l'enveloppe" in result.output
    assert store.state_of(financed) != "refuse"  # not sent
    sent = {n: store.records[n].node.get("motivation") for n in grants if store.state_of(n) == "refuse"}
    assert set(sent) == {ineligible, waiting}
    reglement = default_reglement()
    tracking = {row.number: row for row in read_tracking(workbook, reglement).rows}
    for number in (ineligible, waiting):
        row = tracking[number]
        assert row.evaluation is not None
        assert sent[number] == motivation(refusal_motifs(row.evaluation, row.grant, "", reglement))
        assert "En droit :" in sent[number]
    assert "mieux classés" in sent[waiting] and "mieux classés" not in sent[ineligible]


def test_a_decision_whose_act_cannot_be_made_is_not_sent(office: Any, tmp_path: Path) -> None:
    # What cannot be undone waits for what can be checked: a grant above the legal ceiling of public aid with no
    # ground for its derogation, a decision dated before the committee, a grant without its signed decision or
    # with a Word draft — each named by the dry run, none sent; the others go.
    from xlplugin.documents.calculation import legal_cap
    from xlplugin.rules import default_reglement
    from xlplugin.workbook.reading import read_tracking

    store, server, workbook, recus = office
    demarche = ["--demarche", store.demarche, "--api", server.url]
    assert run("ds", "sync", *demarche, "--dossier-recus", recus, "--workbook", workbook).exit_code == 0
    book, numbers, header = rows(workbook)
    for position, row in enumerate(numbers.values()):
        book[L.DOSSIERS].cell(row, header["Note impact (0 à 3)"], 3)
        book[L.DOSSIERS].cell(row, header["Note besoin (0 à 3)"], 2)
        if position % 2:
            book[L.DOSSIERS].cell(row, header["Dérogation L1111-10"], "Oui")  # ticked, with no legal ground
    book.save(workbook)
    assert run("allocate", "--workbook", workbook).exit_code == 0
    reglement = default_reglement()
    tracked = read_tracking(workbook, reglement).by_number()
    funded = [n for n, row in tracked.items() if row.evaluation is not None and row.grant.allocated > 0]
    above = next(n for n in funded if tracked[n].grant.allocated > legal_cap(tracked[n].evaluation, reglement))
    within = [n for n in funded if n != above and tracked[n].grant.allocated <= legal_cap(tracked[n].evaluation,
                                                                                         reglement)]  # fmt: skip
    early, unsigned, draft, good = within[:4]
    (tmp_path / "arrete.docx").write_bytes(b"PK")
    book, numbers, header = rows(workbook)
    sheet = book[L.DOSSIERS]
    for number in (above, early, unsigned, draft, good):
        signed = tmp_path / f"arrete-{number}.pdf"  # each its own signed decision
        signed.write_bytes(f"%PDF-1.4\n% arrete {number} signe\n".encode())
        sheet.cell(numbers[number], header["Décision"], "accordée")
        sheet.cell(numbers[number], header["Date de décision"], "15/12/2021")
        sheet.cell(numbers[number], header["Date du comité"], "10/12/2021")
        sheet.cell(numbers[number], header["Décision signée (fichier PDF)"], str(signed))
    sheet.cell(numbers[early], header["Date de décision"], "01/12/2021")  # before the committee
    sheet.cell(numbers[unsigned], header["Décision signée (fichier PDF)"]).value = None
    sheet.cell(numbers[draft], header["Décision signée (fichier PDF)"], str(tmp_path / "arrete.docx"))
    book.save(workbook)

    dry = run("ds", "decider", *demarche, "--workbook", workbook)
    assert dry.exit_code == 1, dry.output  # a dry run with decisions that cannot go says so by its code too
    said = {n: " ".join(line for line in dry.output.splitlines() if f"dossier {n} " in line) for n in numbers}
    assert "plafond des aides publiques" in said[above] and "n'est pas envoyée" in said[above]
    assert "comité" in said[early]
    assert "--sans-arrete" in said[unsigned]
    assert "n'est pas un PDF" in said[draft]
    assert not said[good]

    applied = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert applied.exit_code == 1
    assert store.state_of(good) == "accepte"
    assert all(store.state_of(n) in ("en_construction", "en_instruction") for n in (above, early, unsigned, draft))
    assert run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer", "--sans-arrete").exit_code == 1
    assert store.state_of(unsigned) == "accepte"  # said explicitly: accepted without a document


def test_the_sync_after_the_offices_writes_counts_them_apart_from_the_dossiers_changes(office: Any) -> None:
    # A tester's day: after ds annoter --appliquer and ds decider --appliquer, the next sync said « modifiés
    # (nouvelle version) : 40 » as if the applicants had changed 40 dossiers; only the office's writes had. The new
    # versions are kept (they are what the platform holds), and said to be the office's.
    store, _server, workbook, recus = office
    demarche, grants = _allocated(office)
    assert run("ds", "annoter", *demarche, "--workbook", workbook, "--appliquer").exit_code == 0
    book, numbers, header = rows(workbook)
    annotated = {n for n in numbers if store.records[n].node["dateDerniereModificationAnnotations"] is not None}
    assert len(annotated) > 1
    ineligible = next(n for n, d in grants.items() if d["statut"] == "ineligible")
    book[L.DOSSIERS].cell(numbers[ineligible], header["Décision"], "refusée")
    book[L.DOSSIERS].cell(numbers[ineligible], header["Date de décision"], "15/11/2021")
    book.save(workbook)
    decided = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert decided.exit_code == 0, decided.output
    assert store.state_of(ineligible) == "refuse"
    edited = next(n for n in numbers if n != ineligible)  # the applicant changes a dossier too
    store.change(edited, "Intitulé du projet", "Un autre intitulé")

    result = run("ds", "sync", *demarche, "--dossier-recus", recus)

    assert result.exit_code == 0, result.output
    changed = annotated | {ineligible, edited}
    office_only = len(changed) - 1
    assert (
        f"modifiés (nouvelle version) : {len(changed)}, dont {office_only} changés seulement par les annotations ou "
        "les décisions du bureau" in result.output
    )
    assert f"Nouvelles versions : {edited} (version 2)\n" in result.output  # the applicant's change, named alone
    assert f"{ineligible} (version 2)" in result.output.split("annotations ou décisions du bureau seules :")[1]
    assert all((recus / f"dossier-{n}.v2.json").exists() for n in changed)  # kept: what the platform holds


def test_the_weekly_sync_with_nothing_new_recalls_the_last_import(office: Any) -> None:
    # The sync's own line in the « Journal » changed the workbook's digest before every import, so the weekly
    # ``ds sync --workbook`` never recalled and checked every file again. Its line is carried over; what the
    # recall says is what a whole re-import says, and a change by anyone else still means a whole import.
    store, server, workbook, recus = office
    demarche = ["--demarche", store.demarche, "--api", server.url]
    assert run("ds", "sync", *demarche, "--dossier-recus", recus, "--workbook", workbook).exit_code == 0
    lines_before = len(journal(workbook))

    again = run("ds", "sync", *demarche, "--dossier-recus", recus, "--workbook", workbook)

    assert again.exit_code == 0, again.output
    assert RECALLED in again.output and "Rien à écrire" in again.output
    assert len(journal(workbook)) == lines_before + 1  # the sync is journaled all the same
    after = workbook.read_bytes()
    whole = run("import", recus, "--workbook", workbook, "--tout-recontroler")
    assert workbook.read_bytes() == after  # a whole re-import writes nothing either, and says the same
    said = again.output.split("Ligne ajoutée au journal du classeur suivi.xlsx\n")[1].strip().splitlines()
    assert [line for line in said if RECALLED not in line] == whole.output.strip().splitlines()
    # The line of a write to démarches-simplifiées is carried over too …
    _noted_and_allocated(workbook)
    assert RECALLED not in run("import", recus, "--workbook", workbook).output  # the agents' notes: a change
    assert run("ds", "annoter", *demarche, "--workbook", workbook, "--appliquer").exit_code == 0
    assert RECALLED in run("import", recus, "--workbook", workbook).output
    # … and no one else's.
    book = rows(workbook)[0]
    book[L.JOURNAL].append(["07/12/2026 10:00", "agent", "Note", "", "vu au téléphone"])
    book.save(workbook)
    assert RECALLED not in run("import", recus, "--workbook", workbook).output


def test_a_dossier_not_yet_noted_is_sent_as_not_ranked_not_as_waiting(office: Any) -> None:
    # Found by a reader of the guide: before the agents' notes, every eligible dossier went to the platform as
    # « Liste d'attente », a waiting list it was not on.
    store, server, workbook, recus = office
    demarche = ["--demarche", store.demarche, "--api", server.url]
    assert run("ds", "sync", *demarche, "--dossier-recus", recus, "--workbook", workbook).exit_code == 0
    assert run("allocate", "--workbook", workbook).exit_code == 0
    shared = json.loads(run("allocate", "--format", "json", "--workbook", workbook).stdout)
    unranked = [d["numero"] for d in shared["dossiers"] if d["statut"] == "non_classe"]
    assert unranked and not any(d["statut"] == "attente" for d in shared["dossiers"])
    assert run("ds", "annoter", *demarche, "--workbook", workbook, "--appliquer").exit_code == 0
    sent = store.annotation(unranked[0], "Statut dans la répartition")["stringValue"]
    assert sent == "Non classé (à apprécier ou à compléter)"


def _noted_and_allocated(workbook: Path) -> dict[int, Any]:
    """Every dossier of the workbook noted (impact 3, besoin 2), then allocated: the allocation, by number."""
    book, numbers, header = rows(workbook)
    for row in numbers.values():
        book[L.DOSSIERS].cell(row, header["Note impact (0 à 3)"], 3)
        book[L.DOSSIERS].cell(row, header["Note besoin (0 à 3)"], 2)
    book.save(workbook)
    assert run("allocate", "--workbook", workbook).exit_code == 0
    shared = json.loads(run("allocate", "--format", "json", "--workbook", workbook).stdout)
    return {d["numero"]: d for d in shared["dossiers"]}


def _allocated(office: Any) -> tuple[list[str], dict[int, Any]]:
    """Synced, every dossier noted and allocated (``_noted_and_allocated``): the command's options and the
    allocation."""
    store, server, workbook, recus = office
    demarche = ["--demarche", store.demarche, "--api", server.url]
    assert run("ds", "sync", *demarche, "--dossier-recus", recus, "--workbook", workbook).exit_code == 0
    return demarche, _noted_and_allocated(workbook)


def _decided(office: Any) -> tuple[Any, list[str], int, int]:
    """Allocated (``_allocated``), one financed dossier granted, its signed decision beside the workbook."""
    store, _server, workbook, _recus = office
    demarche, grants = _allocated(office)
    financed = next(n for n, d in grants.items() if d["statut"] == "finance")
    other = next(n for n in rows(workbook)[1] if n != financed)  # the first other row of the sheet
    book, numbers, header = rows(workbook)
    sheet = book[L.DOSSIERS]
    sheet.cell(numbers[financed], header["Décision"], "accordée")
    sheet.cell(numbers[financed], header["Date de décision"], "15/11/2021")
    book.save(workbook)
    _signed_as(workbook, financed, f"arrete-{financed}.pdf")
    return store, demarche, financed, other


def _signed_as(workbook: Path, number: int, name: str) -> Path:
    """The row of dossier ``number`` given its signed decision: a PDF named ``name``, beside the workbook."""
    signed = workbook.parent / "arretes" / name
    signed.parent.mkdir(exist_ok=True)
    signed.write_bytes(b"%PDF-1.4\n% arrete signe\n")
    book, numbers, header = rows(workbook)
    book[L.DOSSIERS].cell(numbers[number], header["Décision signée (fichier PDF)"], f"arretes/{signed.name}")
    book.save(workbook)
    return signed


@pytest.mark.parametrize("mistake", ["duplicated", "cleared", "mistyped", "stale"])
def test_a_workbook_that_would_send_one_dossiers_figures_for_another_sends_nothing(office: Any, mistake: str) -> None:
    # Found by fuzzing the write-back: a granted row whose number was typed as another dossier's got that dossier
    # accepted with the first one's signed decision, and the allocation run again without it gave its money to a
    # third; a cleared number dropped the decided row without a word. Writes to DS cannot be undone: none goes.
    store, demarche, financed, other = _decided(office)
    workbook = office[2]
    book, numbers, header = rows(workbook)
    sheet = book[L.DOSSIERS]
    row = numbers[financed]
    said = {
        "duplicated": f"le dossier {other} figure sur plusieurs lignes",
        "cleared": "une décision (« accordée ») sans n° de dossier",
        "mistyped": "« --5 » n'est pas un n° de dossier",
        "stale": "ne dit plus ce que donnent les règles",
    }[mistake]
    if mistake == "duplicated":
        sheet.cell(row, 1, other)
    elif mistake == "cleared":
        sheet.cell(row, 1).value = None  # (cell(r, c, None) would leave it)
    elif mistake == "mistyped":
        sheet.cell(row, 1, "--5")
    else:  # a note changed after the allocation: « Alloué » is no longer what the rules give
        sheet.cell(numbers[other], header["Note impact (0 à 3)"], 0)
        sheet.cell(numbers[other], header["Note besoin (0 à 3)"], 0)
    book.save(workbook)
    before = len(store.mutations())
    for command in (["ds", "decider"], ["ds", "annoter"]):
        for apply in ([], ["--appliquer"]):
            result = run(*command, *demarche, "--workbook", workbook, *apply)
            assert result.exit_code == 1, result.output
            assert said in result.output and "Rien n'est envoyé à démarches-simplifiées" in result.output
    assert len(store.mutations()) == before


def test_a_decision_dated_in_the_future_is_not_sent(office: Any) -> None:
    # « 29/11/2031 » for 2021: the act was sent as if taken. A decision sent is a decision taken: its date is past.
    store, demarche, financed, _other = _decided(office)
    workbook = office[2]
    book, numbers, header = rows(workbook)
    book[L.DOSSIERS].cell(numbers[financed], header["Date de décision"], "29/11/2031")
    book.save(workbook)
    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 1, result.output
    assert f"dossier {financed}" in result.output and "le 29/11/2031 est à venir" in result.output
    assert not store.operations("dossierAccepter") and store.state_of(financed) != "accepte"


def test_two_numbers_swapped_between_rows_write_nothing_for_either_dossier(office: Any) -> None:
    # Found by the write-back fuzz: each row's note and rank went to the other dossier. The row's SIRET (imported
    # from the depositor) is checked against the dossier's depositor on démarches-simplifiées.
    store, demarche, financed, other = _decided(office)
    workbook = office[2]
    book, numbers, header = rows(workbook)
    sheet = book[L.DOSSIERS]
    siret = {n: sheet.cell(numbers[n], header["SIRET"]).value for n in (financed, other)}
    assert siret[financed] != siret[other]
    sheet.cell(numbers[financed], 1, other)
    sheet.cell(numbers[other], 1, financed)
    book.save(workbook)
    assert run("allocate", "--workbook", workbook).exit_code == 0  # « Alloué » as the rules give it, swapped rows too
    result = run("ds", "annoter", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 1 and "Rien n'est envoyé" not in result.output, result.output  # the others are written
    for number in (financed, other):
        assert f"dossier {number} : le SIRET de sa ligne du classeur" in result.output
    written = {store.records[n].node["id"] for n in (financed, other)}
    sent = [op.variables for op in store.operations("dossierModifierAnnotations")]
    assert sent and not any(v.get("input", {}).get("dossierId") in written for v in sent)
    # The grant typed on the row now numbered « other »: the platform's dossier « other » is not its depositor's
    # (its signed decision named without a number, which would be refused first: see the next test).
    _signed_as(workbook, other, "arrete-signe.pdf")
    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 1 and f"dossier {other} : le SIRET de sa ligne du classeur" in result.output
    assert store.state_of(other) not in ("accepte", "en_instruction") and not store.operations("dossierAccepter")


@pytest.mark.parametrize("name", ["arrete-{other}.pdf", "{other}-arrete.pdf"])
def test_another_dossiers_signed_decision_is_not_attached(office: Any, name: str) -> None:
    # Found by the write-back fuzz: a path copied or filled down from the row above attached the other dossier's
    # signed arrêté to this one, for good. The acts are named after their dossier (« 30000002-arrete.pdf »).
    store, demarche, financed, other = _decided(office)
    workbook = office[2]
    _signed_as(workbook, financed, name.format(other=other))
    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 1, result.output
    assert f"dossier {financed}" in result.output and f"porte le n° d'un autre dossier ({other})" in result.output
    assert not store.uploads and not store.operations("dossierAccepter") and store.state_of(financed) != "accepte"
    # Its own number in the name (a date or a reference beside it is no matter): the decision goes, with the file.
    _signed_as(workbook, financed, f"2021-11-15 arrete {financed} (ref {other}).pdf")
    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 0, result.output
    assert store.state_of(financed) == "accepte" and len(store.uploads) == 1


def test_writes_stopped_midway_are_said_and_recorded_in_the_workbook(office: Any, monkeypatch: Any) -> None:
    # Found by a review: a run stopped by the network wrote no line in the workbook's « Journal », not even for
    # the dossiers it had written before.
    store, server, workbook, recus = office
    monkeypatch.setattr("batch.commands.ds.DsClient", functools.partial(DsClient, sleep=lambda _seconds: None))
    demarche = ["--demarche", store.demarche, "--api", server.url]
    assert run("ds", "sync", *demarche, "--dossier-recus", recus, "--workbook", workbook).exit_code == 0
    _noted_and_allocated(workbook)
    store.faults.lose_answers, store.faults.down_after_lost = 1, True  # the first write done, then nothing

    result = run("ds", "annoter", *demarche, "--workbook", workbook, "--appliquer")

    assert result.exit_code == 1 and "Traceback" not in result.output
    written = store.operations("dossierModifierAnnotations")[0].variables["input"]["dossierId"]
    number = next(n for n, r in store.records.items() if r.node["id"] == written)
    assert f"dossier {number} : réponse perdue" in result.output  # named, with what to do
    assert "Ligne ajoutée au journal du classeur suivi.xlsx" in result.output
    line = journal(workbook)[-1]
    assert "Annotations démarches-simplifiées" in line[2] and "arrêt avant la fin" in line[4]


def test_one_signed_decision_named_on_two_rows_goes_with_neither(office: Any) -> None:
    # Found by a review: two granted rows naming « arrete-signe.pdf » (no number in the name) both got it
    # attached, for good. A copy under another name is the same act.
    store, demarche, financed, _other = _decided(office)
    workbook = office[2]
    book, numbers, header = rows(workbook)
    second = next(n for n in numbers if n != financed and store.state_of(n) == "en_construction")
    sheet = book[L.DOSSIERS]
    sheet.cell(numbers[second], header["Décision"], "accordée")
    sheet.cell(numbers[second], header["Date de décision"], "15/11/2021")
    book.save(workbook)
    for number in (financed, second):
        _signed_as(workbook, number, "arrete-signe.pdf")

    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")

    assert result.exit_code == 1, result.output
    for number, same in ((financed, second), (second, financed)):
        said = [line for line in result.output.splitlines() if f"dossier {number} (ligne" in line]
        assert any(f"« arrete-signe.pdf » est aussi la décision signée du dossier {same} " in s for s in said)
    assert not store.uploads and not store.operations("dossierAccepter")

    copy = _signed_as(workbook, second, f"arrete-{second}.pdf")  # the same bytes under its own name
    copy.write_bytes((workbook.parent / "arretes" / "arrete-signe.pdf").read_bytes())
    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 1 and "(le même fichier, ou une copie)" in result.output
    assert not store.uploads

    copy.write_bytes(b"%PDF-1.4\n% arrete signe, le sien\n")  # each its own: both go
    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 0, result.output
    assert store.state_of(financed) == store.state_of(second) == "accepte" and len(store.uploads) == 2


def test_a_dossier_changed_by_its_applicant_since_the_import_is_not_decided(office: Any) -> None:
    # Found by a review: a dossier still « en construction » was changed on démarches-simplifiées after the
    # workbook imported it (its title, its other public funding), and `ds decider` accepted it with the old
    # figures and arrêté. The workbook records the version each row was imported from; the platform's must match.
    store, demarche, financed, _other = _decided(office)
    workbook = office[2]
    book, numbers, header = rows(workbook)
    imported = book[L.DOSSIERS].cell(numbers[financed], header["Version reçue de démarches-simplifiées"]).value
    received = datetime.fromisoformat(store.records[financed].node["dateDerniereModificationChamps"])
    assert imported == received.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M:%S %z")
    assert store.state_of(financed) == "en_construction"
    store.change(financed, "Intitulé du projet", "Achat de tablettes pour le conseil municipal")

    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")

    assert result.exit_code == 1, result.output
    said = " ".join(line for line in result.output.splitlines() if f"dossier {financed}" in line)
    assert "modifié sur démarches-simplifiées" in said and "guichet ds sync --workbook" in said, result.output
    assert not store.uploads and not store.operations("dossierPasserEnInstruction")
    assert store.state_of(financed) == "en_construction"

    # Synchronised again, the row says the new version: the decision goes.
    assert run("ds", "sync", *demarche, "--dossier-recus", office[3], "--workbook", workbook).exit_code == 0
    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")
    assert result.exit_code == 0, result.output
    assert store.state_of(financed) == "accepte"


def test_a_row_without_the_version_it_was_imported_from_is_not_decided(office: Any) -> None:
    store, demarche, financed, _other = _decided(office)
    workbook = office[2]
    book, numbers, header = rows(workbook)
    book[L.DOSSIERS].cell(numbers[financed], header["Version reçue de démarches-simplifiées"]).value = None
    book.save(workbook)

    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")

    assert result.exit_code == 1, result.output
    assert "colonne « Version reçue de démarches-simplifiées » : vide" in result.output
    assert not store.uploads and store.state_of(financed) == "en_construction"


def test_the_figures_of_a_version_changed_since_are_not_written_in_the_annotations(office: Any) -> None:
    store = office[0]
    demarche, grants = _allocated(office)
    changed = next(n for n, d in grants.items() if d["statut"] == "finance")
    store.change(changed, "Intitulé du projet", "Un autre projet")

    result = run("ds", "annoter", *demarche, "--workbook", office[2], "--appliquer")

    assert result.exit_code == 1, result.output
    said = " ".join(line for line in result.output.splitlines() if f"dossier {changed}" in line)
    assert "modifié sur démarches-simplifiées" in said and "rien n'est écrit" in said
    written = {op.variables["input"]["dossierId"] for op in store.operations("dossierModifierAnnotations")}
    assert store.records[changed].node["id"] not in written and len(written) > 1  # the others are written


def test_a_workbook_without_the_version_column_says_so_once(office: Any) -> None:
    # A workbook of a former version of the tool, allocated but not imported since: the column is missing, which
    # is said once (not as an empty cell on each row).
    store, demarche, financed, _other = _decided(office)
    workbook = office[2]
    book, _numbers, header = rows(workbook)
    book[L.DOSSIERS].cell(1, header["Version reçue de démarches-simplifiées"]).value = "Notes du bureau"
    book.save(workbook)

    result = run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer")

    assert result.exit_code == 1, result.output
    assert "n'a pas encore la colonne « Version reçue de démarches-simplifiées »" in result.output
    assert f"rien n'est envoyé d'ici là pour les dossiers {financed}" in result.output
    assert ": vide" not in result.output and store.state_of(financed) == "en_construction"


def test_a_run_with_nothing_to_send_leaves_the_workbook_as_it_was(office: Any) -> None:
    # Every annotation already up to date: no write to démarches-simplifiées, so no « Journal » line, no save and
    # no backup of the workbook either.
    store, demarche, financed, _other = _decided(office)
    workbook = office[2]
    assert run("ds", "annoter", *demarche, "--workbook", workbook, "--appliquer").exit_code == 0
    assert run("ds", "decider", *demarche, "--workbook", workbook, "--appliquer").exit_code == 0
    assert store.state_of(financed) == "accepte"
    before = workbook.read_bytes()
    backups = sorted(workbook.parent.glob("suivi.sauvegarde-*.xlsx"))

    for command in ("annoter", "decider"):
        result = run("ds", command, *demarche, "--workbook", workbook, "--appliquer")
        assert result.exit_code == 0, result.output
        assert "Rien n'a été envoyé : le classeur n'est pas modifié." in result.output
        assert "Ligne ajoutée au journal" not in result.output

    assert workbook.read_bytes() == before and sorted(workbook.parent.glob("suivi.sauvegarde-*.xlsx")) == backups
