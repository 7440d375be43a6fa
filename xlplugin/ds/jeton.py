"""The API token (« jeton ») of démarches-simplifiées: where it comes from, and how it stays secret.

The token comes from the environment variable ``GUICHET_DS_JETON`` or from a file only its owner can
read (``chmod 600``). A :class:`Jeton` never shows its value: not in ``str``, ``repr``, f-strings, logs or
error messages. Only :meth:`Jeton.authorization` gives it, for the ``Authorization`` header.

A server may still send it back (an error that echoes the request's headers): :meth:`Jeton.redact` masks
it, whole or any piece of it of :data:`PIECE` characters or more, in whatever text came from the server.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from xlplugin.ds.errors import JetonError

ENV_VAR = "GUICHET_DS_JETON"
MASK = "Jeton(••••••)"
REDACTED = "[jeton masqué]"
PIECE = 8  # a run of this many characters of the token is masked too (an echo cut short)
WHERE_TO_GET = "un administrateur de la démarche le crée sur démarches-simplifiées (Voir mon profil › Jetons d'API)"


class Jeton:
    """A token whose value never appears in text."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        value = value.strip()
        if not value:
            raise JetonError(f"le jeton est vide ; {WHERE_TO_GET}")
        # A character an HTTP header cannot carry would make the HTTP library quote the header in its error.
        if not all(33 <= ord(c) <= 126 for c in value):
            raise JetonError(
                "le jeton contient des espaces, des retours à la ligne ou des caractères accentués : "
                "recopiez-le exactement, sans rien d'autre"
            )
        self._value = value

    def authorization(self) -> str:
        """The value of the ``Authorization`` header: the only place the token is written."""
        return f"Bearer {self._value}"

    def redact(self, text: str) -> str:
        """``text`` with the token, and every piece of it of :data:`PIECE` characters or more, masked."""
        return redact(text, self._value)

    def appears_in(self, text: str) -> bool:
        """Whether the whole token is in ``text`` (a quick test before walking a large answer)."""
        return self._value in text

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return MASK

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("un jeton ne se sérialise pas")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Jeton) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Jeton", self._value))


def redact(text: str, secret: str) -> str:
    """Masks in ``text`` every run of at least :data:`PIECE` characters that also appears in ``secret``."""
    size = min(PIECE, len(secret))
    if len(text) < size:
        return text
    pieces = {secret[i : i + size] for i in range(len(secret) - size + 1)}
    covered = [False] * len(text)
    found = False
    for start in range(len(text) - size + 1):
        if text[start : start + size] in pieces:
            found = True
            for index in range(start, start + size):
                covered[index] = True
    if not found:
        return text
    out: list[str] = []
    for index, char in enumerate(text):
        if not covered[index]:
            out.append(char)
        elif index == 0 or not covered[index - 1]:
            out.append(REDACTED)
    return "".join(out)


def load_jeton(file: Path | None = None, environ: Mapping[str, str] | None = None) -> Jeton:
    """The token from ``file`` when given (it must be readable by its owner only), else from ``GUICHET_DS_JETON``."""
    if file is not None:
        return _from_file(file)
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR, "")
    if value.strip():
        return Jeton(value)
    raise JetonError(
        f"aucun jeton de démarches-simplifiées : définissez la variable d'environnement {ENV_VAR}, "
        f"ou donnez --jeton-fichier FICHIER (un fichier lisible par vous seul : chmod 600 FICHIER) ; {WHERE_TO_GET}"
    )


def _from_file(path: Path) -> Jeton:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise JetonError(f"le fichier du jeton {path} n'existe pas") from None
    except OSError as exc:
        raise JetonError(f"le fichier du jeton {path} ne se lit pas ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise JetonError(f"{path} n'est pas un fichier : donnez le fichier qui contient le jeton")
    # POSIX permissions only: on Windows the file's access list decides, which Python does not read here.
    if os.name == "posix":
        if info.st_mode & 0o077:
            raise JetonError(
                f"le fichier du jeton {path} peut être lu par d'autres utilisateurs (droits "
                f"{stat.filemode(info.st_mode)}) : faites « chmod 600 {path} » puis relancez"
            )
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise JetonError(
                f"le fichier du jeton {path} appartient à un autre utilisateur : gardez votre jeton dans un "
                "fichier à vous (chmod 600)"
            )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise JetonError(
            f"le fichier du jeton {path} n'est pas un texte UTF-8 : il ne doit contenir que le jeton"
        ) from None
    except OSError as exc:
        raise JetonError(f"le fichier du jeton {path} ne se lit pas ({exc.strerror})") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        raise JetonError(f"le fichier du jeton {path} contient plusieurs lignes : il ne doit contenir que le jeton")
    if not lines:
        raise JetonError(f"le fichier du jeton {path} est vide ; {WHERE_TO_GET}")
    return Jeton(lines[0])
