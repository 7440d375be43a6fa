"""Generates N dossiers of the démarche in the API's JSON shape, one file each, for the benchmarks.

Variations of the form's example dossiers (``tests/acceptance/received/valid``): numbers, communes of the Ain, amounts,
expense lines; every file is a valid dossier of the form.

    python benchmarks/generate_ds.py OUT_DIR [N]
"""

from __future__ import annotations

import copy
import csv
import json
import random
import sys
from pathlib import Path

from stdnum import luhn

from xlplugin.rules.identifiers import commune_siren

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [ROOT / "tests/acceptance/received/valid" / f"dossier-1100010{i}.json" for i in (1, 3)]


def siret(siren: str) -> str:
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def generate(out: Path, count: int, seed: int = 2021) -> list[Path]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    communes = list(csv.DictReader((ROOT / "xlplugin/data/communes-ain-cog2021.csv").open(encoding="utf-8")))
    templates = [json.loads(p.read_text(encoding="utf-8")) for p in TEMPLATES]
    paths = []
    for i in range(count):
        node = copy.deepcopy(templates[i % len(templates)])
        number = 30_000_000 + i
        commune = rng.choice(communes)
        node["number"] = number
        node["demandeur"]["siret"] = siret(commune_siren(commune["code_insee"]))
        node["demandeur"]["address"]["cityCode"] = commune["code_insee"]
        node["demandeur"]["entreprise"]["raisonSociale"] = f"COMMUNE DE {commune['nom'].upper()}"
        for champ in node["champs"]:
            if champ["__typename"] == "CommuneChamp":
                champ["commune"]["code"] = commune["code_insee"]
            if champ["label"] == "Intitulé du projet":
                champ["stringValue"] = f"Projet numérique {number}"
            if champ["__typename"] == "RepetitionChamp" and champ["label"] == "Dépenses prévisionnelles":
                for row in champ["rows"]:
                    for cell in row["champs"]:
                        if cell["__typename"] == "DecimalNumberChamp":
                            amount = rng.randrange(100_000, 5_000_000) / 100
                            cell["stringValue"] = f"{amount:.2f}"
                            cell["decimalNumber"] = amount
        path = out / f"dossier-{number}.json"
        path.write_text(json.dumps(node, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    generate(target, n)
    print(f"{n} dossiers écrits dans {target}")
