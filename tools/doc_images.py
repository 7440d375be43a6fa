"""The pictures of the guide (``docs/images/``), made from what ``make demo`` wrote: the tracking workbook and the
documents as LibreOffice prints them, a page each turned into PNG by poppler. ``make images`` runs the demo,
then this; the pictures follow the code.

    python tools/doc_images.py [DEMO_FOLDER]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
RESOLUTION = "90"  # dots per inch: an A4 landscape page is about 1 050 pixels wide


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        sys.exit(f"{name} est introuvable : apt-get install libreoffice-calc libreoffice-writer poppler-utils")
    return found


def to_pdf(source: Path, folder: Path) -> Path:
    """``source`` printed by LibreOffice (French locale, its own profile), into ``folder``."""
    environment = {**os.environ, "LC_ALL": "fr_FR.UTF-8", "LANG": "fr_FR.UTF-8"}
    subprocess.run(
        [_program("soffice"), f"-env:UserInstallation=file://{folder / 'profil'}", "--headless", "--convert-to",
         "pdf", "--outdir", str(folder), str(source)],
        check=True, capture_output=True, env=environment, timeout=300,
    )  # fmt: skip
    return folder / f"{source.stem}.pdf"


def page_text(pdf: Path, page: int) -> str:
    done = subprocess.run(
        [_program("pdftotext"), "-f", str(page), "-l", str(page), str(pdf), "-"], check=True, capture_output=True
    )
    return done.stdout.decode("utf-8", "replace")


def pages(pdf: Path) -> int:
    done = subprocess.run([_program("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True)
    return int(next(line.split()[-1] for line in done.stdout.splitlines() if line.startswith("Pages:")))


def first_page_with(pdf: Path, *words: str) -> int:
    for page in range(1, pages(pdf) + 1):
        text = page_text(pdf, page)
        if all(word in text for word in words):
            return page
    raise SystemExit(f"{pdf.name} : aucune page ne porte {', '.join(words)}")


def picture(pdf: Path, page: int, name: str) -> Path:
    target = IMAGES / name
    subprocess.run(
        [_program("pdftoppm"), "-png", "-r", RESOLUTION, "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
         str(target.with_suffix(""))],
        check=True,
    )  # fmt: skip
    print(f"{target.relative_to(ROOT)} : {pdf.name}, page {page}")
    return target


def main(demo: Path) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        workbook = to_pdf(demo / "suivi.xlsx", folder)
        picture(workbook, first_page_with(workbook, "N° dossier", "Éligible", "Note /100"), "classeur-dossiers.png")
        picture(workbook, first_page_with(workbook, "Répartition de l'enveloppe"), "classeur-repartition.png")
    documents = demo / "documents"
    for pattern, name in (
        ("*-arrete-attributif.pdf", "arrete-attributif.png"),
        ("*-lettre-refus.pdf", "lettre-refus.png"),
        ("etat-recapitulatif.pdf", "etat-recapitulatif.png"),
    ):
        found = sorted(documents.glob(pattern)) or sorted((demo / "comite").glob(pattern))
        if not found:
            raise SystemExit(f"{pattern} absent de {demo} : lancez make demo (avec LibreOffice installé)")
        picture(found[0], 1, name)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "demo")
