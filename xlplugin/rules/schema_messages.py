"""JSON Schema validation with French messages an agent can act on.

jsonschema speaks English (« 'montant' is a required property »); this module turns each of its errors
into a ``Problem``: the JSON pointer of the value at fault, the value, and a French sentence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

_TYPE_NAMES = {
    "object": "un objet { … }",
    "array": "une liste [ … ]",
    "string": "un texte entre guillemets",
    "integer": "un nombre entier",
    "number": "un nombre",
    "boolean": "true ou false",
    "null": "null",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a JSON document: where (a JSON pointer), the value found, and what to do."""

    pointer: str
    message: str
    value: Any = None

    def __str__(self) -> str:
        return f"{self.pointer or '/'} : {self.message}"


def json_pointer(path: Iterator[Any] | list[Any] | tuple[Any, ...]) -> str:
    """RFC 6901 pointer of a path: ``["taux", "tranches", 2]`` → ``/taux/tranches/2``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The project's schema ``name`` (e.g. ``reglement.schema.json``), from the shipped ``schemas/``."""
    text = resources.files("xlplugin.schemas").joinpath(name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def validator_for(name: str) -> jsonschema.Draft202012Validator:
    """A reusable validator (built once: building one costs more than validating a document)."""
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_problems(document: Any, schema_name: str) -> list[Problem]:
    """Every error of ``document`` against the schema, in document order, with French messages."""
    errors = sorted(validator_for(schema_name).iter_errors(document), key=lambda e: list(map(str, e.path)))
    return [Problem(json_pointer(list(e.path)), french_message(e), e.instance) for e in errors]


def french_message(error: ValidationError) -> str:
    """A French sentence for one jsonschema error, saying what is expected."""
    keyword = str(error.validator)
    expected: Any = error.validator_value
    schema: Any = error.schema if isinstance(error.schema, dict) else {}
    instance: Any = error.instance
    if keyword == "required":
        missing = [name for name in expected if isinstance(instance, dict) and name not in instance]
        names = ", ".join(f"« {name} »" for name in missing)
        return f"la clé {names} est obligatoire ici ; ajoutez-la"
    if keyword == "additionalProperties":
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        names = ", ".join(f"« {name} »" for name in extra)
        return f"clé inconnue {names} : vérifiez son orthographe ou retirez-la"
    if keyword == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        wanted = " ou ".join(_TYPE_NAMES.get(str(k), str(k)) for k in kinds)
        return f"la valeur {_show(instance)} devrait être {wanted}"
    if keyword in ("enum", "const"):
        choices = expected if keyword == "enum" else [expected]
        listed = ", ".join(_show(c) for c in choices)
        return f"la valeur {_show(instance)} n'est pas permise ; valeurs possibles : {listed}"
    if keyword == "pattern":
        hint = schema.get("description") or f"forme attendue : {expected}"
        return f"la valeur {_show(instance)} n'a pas la forme attendue. {hint}"
    if keyword == "format":
        formats = {
            "date": "une date AAAA-MM-JJ",
            "email": "une adresse électronique",
            "date-time": "une date-heure ISO 8601",
        }
        return f"la valeur {_show(instance)} devrait être {formats.get(expected, expected)}"
    if keyword in ("minimum", "exclusiveMinimum"):
        return f"la valeur {_show(instance)} est trop petite (minimum {expected})"
    if keyword in ("maximum", "exclusiveMaximum"):
        return f"la valeur {_show(instance)} est trop grande (maximum {expected})"
    if keyword == "minItems":
        return f"la liste doit compter au moins {expected} élément(s)"
    if keyword == "maxItems":
        return f"la liste doit compter au plus {expected} élément(s)"
    if keyword == "minLength":
        return "ce texte ne doit pas être vide"
    if keyword == "maxLength":
        return f"ce texte dépasse {expected} caractères"
    if keyword == "uniqueItems":
        return "la liste contient deux fois la même valeur"
    if keyword == "contains":
        return f"la liste doit contenir {_show(expected.get('const', expected))}"
    if keyword == "not":
        return "cette clé n'a pas de sens ici ; retirez-la"
    if keyword in ("oneOf", "anyOf"):
        return f"la valeur {_show(instance)} ne correspond à aucune des formes permises"
    return f"valeur non conforme ({keyword})"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"
