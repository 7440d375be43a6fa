"""Writes the bundled example dossiers (``examples/dossiers/*.json``) from the table below.

Real communes and EPCI of the Ain (COG 2021), invented projects. Together they cover every motif and
avertissement of the rules. Run ``python examples/make_examples.py`` after changing the table; the
files are committed, so that ``make demo`` and the tests read exactly what an agent would.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from stdnum import luhn

from xlplugin.rules.identifiers import commune_siren

HERE = Path(__file__).parent
OUT = HERE / "dossiers"
COMMUNES = {r["code_insee"]: r for r in csv.DictReader((HERE.parent / "xlplugin/data/communes-ain-cog2021.csv").open())}
EPCIS = {r["siren"]: r for r in csv.DictReader((HERE.parent / "xlplugin/data/epci-ain-2021.csv").open())}

KINDS = {
    "S": "service_en_ligne",
    "F": "formation_inclusion",
    "R": "relation_usagers",
    "L": "laboratoire_innovation",
    "A": "autre",
}

# Expense line templates: (label, nature, contractor, département of the contractor)
LINES = {
    "portail": ("Portail de démarches en ligne", "logiciel", "Bresse Numérique", "01"),
    "param": ("Paramétrage et reprise des données", "prestation", "Bresse Numérique", "01"),
    "site": ("Refonte du site internet (RGAA)", "prestation", "Agence Web Gex", "01"),
    "sitely": ("Refonte du site internet (RGAA)", "prestation", "Studio Confluence", "69"),
    "appli": ("Application mobile citoyenne", "prestation", "Alpes Apps", "74"),
    "ged": ("Gestion électronique des documents", "logiciel", "Docuphile", "69"),
    "sig": ("Système d'information géographique", "logiciel", "GéoBugey", "01"),
    "form": ("Parcours de formation des agents", "formation", "Formanum", "69"),
    "formloc": ("Sensibilisation à l'inclusion numérique", "formation", "Ain Médiation Numérique", "01"),
    "conseil": ("Assistance à maîtrise d'ouvrage", "accompagnement", "Conseil Dombes", "01"),
    "labo": ("Ateliers avec le laboratoire d'innovation territoriale", "accompagnement", "LabAuRA", "69"),
    "accueil": ("Téléphonie et accueil omnicanal", "logiciel", "Télécom Revermont", "01"),
    "perso": ("Temps agent chef de projet", "personnel", "", None),
    "pc": ("Ordinateurs portables des agents", "equipement_agents", "Distrib IT", "69"),
    "autre": ("Communication auprès des habitants", "autre", "Imprimerie du Bugey", "01"),
}

COMMUNE = "commune"


def siret_of(siren: str) -> str:
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def fake_siren(seed: int) -> str:
    body = f"{seed:08d}"
    return body + luhn.calc_check_digit(body)


def commune_name(code: str) -> str:
    """« Commune de Belley », « Commune d'Ambérieux-en-Dombes »."""
    name = COMMUNES[code]["nom"]
    return f"Commune d'{name}" if name[0] in "AEIOUYÂÉÈÊÎÔ" else f"Commune de {name}"


def commune_porteur(code: str, agents: int) -> dict[str, object]:
    return {
        "type": COMMUNE,
        "nom": commune_name(code),
        "siret": siret_of(commune_siren(code)),
        "code_insee": code,
        "nb_agents": agents,
    }


def epci_porteur(siren: str, agents: int, seat: str | None = None) -> dict[str, object]:
    row = EPCIS[siren]
    porteur: dict[str, object] = {"type": "epci_fp", "nom": row["nom"], "siret": siret_of(siren), "nb_agents": agents}
    if seat:
        porteur["code_insee"] = seat
    return porteur


def partner_commune(code: str) -> dict[str, object]:
    return {"nom": commune_name(code), "type": COMMUNE, "siret": siret_of(commune_siren(code))}


