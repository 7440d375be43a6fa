"""Defensive reading of received files: bounded sizes, strict encodings, safe JSON.

A received file may be broken or hostile. Nothing here trusts it: the size is checked before reading,
JSON numbers are bounded and never floats, nesting is bounded. Each function returns what it read or an
``Issue`` that says what is wrong, in French; none raises on bad input. Workbooks: ``xlsx_safety``.
"""

from __future__ import annotations

import errno
import json
import stat
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from xlplugin.intake.issues import Issue, error

MAX_FILE_BYTES = 50 * 1024 * 1024  # a page of 100 DS dossiers weighs about 2 MB
MAX_DIGITS = 30  # digits of a JSON number: enough for any amount, BigInt or identifier
ZIP_MAGIC = b"PK\x03\x04"
READ_CHUNK = 1 << 16


class _NumberRefused(ValueError):
    pass


def read_bounded(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes | Issue:
    """The bytes of ``path``, or an Issue: missing, unreadable, not a file, empty or too big."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return error("FICHIER_ILLISIBLE", "lien symbolique cassé : sa cible n'existe pas")
        return error("FICHIER_INTROUVABLE", "fichier introuvable ; vérifiez le chemin")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return error("FICHIER_ILLISIBLE", "lien symbolique en boucle : il ne mène à aucun fichier")
        return error("FICHIER_ILLISIBLE", f"fichier illisible ({exc.strerror})")
    if not stat.S_ISREG(info.st_mode):
        return error("FICHIER_ILLISIBLE", "ce n'est pas un fichier ordinaire")
    if info.st_size > max_bytes:
        return error(
            "FICHIER_TROP_GROS",
            f"fichier de {info.st_size // (1024 * 1024)} Mo, au-delà de la limite de {max_bytes // (1024 * 1024)} Mo ; "
            "téléchargez les dossiers par pages plus petites",
        )
    try:
        with path.open("rb", buffering=0) as f:
            # The size just read, then small reads to the end (a short read, a file that grew): a read of
            # max_bytes allocates that much, 50 MB for each 16 kB file.
            data = f.read(info.st_size + 1)
            while len(data) <= max_bytes:
                more = f.read(min(READ_CHUNK, max_bytes + 1 - len(data)))
                if not more:
                    break
                data += more
    except PermissionError:
        return error("FICHIER_ILLISIBLE", "lecture refusée : vérifiez les droits sur le fichier")
    except OSError as exc:
        return error("FICHIER_ILLISIBLE", f"fichier illisible ({exc.strerror})")
    if len(data) > max_bytes:  # grew while being read
        return error("FICHIER_TROP_GROS", f"fichier au-delà de la limite de {max_bytes // (1024 * 1024)} Mo")
    if not data.strip():
        return error("FICHIER_VIDE", "le fichier est vide : téléchargez-le à nouveau")
    return data


def decode_utf8(data: bytes) -> str | Issue:
    """UTF-8 text (with or without BOM); anything else is refused with where it went wrong."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        guess = " (probablement Windows-1252 ou Latin-1)" if _looks_single_byte(data) else ""
        return error(
            "ENCODAGE_INVALIDE",
            f"le texte n'est pas en UTF-8{guess}, ligne {line} : réenregistrez le fichier en UTF-8",
            value=data[exc.start : exc.start + 8].hex(" "),
        )


def decode_export_text(data: bytes) -> tuple[str, str]:
    """Text of a CSV export and its encoding: UTF-8 (BOM or not), else cp1252 as Excel writes it."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _looks_single_byte(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _NumberRefused(text)
    return int(text)


def _bounded_decimal(text: str) -> Decimal:
    if sum(c.isdigit() for c in text) > MAX_DIGITS or len(text) > MAX_DIGITS + 8:
        raise _NumberRefused(text)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise _NumberRefused(text) from None


def _no_constant(text: str) -> Any:
    raise _NumberRefused(text)


def parse_json(text: str) -> tuple[Any, list[str]] | Issue:
    """Parse JSON with numbers as ``Decimal`` (never floats), bounded, and no NaN or Infinity; also return the
    keys written twice in one object (JSON keeps the last value without a word: the agent should know)."""
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(items)
        if len(result) != len(items):
            duplicates.extend(key for key, count in Counter(key for key, _ in items).items() if count > 1)
        return result

    try:
        document = json.loads(
            text,
            parse_float=_bounded_decimal,
            parse_int=_bounded_int,
            parse_constant=_no_constant,
            object_pairs_hook=pairs,
        )
    except _NumberRefused as exc:
        shown = str(exc)
        shown = shown if len(shown) <= 20 else f"{shown[:12]}… ({len(shown)} caractères)"
        return error("NOMBRE_INVALIDE", f"nombre refusé : {shown} (NaN, Infinity ou plus de {MAX_DIGITS} chiffres)")
    except json.JSONDecodeError as exc:
        where = f"ligne {exc.lineno}, colonne {exc.colno}"
        if exc.pos >= len(text.rstrip()):
            return error(
                "JSON_INVALIDE", f"JSON tronqué ({where}) : le fichier s'arrête avant la fin ; téléchargez-le à nouveau"
            )
        return error("JSON_INVALIDE", f"JSON mal formé ({where}) : {_french_json_error(exc.msg)}")
    except RecursionError:
        # CPython's decoder guards its recursion: 100 000 levels end here, not in a crash.
        return error("JSON_TROP_PROFOND", "JSON imbriqué sur des milliers de niveaux : ce n'est pas un dossier")
    return document, duplicates


_JSON_MESSAGES = {
    "Expecting value": "une valeur est attendue",
    "Expecting property name enclosed in double quotes": "un nom de clé entre guillemets est attendu",
    "Expecting ',' delimiter": "une virgule est attendue",
    "Expecting ':' delimiter": "deux-points sont attendus",
    "Unterminated string starting at": "texte non refermé",
    "Extra data": "contenu en trop après la fin du JSON",
    "Invalid control character at": "caractère de contrôle interdit",
}


def _french_json_error(message: str) -> str:
    for english, french in _JSON_MESSAGES.items():
        if message.startswith(english):
            return french
    return message


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)
