"""PDF copies of the documents through LibreOffice (``soffice --headless --convert-to pdf``), when installed.

One LibreOffice process converts a whole batch, with a profile of its own in a temporary folder, so that it
neither waits for nor disturbs a LibreOffice the agent has open.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

SECONDS_PER_FILE = 20
BASE_SECONDS = 90


class PdfError(RuntimeError):
    """LibreOffice could not convert the files (French message)."""


def find_soffice() -> str | None:
    """The LibreOffice command, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


NO_LIBREOFFICE = (
    "LibreOffice n'est pas installé (commande soffice introuvable) : les documents sont produits en Word (.docx) "
    "seulement. Installez LibreOffice pour obtenir aussi les PDF."
)


def convert_to_pdf(files: Sequence[Path], folder: Path, soffice: str | None = None) -> list[Path]:
    """Convert ``files`` (.docx, .xlsx) to PDF in ``folder``; the PDF paths, in the order of ``files``."""
    if not files:
        return []
    command = soffice or find_soffice()
    if command is None:
        raise PdfError(NO_LIBREOFFICE)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="guichet-lo-") as profile:
        args = [
            command,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *(str(f) for f in files),
        ]
        try:
            done = subprocess.run(
                args, capture_output=True, text=True, timeout=BASE_SECONDS + SECONDS_PER_FILE * len(files), check=False
            )
        except subprocess.TimeoutExpired:
            raise PdfError("LibreOffice n'a pas terminé la conversion en PDF à temps ; relancez la commande.") from None
        except OSError as exc:
            raise PdfError(f"LibreOffice n'a pas pu être lancé ({exc.strerror}).") from None
    produced = [folder / (f.stem + ".pdf") for f in files]
    missing = [p.name for p in produced if not p.is_file()]
    if done.returncode != 0 or missing:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"code {done.returncode}"]
        raise PdfError(
            f"LibreOffice n'a pas produit {', '.join(missing) or 'les PDF'} ({detail[0]}) ; "
            "les documents Word sont disponibles."
        )
    return produced