def dossier(
    number: int,
    porteur: dict[str, object],
    title: str,
    kinds: str,
    lines: list[tuple[str, str]],
    *,
    start: str = "2021-10-01",
    end: str = "2022-09-30",
    agents: int = 5,
    users: int = 800,
    participatory: bool = False,
    lab: bool = False,
    requested: str | None = None,
    other: str = "0",
    derogation: bool = False,
    assessment: dict[str, int] | None = None,
    partners: list[dict[str, object]] | None = None,
    contact: dict[str, str] | None = None,
    total: str | None = None,
) -> dict[str, object]:
    expenses = []
    for key, amount in lines:
        label, nature, contractor, dep = LINES[key]
        line: dict[str, object] = {"libelle": label, "nature": nature, "montant_ht": amount, "prestataire": contractor}
        if dep:
            line["departement_prestataire"] = dep
        expenses.append(line)
    cost = sum((Decimal(a) for _, a in lines), Decimal("0"))
    cost_text = total or str(cost)
    doc: dict[str, object] = {
        "numero": number,
        "date_depot": f"2021-09-{1 + number % 28:02d}T{9 + number % 8:02d}:{number % 60:02d}:00+02:00",
        "statut": "en_instruction",
        "porteur": porteur,
        "projet_commun": bool(partners),
    }
    if partners:
        doc["partenaires"] = partners
        if contact is not None:
            doc["contact_operationnel"] = contact
    doc["projet"] = {
        "intitule": title,
        "description": f"{title} : projet de la collectivité pour ses habitants et ses agents.",
        "axes": [KINDS[k] for k in kinds],
        "date_debut": start,
        "date_fin": end,
        "resultats_attendus": "Service ouvert aux habitants et agents formés dans les 12 mois.",
        "agents_beneficiaires": agents,
        "usagers_beneficiaires": users,
        "demarche_participative": participatory,
        "laboratoire_innovation": lab,
        "justification": "Solution interopérable, hébergée en France, choisie après comparaison de trois offres.",
    }
    doc["depenses"] = expenses
    doc["cout_total"] = cost_text
    doc["montant_sollicite"] = requested or str(cost)
    doc["autres_financements"] = other
    doc["derogation_plafond_aides_publiques"] = derogation
    if assessment is not None:
        doc["appreciation"] = assessment
    return doc


CONTACT = {"nom": "Claire Martin", "courriel": "c.martin@mairie.example.fr", "structure": "Mairie porteuse"}


