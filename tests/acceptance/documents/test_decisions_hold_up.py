"""Decisions that hold up (issue 20): read as the prefecture's legal reviewer reads them, the acts cite the
ground of an amount above the legal ceiling, state one rate and the rule of payment that follows, give true
refusal motifs in fact and in law, state the lapse and the appeal route the law sets, and read as French acts."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Pt

from tests.acceptance.documents.conftest import (
    DECIDED_ON,
    DEROGATION_REFERENCE,
    EXAMPLES,
    needs_libreoffice,
    needs_poppler,
)
from tests.acceptance.documents.test_render import documents_of, docx_text, flat
from xlplugin.documents import (
    ARRETE,
    NOTIFICATION,
    REFUSAL,
    CommitteeList,
    DecisionError,
    DocumentSettings,
    OfficeDecision,
    RenderReport,
    build_record,
    committee_list,
    euros,
    percent,
    render_documents,
    write_committee_xlsx,
)
from xlplugin.documents.calculation import legal_cap
from xlplugin.documents.record import DecisionRecord
from xlplugin.rules import Allocation, Evaluation, Reglement, default_territory, evaluate, read_dossier

D = Decimal
ABOVE_CAP = 21000101  # 19 200 € by the rules (derogation ticked) for 19 200,50 € of investment: the cap is 15 360,40 €
PARTIAL = 21000123
BOTH_PARTS = 21000104
EPCI = 21000124
SMALL_COMMUNE = 21000101
UNRANKED = 21000131  # eligible, note 65 in the words, no population: never ranked
WAITING = 21000107


def by_number(records: list[DecisionRecord]) -> dict[int, DecisionRecord]:
    return {r.number: r for r in records}


def one(
    evaluations: list[Evaluation], allocation: Allocation, reglement: Reglement, number: int, **typed: object
) -> DecisionRecord:
    evaluation = next(e for e in evaluations if e.number == number)
    verdict = "accordée" if allocation.grant(number).allocated > 0 else "refusée"
    typed = {"decision": verdict, "decided_on": DECIDED_ON, **typed}
    decision = OfficeDecision(number, **typed)  # type: ignore[arg-type]
    return build_record(evaluation, allocation.grant(number), decision, reglement)


# -- 1. CGCT L1111-10: an amount above the legal ceiling rests on a ground the law gives, cited by the act


def test_an_amount_above_the_legal_ceiling_without_its_ground_is_refused_naming_what_to_type(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    with pytest.raises(DecisionError) as missing:
        one(evaluations, allocation, reglement_ain, ABOVE_CAP)
    message = str(missing.value)
    assert message.startswith(f"Dossier {ABOVE_CAP}, Fondement de la dérogation L1111-10 : ")
    assert "dépasse de 3\u00a0839,60\u00a0€ le plafond" in message and "15\u00a0360,40\u00a0€" in message
    assert "« calamites_publiques »" in message and "ramenez le montant accordé" in message
    with pytest.raises(DecisionError, match="« petite commune » n'est pas un fondement prévu par la loi"):
        one(evaluations, allocation, reglement_ain, ABOVE_CAP, derogation_ground="petite commune")
    with pytest.raises(DecisionError, match=f"Dossier {ABOVE_CAP}, Décision de dérogation L1111-10 : "):
        one(evaluations, allocation, reglement_ain, ABOVE_CAP, derogation_ground="calamites_publiques")
    within = one(evaluations, allocation, reglement_ain, ABOVE_CAP, amount=D("15360"))
    assert within.derogation is None and within.amount <= (within.legal_cap or 0)
    # « Vu Arrêté préfectoral n° … » (found by fuzzing the documents' content): the reference comes with its article
    typed = {"derogation_ground": "calamites_publiques"}
    with pytest.raises(DecisionError, match="saisissez la décision avec son article"):
        one(evaluations, allocation, reglement_ain, ABOVE_CAP, **typed, derogation_reference="Arrêté n° 5 du 2/11/21")
    cited = one(evaluations, allocation, reglement_ain, ABOVE_CAP, **typed, derogation_reference="L'arrêté n° 5")
    assert cited.derogation is not None and cited.derogation.reference == "l'arrêté n° 5"  # within a sentence


def test_the_act_cites_the_derogation_its_amount_rests_on(
    rendered: RenderReport, records: list[DecisionRecord]
) -> None:
    record = by_number(records)[ABOVE_CAP]
    assert record.derogation is not None and record.legal_cap == D("15360.40")
    text = flat(docx_text(documents_of(rendered, ABOVE_CAP)[ARRETE]))
    reference = DEROGATION_REFERENCE.format(number=101)
    assert f"Vu {reference}, accordant, sur le fondement de l'article L. 1111-10, III" in text
    # « pour un opération … » and « (code …, art. L. 1111-10, III (dérogation …)) » before: the ground is a phrase
    # of either gender, and its text holds parentheses
    assert "au titre suivant : projet d'investissement destiné à réparer les dégâts causés par des calamités" in text
    assert "maître d'ouvrage pour un" not in text and "))" not in text
    assert f"la participation minimale du maître d'ouvrage étant levée par {reference}" in text
    assert "participation minimale du maître d'ouvrage prévue à l'article L. 1111-10" not in text
    within = next(r for r in records if r.granted and r.derogation is None and r.investment)
    other = flat(docx_text(documents_of(rendered, within.number)[ARRETE]))
    assert "Vu l'arrêté préfectoral" not in other and "(80 % de la part d'investissement" in other


def test_every_act_stays_within_the_legal_ceiling_or_cites_its_ground(
    records: list[DecisionRecord], rendered: RenderReport
) -> None:
    for record in (r for r in records if r.granted):
        assert record.legal_cap is not None
        if record.amount > record.legal_cap:
            assert record.derogation is not None, record.number
            text = flat(docx_text(documents_of(rendered, record.number)[ARRETE]))
            assert flat(record.derogation.reference) in text and flat(record.derogation.text) in text


def test_the_committee_is_told_which_amount_needs_a_derogation(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    listed = committee_list(evaluations, allocation, reglement_ain)
    line = next(line for line in listed.funded if line.number == ABOVE_CAP)
    assert "au-delà du plafond L. 1111-10 (15\u00a0360,40\u00a0€) : dérogation à fonder" in line.note
    plain = next(line for line in listed.funded if line.number == 21000119)  # no derogation ticked
    assert "plafond" not in plain.note


# -- 3. refusal reasons are true, in fact and in law


def test_a_typed_motif_that_claims_the_envelope_for_an_unranked_dossier_is_refused(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    claimed = "L'enveloppe du fonds dans l'Ain est entièrement attribuée aux dossiers mieux classés."
    assert allocation.grant(UNRANKED).rank is None
    with pytest.raises(DecisionError) as caught:
        one(evaluations, allocation, reglement_ain, UNRANKED, refusal_motif=claimed)
    message = str(caught.value)
    assert message.startswith(f"Dossier {UNRANKED}, Motif du refus : le motif invoque l'enveloppe ou le classement")
    assert "n'est pas classé" in message
    with pytest.raises(DecisionError, match="n'est pas classé"):
        one(evaluations, allocation, reglement_ain, UNRANKED)  # nothing true said: the office must say it


def test_a_typed_motif_that_calls_an_eligible_dossier_ineligible_is_refused(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    with pytest.raises(DecisionError, match="le motif dit le dossier inéligible"):
        one(evaluations, allocation, reglement_ain, WAITING, refusal_motif="Le projet est inéligible.")


def test_every_motif_has_its_ground_in_law(
    records: list[DecisionRecord], evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    recorded = by_number(records)
    (waiting,) = recorded[WAITING].motifs
    assert waiting.code == "ENVELOPPE_EPUISEE" and "« 297 000 € sont dédiés" in waiting.law
    assert "par ordre de note décroissante" in waiting.law
    axes = next(m for r in records for m in r.motifs if m.code == "PROJET_HORS_AXES")
    assert "l'appel à projets de la préfecture de l'Ain : « La création ou l’amélioration" in axes.law
    late = next(m for r in records for m in r.motifs if m.code == "DEBUT_TARDIF")
    assert "démarrage au 31 décembre 2021" in late.law
    typed = one(
        evaluations,
        allocation,
        reglement_ain,
        WAITING,
        refusal_motif="Projet déjà financé par la DSIL. En droit : décret n° 2018-514, art. 10",
    )
    office = typed.motifs[-1]
    assert (office.code, office.message, office.law) == (
        "MOTIF_DU_PREFET",
        "Projet déjà financé par la DSIL.",
        "décret n° 2018-514, art. 10.",
    )
    assert all(m.law for r in records for m in r.motifs)


def test_a_refusal_letter_states_each_motif_in_fact_and_in_law(
    rendered: RenderReport, records: list[DecisionRecord]
) -> None:
    record = by_number(records)[WAITING]
    text = flat(docx_text(documents_of(rendered, WAITING)[REFUSAL]))
    assert "en fait et en droit" in text
    assert f"En fait : {flat(record.motifs[0].message)}" in text and f"En droit : {flat(record.motifs[0].law)}" in text


# -- 4. the same SIRET twice is flagged before the committee; operating expenses have their own legal basis


def test_two_dossiers_of_the_same_siret_are_flagged_before_the_committee(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    first, second = (e for e in evaluations if e.number in (21000119, 21000121))
    twin = evaluate(dataclasses.replace(second.dossier, applicant=first.dossier.applicant), reglement_ain)
    chosen = [twin if e.number == 21000121 else e for e in evaluations]
    listed = committee_list(chosen, allocation, reglement_ain)
    lines = {line.number: line for section in (listed.funded, listed.waiting) for line in section}
    assert "même SIRET que le dossier 21000121" in lines[21000119].note
    assert "même SIRET que le dossier 21000119" in lines[21000121].note
    assert not any("même SIRET" in line.note for n, line in lines.items() if n not in (21000119, 21000121))


def test_the_operating_part_has_its_own_legal_basis_and_its_share_of_the_amount(
    rendered: RenderReport, records: list[DecisionRecord]
) -> None:
    record = by_number(records)[BOTH_PARTS]
    invested, operated = record.amount_split
    assert invested + operated == record.amount and operated > 0
    assert invested == (record.amount * record.investment / record.eligible_cost).quantize(D("0.01"), "ROUND_FLOOR")
    text = flat(docx_text(documents_of(rendered, BOTH_PARTS)[ARRETE]))
    assert f"pour {flat(euros(invested))} sur la part d'investissement, régie par le décret n° 2018-514" in text
    assert f"pour {flat(euros(operated))} sur la part de fonctionnement, qui n'en relève pas" in text
    assert "sur le fondement de l'article 9-1 de la loi n° 2000-321" in text


# -- 5. one rate in every document, and the rule of payment that follows from it


def test_a_partial_grant_states_one_rate_everywhere(rendered: RenderReport, records: list[DecisionRecord]) -> None:
    record = by_number(records)[PARTIAL]
    assert record.partial and record.grant_rate == record.amount / record.eligible_cost
    rate = flat(percent(record.grant_rate))
    assert rate == "44,39 %" and record.rate == D("0.65")  # 31 075 € of 70 000 €; the rules said 65 %
    arrete = flat(docx_text(documents_of(rendered, PARTIAL)[ARRETE]))
    letter = flat(docx_text(documents_of(rendered, PARTIAL)[NOTIFICATION]))
    assert f"Le taux de subvention est de {rate} de cette dépense" in arrete
    assert f"Le taux de subvention est de {rate} de la dépense subventionnable" in letter
    assert f"Le montant définitif de la subvention est égal au taux de {rate} appliqué aux dépenses" in arrete
    for text in (arrete, letter):  # the rules' 65 % is only a step of the calculation, never the grant's rate
        assert "taux de subvention est de 65 %" not in text and "taux de 65 %" not in text
    assert "Taux de financement selon les règles de l'appel : 65 %" in arrete


# -- 6. lapse as the décret says it; Télérecours for those that must use it


def test_the_lapse_follows_the_decree(rendered: RenderReport) -> None:
    text = flat(docx_text(documents_of(rendered, SMALL_COMMUNE)[ARRETE]))
    assert "délai de deux ans à compter de la notification du présent acte" in text
    assert "(décret n° 2018-514 du 25 juin 2018, art. 11" in text and "prorogée pour un an au plus" in text
    assert "à la condition, fixée par l'appel à projets, que le projet reçoive un commencement d'exécution" in text


@pytest.mark.parametrize(
    ("number", "kind", "mandatory"),
    [(EPCI, ARRETE, True), (PARTIAL, ARRETE, True), (SMALL_COMMUNE, ARRETE, False), (EPCI, NOTIFICATION, True)],
)
def test_the_appeal_route_says_when_telerecours_is_mandatory(
    rendered: RenderReport, number: int, kind: str, mandatory: bool
) -> None:
    text = flat(docx_text(documents_of(rendered, number)[kind]))
    assert ("par l'application Télérecours (www.telerecours.fr), à peine d'irrecevabilité" in text) == mandatory
    assert ("par courrier ou par l'application Télérecours citoyens" in text) == (not mandatory)


def test_an_epci_refused_is_told_telerecours_is_mandatory(rendered: RenderReport) -> None:
    text = flat(docx_text(documents_of(rendered, 21000127)[REFUSAL]))  # an EPCI on the waiting list
    assert "à peine d'irrecevabilité (code de justice administrative, art. R. 414-1)" in text


# -- 7. form


SPREADSHEET_WORDS = re.compile(r"\b(colonne|cellule|classeur|feuille de calcul|onglet)\b", re.IGNORECASE)


def test_no_act_speaks_of_the_workbook(rendered: RenderReport) -> None:
    for document in rendered.documents:
        text = docx_text(document.docx)
        assert not SPREADSHEET_WORDS.search(text), (document.docx.name, SPREADSHEET_WORDS.search(text))


def test_french_spacing_everywhere(rendered: RenderReport) -> None:
    bad = re.compile(r" [:;!?%€»]|« |\d \d{3}\b|n° |\b[LRD]\. \d")  # « article R. 421-1 » never cut after « R. »
    for document in rendered.documents:
        text = docx_text(document.docx)
        found = bad.search(text)
        assert found is None, (document.docx.name, text[max(0, found.start() - 30) : found.end() + 30])


def test_names_are_elided_as_french_writes_them(rendered: RenderReport, records: list[DecisionRecord]) -> None:
    assert by_number(records)[21000101].beneficiary_name == "Commune d'Ambérieux-en-Dombes"
    for document in rendered.documents:
        assert not re.search(r"\bde [AEIOUÉÈaeiouéè]", flat(docx_text(document.docx))), document.docx.name


def test_the_appeal_paragraph_is_at_the_size_of_the_text(rendered: RenderReport) -> None:
    for kind in (ARRETE, NOTIFICATION, REFUSAL):
        path = next(d.docx for d in rendered.documents if d.kind == kind)
        document = Document(str(path))
        normal = document.styles["Normal"].font.size
        paragraphs = [p for p in document.paragraphs if "délai de deux mois" in p.text or "Télérecours" in p.text]
        assert paragraphs, kind
        for paragraph in paragraphs:
            assert all((run.font.size or normal) >= Pt(10.5) for run in paragraph.runs), (kind, paragraph.text)


def test_a_placeholder_name_is_refused_and_the_typed_address_is_on_the_letter(
    evaluations: list[Evaluation],
    allocation: Allocation,
    reglement_ain: Reglement,
    settings: DocumentSettings,
    tmp_path: Path,
) -> None:
    evaluation = next(e for e in evaluations if e.number == 21000133)  # an association, refused
    placeholder = dataclasses.replace(evaluation.dossier.applicant, name="STRUCTURE")
    hidden = evaluate(dataclasses.replace(evaluation.dossier, applicant=placeholder), reglement_ain)
    decision = OfficeDecision(21000133, "refusée", DECIDED_ON)
    with pytest.raises(DecisionError, match="Dossier 21000133, Porteur : « STRUCTURE » n'est pas le nom"):
        build_record(hidden, allocation.grant(21000133), decision, reglement_ain)
    addressed = dataclasses.replace(decision, address="12 rue de la Mairie, 01000 Bourg-en-Bresse")
    record = build_record(evaluation, allocation.grant(21000133), addressed, reglement_ain)
    report = render_documents([record], settings, reglement_ain, tmp_path, pdf=False)
    assert "12 rue de la Mairie, 01000 Bourg-en-Bresse" in flat(docx_text(report.documents[0].docx))


def test_the_budget_line_and_the_accountant_are_settings(
    records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement, tmp_path: Path
) -> None:
    record = by_number(records)[SMALL_COMMUNE]
    bare = render_documents([record], settings, reglement_ain, tmp_path / "sans", pdf=False)
    text = flat(docx_text(next(d.docx for d in bare.documents if d.kind == ARRETE)))
    assert "comptable assignataire" not in text and "La dépense est imputée" not in text
    chosen = dataclasses.replace(settings, budget_line="le programme 363, action 06", accountant="la DDFiP de l'Ain")
    full = render_documents([record], chosen, reglement_ain, tmp_path / "avec", pdf=False)
    text = flat(docx_text(next(d.docx for d in full.documents if d.kind == ARRETE)))
    assert "La dépense est imputée sur le programme 363, action 06." in text
    assert "Le comptable assignataire est la DDFiP de l'Ain." in text


@pytest.fixture(scope="module")
def committee_file(
    evaluations: list[Evaluation],
    allocation: Allocation,
    reglement_ain: Reglement,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    listed: CommitteeList = committee_list(evaluations, allocation, reglement_ain)
    return write_committee_xlsx(listed, tmp_path_factory.mktemp("comite") / "etat.xlsx", date(2021, 11, 22))


def test_a_row_of_the_committee_list_is_as_high_as_its_wrapped_words_need() -> None:
    # Found by a reader of the guide in the demo's printed list: « Plateforme intercommunale de services », 38
    # characters in a column of 22, was given two lines — but wrapped at spaces it takes three, and the PDF cut
    # « services » off.
    from decimal import Decimal

    from xlplugin.documents.committee import CommitteeLine, _lines_needed

    def line(project: str) -> CommitteeLine:
        zero = Decimal(0)
        return CommitteeLine(8, 21000124, "Commune", "Belley", project, 1, zero, None, None, None, zero, "", "")

    assert _lines_needed(line("Plateforme intercommunale de services")) == 3
    assert _lines_needed(line("Portail citoyen")) == 1
    assert _lines_needed(line("")) == 1
    assert _lines_needed(line("Portail\ncitoyen")) == 2  # a line break typed in the title


def test_the_committee_list_prints_landscape_one_page_wide(committee_file: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(committee_file).active
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    sizes = {cell.font.sz for row in sheet.iter_rows() for cell in row if cell.value is not None}
    assert min(sizes) >= 10  # the fit to the page's width may shrink them; the PDF says by how much


@needs_libreoffice
@needs_poppler
def test_the_printed_committee_list_is_readable(committee_file: Path, tmp_path: Path) -> None:
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profil').as_uri()}",
            "--headless",
            *("--convert-to", "pdf", "--outdir", str(tmp_path), str(committee_file)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = tmp_path / "etat.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())  # type: ignore[union-attr]
    assert width > height  # landscape
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    heights = sorted(
        float(y2) - float(y1)
        for y1, y2 in re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)
    )
    assert heights and heights[len(heights) // 2] >= 8, heights[len(heights) // 2]  # the median word: 8 pt or more
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Observation" in text  # the last column is on the page


def test_legal_cap_is_the_investment_part_less_the_owners_share(
    evaluations: list[Evaluation], reglement_ain: Reglement
) -> None:
    evaluation = next(e for e in evaluations if e.number == BOTH_PARTS)
    expected = evaluation.investment * D("0.80") + (evaluation.assiette - evaluation.investment)
    assert legal_cap(evaluation, reglement_ain) == expected - evaluation.factors.other_public_funding
    assert default_territory() is not None and read_dossier is not None


# -- make demo's decisions, as the Makefile runs them


def test_the_demo_acts_stay_within_the_legal_ceiling_and_refuse_truly(tmp_path: Path) -> None:
    """make demo's day: import, allocation, the office's review and decisions (examples/decisions_demo.py), then
    the documents. Before, 11 of its 20 arrêtés went beyond the ceiling of CGCT L1111-10 without a word, and
    unranked dossiers were refused « the envelope went to better-ranked dossiers »."""
    import sys

    from click.testing import CliRunner

    from batch.cli import main
    from xlplugin.documents.workbook_source import read_records
    from xlplugin.rules import default_reglement

    sys.path.insert(0, str(EXAMPLES.parent))
    import decisions_demo

    workbook = tmp_path / "suivi.xlsx"
    for args in (["init", workbook], ["import", EXAMPLES.parent / "recus", EXAMPLES, "--workbook", workbook]):
        assert CliRunner().invoke(main, [str(a) for a in args]).exit_code == 0
    assert CliRunner().invoke(main, ["allocate", "--workbook", str(workbook)]).exit_code == 0
    decisions_demo.main(workbook)
    found = read_records(workbook, default_reglement())
    assert not found.problems, found.problems
    granted = [r for r in found.records if r.granted]
    assert len(granted) >= 20
    for record in granted:
        assert record.legal_cap is not None and record.amount <= record.legal_cap, record.number
        assert record.derogation is None
    assert sum(r.amount for r in granted) <= default_reglement().envelope
    for record in (r for r in found.records if not r.granted):
        assert all(m.law for m in record.motifs)
        if any(m.code == "ENVELOPPE_EPUISEE" for m in record.motifs):
            assert record.rank is not None, record.number


def test_a_decision_dated_before_the_deposit_or_the_committee_is_refused(
    evaluations: list[Evaluation], allocation: Allocation, reglement_ain: Reglement
) -> None:
    number = 21000119  # deposited in 2021, decided on 29 November 2021
    with pytest.raises(DecisionError, match=f"Dossier {number}, Date de décision : le 01/01/2021, avant le dépôt"):
        one(evaluations, allocation, reglement_ain, number, decided_on=date(2021, 1, 1))
    with pytest.raises(DecisionError, match="avant le comité du 22/11/2021"):
        one(
            evaluations,
            allocation,
            reglement_ain,
            number,
            decided_on=date(2021, 11, 20),
            committee_on=date(2021, 11, 22),
        )
