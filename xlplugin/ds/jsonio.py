"""Exact JSON for the démarches-simplifiées exchange: numbers kept as ``Decimal``, files written atomically.

The API sends money as JSON numbers (``decimalNumber``) and takes them as JSON numbers (the
``decimalNumber`` of an annotation). Going through ``float`` would round them, so numbers are read as
``Decimal`` and a ``Decimal`` is written back as its own digits. A file is written to a temporary file in
the same folder, flushed to disk, then renamed: an interruption never leaves half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tempfile
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nesting(data: bytes) -> int:
    """How deep the arrays and objects of a JSON text go (its strings ignored), read without parsing it: a text
    nested thousands deep would exhaust the parser's recursion."""
    brackets = _STRING.sub(b"", data).translate(None, _BRACKETS)
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def loads(data: str | bytes) -> Any:
    """JSON text → Python values, every non-integer number as an exact ``Decimal``."""
    return json.loads(data, parse_float=Decimal)


def dumps(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """Python values → JSON text; a ``Decimal`` is written as a JSON number with its own digits."""
    nonce = secrets.token_hex(8)
    found = False

    def default(obj: Any) -> Any:
        nonlocal found
        if isinstance(obj, Decimal):
            if not obj.is_finite():
                raise ValueError(f"nombre non fini : {obj}")
            found = True
            return f"{nonce}:{obj}"
        raise TypeError(f"{type(obj).__name__} ne s'écrit pas en JSON")

    separators = (",", ": ") if indent is not None else (",", ":")
    text = json.dumps(
        value, default=default, ensure_ascii=False, indent=indent, sort_keys=sort_keys, separators=separators
    )
    if not found:
        return text
    # The marker holds a random nonce: text received from an applicant can never be mistaken for it.
    return re.sub(f'"{nonce}:([-+0-9.Ee]+)"', r"\1", text)


def fingerprint(value: Any) -> str:
    """A digest of a JSON value that does not depend on key order (two equal dossiers, one digest)."""
    return hashlib.sha256(dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed at the end (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name ends in .tmp: a reader scanning the folder for .json files never sees it.
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, value: Any) -> None:
    write_atomic(path, dumps(value, indent=2) + "\n")


def read_json(path: Path) -> Any:
    return loads(path.read_bytes())
