"""Dossiers of the démarche as démarches-simplifiées stores them, for the tests' local server and the demo.

They are built from the project's 40 example dossiers (``examples/dossiers/``, every motif of the rules),
shaped like the API's dossier nodes (``examples/recus/``, ``shared/reference/ds/sample-dossier.json``):
real communes and EPCI of the Ain (COG 2021), SIRETs whose Luhn key is right. The nodes are kept with
the schema's own field names (``value``, ``byteSizeBigInt``); the query's aliases (``checked``,
``decimalNumber``…) give the JSON the intake reads.
"""

from __future__ import annotations

import base64
import csv
import json
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from stdnum import luhn

from xlplugin.documents.french import MONTHS
from xlplugin.rules import default_reglement

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "dossiers"
FORM = json.loads((ROOT / "templates" / "formulaire-ain.json").read_text(encoding="utf-8"))
DEPARTEMENTS = {"01": "Ain", "38": "Isère", "69": "Rhône", "73": "Savoie", "74": "Haute-Savoie", "71": "Saône-et-Loire"}
LEGAL_FORMS = {
    "commune": "7210",
    "epci_fp": "7346",
    "syndicat": "7353",
    "departement": "7220",
    "association": "9220",
    "autre": "9900",
}
GROUP = {"id": "R3JvdXBlSW5zdHJ1Y3RldXItMQ==", "number": 1, "label": "Préfecture de l'Ain", "closed": False}
# The seat of an EPCI whose member communes are mostly outside the Ain, which the Ain's list cannot give (code
# INSEE, commune, postal code). CC Usses et Rhône has 3 of its 26 communes in the Ain: its seat is in Haute-Savoie,
# and Seyssel (Haute-Savoie) stands for it. An example dossier names no seat for an EPCI: the rules then judge by
# where most of its communes are, and the address served must say the same.
SEATS_OUTSIDE = {"200070852": ("74269", "Seyssel", "74910")}


