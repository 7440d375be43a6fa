"""Identifiers of French public bodies: SIRET, SIREN (python-stdnum) and code INSEE of a commune.

Agents type codes in Excel, which drops leading zeros (01004 becomes 1004): ``normalize_insee`` puts
them back. A commune's SIREN follows INSEE's numbering: ``21`` + département + ``0`` + commune number +
a Luhn check digit (Ambérieu-en-Bugey, 01004 → 210100046); communes created since 2015 (« communes
nouvelles ») have SIRENs of the ``2000…`` series and cannot be derived.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

_INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


class IdentifierError(ValueError):
    """An identifier that is not valid; the message says which and why, in French."""


def validate_siret(value: object) -> str:
    """The SIRET without spaces, or ``IdentifierError`` (format, length or Luhn checksum)."""
    result, why = _checked(_digits(value, "SIRET"), 14)
    if why:
        raise IdentifierError(f"SIRET « {value} » invalide : {why}")
    return result


def validate_siren(value: object) -> str:
    """The SIREN without spaces, or ``IdentifierError``."""
    result, why = _checked(_digits(value, "SIREN"), 9)
    if why:
        raise IdentifierError(f"SIREN « {value} » invalide : {why}")
    return result


@lru_cache(maxsize=4096)  # a batch of dossiers names the same few hundred communes and EPCI again and again
def _checked(text: str, length: int) -> tuple[str, str]:
    """python-stdnum's SIRET (14) or SIREN (9) of ``text``, or why it is not one."""
    try:
        result: str = (stdnum_siret if length == 14 else stdnum_siren).validate(text)
    except ValidationError as exc:
        return "", _why(exc, length)
    return result, ""


def siren_of_siret(siret: str) -> str:
    """The SIREN part of a (valid) SIRET."""
    return siret[:9]


def normalize_insee(value: object) -> str:
    """A code INSEE on five characters: ``1004``, ``1004.0`` and ``"01004"`` all give ``"01004"``."""
    if isinstance(value, bool) or value is None:
        raise IdentifierError(f"code INSEE « {value} » invalide : 5 caractères attendus, par exemple 01004")
    if isinstance(value, float):
        if not value.is_integer():
            raise IdentifierError(f"code INSEE « {value} » invalide : 5 caractères attendus, par exemple 01004")
        value = int(value)
    text = str(value).strip().upper()
    if text.isascii() and text.isdigit() and len(text) < 5:
        text = text.zfill(5)
    if not _INSEE.match(text):
        raise IdentifierError(f"code INSEE « {value} » invalide : 5 caractères attendus, par exemple 01004")
    return text


def commune_siren(code_insee: str) -> str:
    """The SIREN INSEE gives a historical commune: ``01004`` → ``210100046``."""
    body = f"21{code_insee[:2]}0{code_insee[2:]}"
    return body + luhn.calc_check_digit(body)


def insee_of_commune_siren(siren: str) -> str | None:
    """The code INSEE behind a commune's SIREN of the ``21…`` series, else ``None``."""
    if len(siren) == 9 and siren.startswith("21") and siren[4] == "0" and luhn.is_valid(siren):
        return siren[2:4] + siren[5:8]
    return None


def _digits(value: object, name: str) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise IdentifierError(f"{name} « {value} » invalide : une suite de chiffres est attendue")
    return str(value).replace(" ", "").replace("\u00a0", "").replace(".", "")


def _why(exc: ValidationError, length: int) -> str:
    name = type(exc).__name__
    if name == "InvalidLength":
        return f"il doit compter {length} chiffres"
    if name == "InvalidFormat":
        return "il ne doit contenir que des chiffres"
    if name == "InvalidChecksum":
        return "la clé de contrôle ne correspond pas (chiffre mal recopié ?)"
    return "format incorrect"