def examples() -> list[dict[str, object]]:
    n = 21000100
    return [
        # Small communes, 100 % band, with the prefect's derogation to the L1111-10 minimum share.
        dossier(
            n + 1,
            commune_porteur("01005", 12),
            "Portail citoyen de démarches en ligne",
            "SR",
            [("portail", "12400.00"), ("param", "6800.50")],
            agents=8,
            users=1500,
            participatory=True,
            derogation=True,
            assessment={"impact": 3, "besoin": 2},
        ),
        dossier(
            n + 2,
            commune_porteur("01100", 2),
            "Site internet accessible",
            "R",
            [("site", "6200.00")],
            agents=2,
            users=131,
            derogation=True,
            assessment={"impact": 2, "besoin": 3},
        ),
        dossier(
            n + 3,
            commune_porteur("01111", 1),
            "Formation des élus et agents au numérique",
            "F",
            [("formloc", "2400.00")],
            agents=1,
            users=60,
            assessment={"impact": 1, "besoin": 3},
        ),
        dossier(
            n + 4,
            commune_porteur("01052", 3),
            "Démarches d'urbanisme en ligne",
            "S",
            [("portail", "8600.00"), ("form", "1200.00")],
            agents=3,
            users=328,
            derogation=True,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 5,
            commune_porteur("01039", 4),
            "Accueil téléphonique et prise de rendez-vous",
            "R",
            [("accueil", "5400.00"), ("pc", "3600.00")],
            agents=4,
            users=443,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 6,
            commune_porteur("01060", 5),
            "Guichet numérique de la mairie",
            "SR",
            [("portail", "9800.00"), ("param", "2500.00"), ("perso", "4000.00")],
            agents=5,
            users=400,
            derogation=True,
            assessment={"impact": 3, "besoin": 3},
        ),
        dossier(
            n + 7,
            commune_porteur("01393", 3),
            "Inscriptions scolaires en ligne",
            "S",
            [("portail", "4300.00"), ("conseil", "900.00")],
            agents=3,
            users=300,
            assessment={"impact": 1, "besoin": 1},
        ),
        dossier(
            n + 8,
            commune_porteur("01041", 6),
            "Cartographie des réseaux communaux",
            "S",
            [("sig", "14500.00")],
            agents=4,
            users=200,
            derogation=True,
            assessment={"impact": 2, "besoin": 1},
        ),
        dossier(
            n + 9,
            commune_porteur("01362", 6),
            "Application mobile d'information",
            "R",
            [("appli", "18000.00")],
            agents=6,
            users=500,
            assessment={"impact": 2, "besoin": 1},
        ),
        dossier(
            n + 10,
            commune_porteur("01136", 5),
            "Dématérialisation des actes",
            "S",
            [("ged", "7200.00"), ("form", "1800.00")],
            agents=5,
            users=0,
            derogation=True,
            assessment={"impact": 1, "besoin": 2},
        ),
        dossier(
            n + 11,
            commune_porteur("01026", 8),
            "Espace citoyen et paiement en ligne",
            "SR",
            [("portail", "11000.00"), ("param", "3000.00"), ("formloc", "1500.00")],
            agents=8,
            users=900,
            participatory=True,
            derogation=True,
            assessment={"impact": 3, "besoin": 2},
        ),
        dossier(
            n + 12,
            commune_porteur("01096", 7),
            "Prise de rendez-vous en ligne pour l'état civil",
            "R",
            [("accueil", "3900.00")],
            agents=4,
            users=600,
            assessment={"impact": 1, "besoin": 2},
        ),
        dossier(
            n + 13,
            commune_porteur("01061", 9),
            "Site internet et lettre d'information",
            "R",
            [("sitely", "9500.00"), ("autre", "1200.00")],
            agents=6,
            users=1144,
            participatory=True,
            derogation=True,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 14,
            commune_porteur("01444", 8),
            "Formation des agents aux outils collaboratifs",
            "F",
            [("form", "4800.00"), ("formloc", "1600.00")],
            agents=8,
            users=0,
            assessment={"impact": 2, "besoin": 3},
        ),
        dossier(
            n + 15,
            commune_porteur("01021", 11),
            "Médiathèque : réservations en ligne",
            "SR",
            [("portail", "7600.00"), ("param", "2100.00")],
            agents=5,
            users=1457,
            derogation=True,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 16,
            commune_porteur("01420", 14),
            "Portail famille (cantine, périscolaire)",
            "S",
            [("portail", "13200.00"), ("param", "4100.00"), ("perso", "6000.00")],
            agents=10,
            users=900,
            derogation=True,
            assessment={"impact": 3, "besoin": 2},
        ),
        dossier(
            n + 17,
            commune_porteur("01134", 13),
            "Ateliers d'inclusion numérique pour les agents",
            "F",
            [("formloc", "3200.00"), ("labo", "4000.00")],
            agents=13,
            users=200,
            lab=True,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 18,
            commune_porteur("01074", 18),
            "Guichet unique de la relation usager",
            "RS",
            [("accueil", "8800.00"), ("portail", "9900.00"), ("conseil", "2500.00")],
            agents=12,
            users=2589,
            participatory=True,
            derogation=True,
            assessment={"impact": 3, "besoin": 3},
        ),
        # Middle-sized communes (80 % and 60 % bands).
        dossier(
            n + 19,
            commune_porteur("01071", 35),
            "Démarches en ligne et paiement par carte",
            "S",
            [("portail", "22000.00"), ("param", "6000.00")],
            agents=20,
            users=3000,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 20,
            commune_porteur("01034", 120),
            "Gestion de la relation citoyen",
            "RS",
            [("accueil", "26000.00"), ("portail", "18000.00"), ("form", "4000.00")],
            agents=60,
            users=6000,
            participatory=True,
            assessment={"impact": 3, "besoin": 1},
        ),
        dossier(
            n + 21,
            commune_porteur("01160", 140),
            "Laboratoire citoyen du numérique",
            "L",
            [("labo", "30000.00"), ("appli", "24000.00")],
            agents=40,
            users=5000,
            lab=True,
            other="10000.00",
            assessment={"impact": 3, "besoin": 1},
        ),
        dossier(
            n + 22,
            commune_porteur("01283", 400),
            "Portail des services municipaux",
            "SR",
            [("portail", "60000.00"), ("param", "25000.00"), ("sitely", "30000.00")],
            agents=150,
            users=12000,
            assessment={"impact": 2, "besoin": 1},
        ),
        dossier(
            n + 23,
            commune_porteur("01053", 900),
            "Bourg-en-Bresse : démarches en ligne accessibles",
            "SR",
            [("portail", "45000.00"), ("site", "25000.00")],
            agents=300,
            users=20000,
            participatory=True,
            assessment={"impact": 2, "besoin": 1},
        ),
        # EPCI.
        dossier(
            n + 24,
            epci_porteur("200029999", 60, "01314"),
            "Plateforme intercommunale de services",
            "SR",
            [("portail", "24000.00"), ("conseil", "6000.00")],
            agents=40,
            users=6000,
            assessment={"impact": 3, "besoin": 2},
        ),
        dossier(
            n + 25,
            epci_porteur("200042935", 420),
            "Formation et sensibilisation des agents",
            "F",
            [("site", "15200.00"), ("perso", "9000.00"), ("pc", "7400.00"), ("form", "2300.00")],
            agents=8,
            users=1500,
            participatory=True,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 26,
            epci_porteur("200070118", 45),
            "Accueil France services numérique",
            "R",
            [("accueil", "12500.00"), ("formloc", "3500.00")],
            agents=20,
            users=5000,
            assessment={"impact": 2, "besoin": 3},
        ),
        dossier(
            n + 27,
            epci_porteur("240100610", 80),
            "Système d'information géographique intercommunal",
            "S",
            [("sig", "38000.00"), ("form", "5000.00")],
            agents=30,
            users=2000,
            total="45000.00",
            assessment={"impact": 1, "besoin": 2},
        ),
        # Joint projects.
        dossier(
            n + 28,
            commune_porteur("01089", 12),
            "Portail commun de trois communes",
            "S",
            [("portail", "12400.00"), ("param", "6800.50")],
            agents=8,
            users=1500,
            partners=[partner_commune("01069"), partner_commune("01065")],
            contact=CONTACT,
            derogation=True,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 29,
            commune_porteur("01037", 2),
            "Mutualisation des sites internet du plateau",
            "R",
            [("site", "9000.00"), ("formloc", "2000.00")],
            agents=2,
            users=900,
            partners=[partner_commune("01411"), partner_commune("01017")],
            contact=CONTACT,
            derogation=True,
            assessment={"impact": 2, "besoin": 3},
        ),
        # Not yet assessed (no note): eligible, waiting to be ranked.
        dossier(
            n + 30,
            commune_porteur("01038", 4),
            "Téléservices de la mairie",
            "S",
            [("portail", "5600.00")],
            agents=4,
            users=700,
        ),
        dossier(
            n + 31,
            commune_porteur("01032", 15),
            "Démarches en ligne de l'accueil",
            "RS",
            [("portail", "9400.00"), ("accueil", "3000.00")],
            agents=10,
            users=2000,
            assessment={"impact": 2},
        ),
        # A syndicat whose population the dossier does not give: rate not computable.
        dossier(
            n + 32,
            {
                "type": "syndicat",
                "nom": "Syndicat intercommunal d'informatique du Bugey",
                "siret": siret_of(fake_siren(25000101)),
                "code_insee": "01034",
                "nb_agents": 6,
            },
            "Hébergement mutualisé des sites communaux",
            "S",
            [("site", "16000.00")],
            agents=6,
            users=4000,
            assessment={"impact": 2, "besoin": 2},
        ),
        # Ineligible dossiers, one per motif.
        dossier(
            n + 33,
            {
                "type": "association",
                "nom": "Association Bugey Numérique",
                "siret": siret_of(fake_siren(41234567)),
                "code_insee": "01034",
                "nb_agents": 3,
            },
            "Médiation numérique itinérante",
            "F",
            [("formloc", "8000.00")],
            agents=3,
            users=500,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 34,
            epci_porteur("200070852", 50),
            "Portail des Usses et du Rhône",
            "S",
            [("portail", "15000.00")],
            agents=20,
            users=5000,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 35,
            commune_porteur("01063", 4),
            "Site commun avec l'association des commerçants",
            "R",
            [("site", "7000.00")],
            agents=3,
            users=300,
            partners=[
                {
                    "nom": "Association des commerçants de Brion",
                    "type": "association",
                    "siret": siret_of(fake_siren(42345678)),
                    "population": 0,
                }
            ],
            contact=CONTACT,
            assessment={"impact": 1, "besoin": 2},
        ),
        dossier(
            n + 36,
            commune_porteur("01098", 6),
            "Démarches communes du Bas-Bugey",
            "S",
            [("portail", "9000.00")],
            agents=5,
            users=800,
            partners=[partner_commune("01073")],
            contact=None,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 37,
            commune_porteur("01099", 10),
            "Vidéoprotection de la place du marché",
            "A",
            [("autre", "20000.00")],
            agents=2,
            users=1500,
            assessment={"impact": 0, "besoin": 1},
        ),
        dossier(
            n + 38,
            commune_porteur("01399", 14),
            "Portail famille",
            "S",
            [("portail", "9000.00")],
            start="2022-03-01",
            end="2022-12-15",
            agents=6,
            users=900,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 39,
            commune_porteur("01360", 12),
            "Refonte de la relation usager",
            "R",
            [("accueil", "11000.00")],
            start="2021-11-15",
            end="2023-06-30",
            agents=6,
            users=1200,
            assessment={"impact": 2, "besoin": 2},
        ),
        dossier(
            n + 40,
            commune_porteur("01130", 16),
            "Équipement numérique des services",
            "S",
            [("pc", "14000.00"), ("perso", "6000.00")],
            start="2021-08-16",  # before its deposit (1 September): décret n° 2018-514, art. 5, II
            agents=16,
            users=0,
            assessment={"impact": 1, "besoin": 2},
        ),
    ]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    for doc in examples():
        path = OUT / f"dossier-{doc['numero']}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{len(examples())} dossiers écrits dans {OUT}")


if __name__ == "__main__":
    main()