def typed_id(kind: str, ident: object) -> str:
    return base64.b64encode(f"{kind}-{ident}".encode()).decode()


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("xlplugin.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


COMMUNES = {row["code_insee"]: row for row in _rows("communes-ain-cog2021.csv")}
EPCIS = {row["siren"]: row for row in _rows("epci-ain-2021.csv")}


def commune_siret(code_insee: str) -> str:
    """The SIRET of a commune's town hall: SIREN ``21`` + département + ``0`` + commune, then ``0001``."""
    siren = f"21{code_insee[:2]}0{code_insee[2:]}"
    siren += luhn.calc_check_digit(siren)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def _stable_ids() -> dict[str, int]:
    """A stable id per form label (the champs, then the columns of the repetitions, then the annotations)."""
    ids: dict[str, int] = {}
    serial = 4100201
    for champ in FORM["champs"]:
        ids[champ["libelle"]] = serial
        serial += 1
        for column in champ.get("colonnes", []):
            ids[f"{champ['libelle']} › {column['libelle']}"] = serial
            serial += 1
    serial = 4100401
    for annotation in FORM["annotations"]:
        ids[annotation["libelle"]] = serial
        serial += 1
    return ids


STABLE = _stable_ids()
ANNOTATIONS = [(a["libelle"], a["type"]) for a in FORM["annotations"]]


def annotation_descriptors() -> list[dict[str, Any]]:
    return [
        {"__typename": f"{typename}Descriptor", "id": typed_id("Champ", STABLE[label]), "label": label}
        for label, typename in ANNOTATIONS
    ]


class Builder:
    """Builds the champs of one dossier."""

    def __init__(self, updated: str) -> None:
        self.updated = updated

    def champ(
        self,
        label: str,
        typename: str,
        string_value: str | None,
        key: str | None = None,
        row: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        stable = STABLE[key or label]
        ident = f"{stable}|{row}" if row else stable
        champ = {
            "__typename": typename,
            "id": typed_id("Champ", ident),
            "champDescriptorId": typed_id("Champ", stable),
            "label": label,
            "stringValue": string_value,
            "updatedAt": self.updated,
            "prefilled": False,
        }
        champ.update(extra)
        return champ

    def header(self, label: str) -> dict[str, Any]:
        return self.champ(label, "HeaderSectionChamp", "", level=1)

    def text(self, label: str, value: str, **kw: Any) -> dict[str, Any]:
        return self.champ(label, "TextChamp", value, **kw)

    def integer(self, label: str, value: int) -> dict[str, Any]:
        return self.champ(label, "IntegerNumberChamp", str(value), value=str(value))

    def decimal(self, label: str, value: str, **kw: Any) -> dict[str, Any]:
        return self.champ(label, "DecimalNumberChamp", value, value=float(Decimal(value)), **kw)

    def yes_no(self, label: str, value: bool) -> dict[str, Any]:
        return self.champ(label, "YesNoChamp", "true" if value else "false", value=value)

    def date(self, label: str, iso: str) -> dict[str, Any]:
        day = datetime.fromisoformat(iso)
        return self.champ(label, "DateChamp", f"{day.day:02d} {MONTHS[day.month - 1]} {day.year}", date=iso)

    def drop_down(self, label: str, value: str, **kw: Any) -> dict[str, Any]:
        return self.champ(label, "DropDownListChamp", value, value=value, **kw)

    def files(self, label: str, name: str) -> dict[str, Any]:
        file = {
            "filename": name,
            "contentType": "application/pdf",
            "checksum": base64.b64encode(name.encode()[:16].ljust(16, b"0")).decode(),
            "byteSizeBigInt": "245760",
            "url": f"https://fichiers.example.invalid/{name}?sig=x",
            "createdAt": self.updated,
            "virusScanResult": "safe",
        }
        return self.champ(label, "PieceJustificativeChamp", None, files=[file])

    def repetition(self, label: str, rows: list[tuple[str, list[dict[str, Any]]]]) -> dict[str, Any]:
        return self.champ(
            label, "RepetitionChamp", "", rows=[{"id": ident, "champs": champs} for ident, champs in rows]
        )


def _row_id(number: int, index: int, what: str) -> str:
    return typed_id("Row", f"{what.upper()}{number:010d}{index:04d}")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def node_from_project(
    doc: dict[str, Any], *, state: str = "en_construction", deposited: datetime | None = None
) -> dict[str, Any]:
    """A DS dossier node (schema field names) from a project dossier of ``examples/dossiers/``."""
    reglement = default_reglement()
    types = {t.code: t.label for t in reglement.applicant_types}
    kinds = {k.code: k.label for k in reglement.project_kinds} | {"autre": "Autre"}
    natures = {n.code: n.label for n in reglement.expense_natures}
    number = int(doc["numero"])
    moment = deposited or datetime.fromisoformat(doc["date_depot"])
    when = _iso(moment)
    b = Builder(when)
    porteur = doc["porteur"]
    kind = porteur["type"]
    champs = [b.header("Structure porteuse"), b.drop_down("Type de structure porteuse", types[kind])]
    if kind == "commune":
        code = porteur["code_insee"]
        name = COMMUNES[code]["nom"]
        champs.append(
            b.champ(
                "Commune porteuse",
                "CommuneChamp",
                name,
                commune={"name": name, "code": code, "postalCode": None},
                departement={"name": "Ain", "code": "01"},
            )
        )
    if kind == "epci_fp":
        siren = porteur["siret"][:9]
        name = EPCIS[siren]["nom"] if siren in EPCIS else porteur["nom"]
        champs.append(
            b.champ(
                "EPCI porteur",
                "EpciChamp",
                name,
                epci={"name": name, "code": siren},
                departement={"name": "Ain", "code": "01"},
            )
        )
    champs.append(b.integer("Nombre d'agents de la structure", porteur["nb_agents"]))
    champs += [b.header("Projet commun"), b.yes_no("Projet commun à plusieurs structures", doc["projet_commun"])]
    if doc["projet_commun"]:
        label = "Structures associées au projet"
        rows = []
        for index, partner in enumerate(doc.get("partenaires", [])):
            row = _row_id(number, index, "P")
            rows.append(
                (
                    row,
                    [
                        b.text("Nom de la structure", partner["nom"], key=f"{label} › Nom de la structure", row=row),
                        b.drop_down(
                            "Type de structure", types[partner["type"]], key=f"{label} › Type de structure", row=row
                        ),
                        b.champ(
                            "SIRET de la structure",
                            "SiretChamp",
                            partner["siret"],
                            key=f"{label} › SIRET de la structure",
                            row=row,
                            etablissement=None,
                        ),
                    ],
                )
            )
        champs.append(b.repetition(label, rows))
        contact = doc.get("contact_operationnel") or {}
        for key, label_of in (("nom", "nom et prénom"), ("courriel", "courriel"), ("structure", "structure")):
            if key in contact:
                champs.append(b.text(f"Contact opérationnel – {label_of}", contact[key]))
    projet = doc["projet"]
    axes = [kinds[a] for a in projet["axes"]]
    champs += [
        b.header("Le projet"),
        b.text("Intitulé du projet", projet["intitule"]),
        b.text("Description du projet", projet.get("description", "")),
        b.champ("Axes du projet", "MultipleDropDownListChamp", ", ".join(axes), values=axes),
        b.date("Date de démarrage du projet", projet["date_debut"]),
        b.date("Date de fin de mise en œuvre", projet["date_fin"]),
        b.text("Résultats concrets attendus sous 12 à 18 mois", projet.get("resultats_attendus", "")),
        b.integer("Nombre d'agents bénéficiaires", projet["agents_beneficiaires"]),
        b.integer("Nombre d'usagers bénéficiaires", projet["usagers_beneficiaires"]),
        b.yes_no("Besoin identifié dans le cadre d'une démarche participative", projet["demarche_participative"]),
        b.yes_no("Projet accompagné par un laboratoire d'innovation territoriale", projet["laboratoire_innovation"]),
        b.text("Justification du choix de la solution numérique", projet.get("justification", "")),
        b.header("Budget"),
    ]
    label = "Dépenses prévisionnelles"
    rows = []
    for index, line in enumerate(doc["depenses"]):
        row = _row_id(number, index, "D")
        cells = [
            b.text("Libellé de la dépense", line["libelle"], key=f"{label} › Libellé de la dépense", row=row),
            b.drop_down(
                "Nature de la dépense", natures[line["nature"]], key=f"{label} › Nature de la dépense", row=row
            ),
            b.decimal("Montant HT (€)", line["montant_ht"], key=f"{label} › Montant HT (€)", row=row),
            b.text("Prestataire", line.get("prestataire", ""), key=f"{label} › Prestataire", row=row),
        ]
        dep = line.get("departement_prestataire")
        if dep:
            name = DEPARTEMENTS.get(dep, f"Département {dep}")
            cells.append(
                b.champ(
                    "Département du prestataire",
                    "DepartementChamp",
                    f"{dep} - {name}",
                    key=f"{label} › Département du prestataire",
                    row=row,
                    departement={"name": name, "code": dep},
                )
            )
        rows.append((row, cells))
    champs += [
        b.repetition(label, rows),
        b.decimal("Coût total du projet HT (€)", doc["cout_total"]),
        b.decimal("Montant de subvention sollicité (€)", doc["montant_sollicite"]),
        b.decimal("Autres financements publics (€)", doc.get("autres_financements", "0")),
        b.header("Pièces justificatives"),
        b.files("Délibération ou décision de l'exécutif", f"deliberation_{number}.pdf"),
        b.files("Devis", f"devis_{number}.pdf"),
        b.champ("J'atteste l'exactitude des informations fournies", "CheckboxChamp", "true", value=True),
    ]
    annotations = [_empty_annotation(b, label, typename) for label, typename in ANNOTATIONS]
    return {
        "__typename": "Dossier",
        "id": typed_id("Dossier", number),
        "number": number,
        "archived": False,
        "state": state,
        "dateDepot": when,
        "datePassageEnConstruction": when,
        "datePassageEnInstruction": when if state == "en_instruction" else None,
        "dateTraitement": None,
        "dateDerniereModification": when,
        "dateDerniereModificationChamps": when,
        "dateDerniereModificationAnnotations": None,
        "motivation": None,
        "usager": {"id": typed_id("User", number), "email": f"dgs{number}@mairie.example.fr"},
        "groupeInstructeur": dict(GROUP),
        "demandeur": _demandeur(porteur, number),
        "champs": champs,
        "annotations": annotations,
    }


def _empty_annotation(b: Builder, label: str, typename: str) -> dict[str, Any]:
    if typename in ("DecimalNumberChamp", "IntegerNumberChamp"):
        return b.champ(label, typename, "", value=None)
    if typename == "DropDownListChamp":
        return b.champ(label, typename, "", value=None)
    return b.champ(label, typename, "")


def _seat(porteur: dict[str, Any]) -> tuple[str, str, str]:
    """The commune of the porteur's seat (code INSEE, name, postal code) for the address démarches-simplifiées
    gives: the dossier's own, else for an EPCI one of its member communes of the Ain when most of them are in the
    Ain (the rules find its seat there too), or its seat outside."""
    code = porteur.get("code_insee")
    siren = porteur["siret"][:9]
    if code is None and siren in EPCIS:
        epci = EPCIS[siren]
        if 2 * int(epci["nb_membres_ain"]) <= int(epci["nb_membres"]):
            if siren not in SEATS_OUTSIDE:
                raise ValueError(f"{epci['nom']} : siège hors de l'Ain inconnu ; ajoutez-le à SEATS_OUTSIDE")
            return SEATS_OUTSIDE[siren]
        code = next(c for c, row in COMMUNES.items() if row["epci_siren"] == siren)
    code = code or "01053"
    return code, COMMUNES.get(code, {"nom": "Bourg-en-Bresse"})["nom"], "01000"


def _demandeur(porteur: dict[str, Any], number: int) -> dict[str, Any]:
    siret = porteur["siret"]
    code, city, postal_code = _seat(porteur)
    return {
        "__typename": "PersonneMorale",
        "id": typed_id("Etablissement", number),
        "siret": siret,
        "siegeSocial": True,
        "naf": "8411Z",
        "libelleNaf": "Administration publique générale",
        "address": {
            "label": f"{porteur['nom']}, {city}",
            "type": "municipality",
            "streetAddress": "Place de la Mairie",
            "streetNumber": None,
            "streetName": "Place de la Mairie",
            "postalCode": postal_code,
            "cityName": city,
            "cityCode": code,
            "departmentName": DEPARTEMENTS[code[:2]],
            "departmentCode": code[:2],
            "regionName": "Auvergne-Rhône-Alpes",
            "regionCode": "84",
        },
        "entreprise": {
            "siren": siret[:9],
            "capitalSocial": None,
            "numeroTvaIntracommunautaire": None,
            "formeJuridique": "",
            "formeJuridiqueCode": LEGAL_FORMS.get(porteur["type"], "9900"),
            "nomCommercial": "",
            "raisonSociale": porteur["nom"].upper(),
            "siretSiegeSocial": siret,
            "codeEffectifEntreprise": "21",
            "dateCreation": "1983-03-01",
            "nom": None,
            "prenom": None,
        },
        "association": None,
    }


def example_documents() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("dossier-*.json"))]


def example_nodes(count: int = 40) -> list[dict[str, Any]]:
    """The first ``count`` example dossiers as they are (numbers 21000101…), for the demo."""
    return [node_from_project(doc, state="en_construction") for doc in example_documents()[:count]]


def generated_nodes(count: int = 250, first_number: int = 21001001) -> list[dict[str, Any]]:
    """``count`` dossiers made from the examples in turn, each commune porteur moved to another real commune
    of the Ain; one in five already « en instruction »."""
    examples = example_documents()
    codes = sorted(COMMUNES)
    start = datetime.fromisoformat("2021-09-01T09:00:00+02:00")
    nodes = []
    for index in range(count):
        doc = json.loads(json.dumps(examples[index % len(examples)]))
        number = first_number + index
        doc["numero"] = number
        if doc["porteur"]["type"] == "commune":
            code = codes[(index * 7) % len(codes)]
            name = COMMUNES[code]["nom"]
            doc["porteur"].update(
                code_insee=code,
                siret=commune_siret(code),
                nom=f"Commune d'{name}" if name[0] in "AEIOUYÂÉÈÊÎÔ" else f"Commune de {name}",
            )
        state = "en_instruction" if index % 5 == 4 else "en_construction"
        nodes.append(node_from_project(doc, state=state, deposited=start + timedelta(minutes=7 * index)))
    return nodes
