"""Whether a DS dossier node has the shape of ``schemas/ds-dossier.schema.json``, at the speed of reading it.

The schema says what each type of champ holds by 13 « if ``__typename`` is … then … » branches; its compiled
validator tries every branch on every champ, and an exception is raised and caught for each branch that does
not apply — most of the time of checking a file. Here each champ goes to the one small compiled validator of
its type (``schemas/compiled_ds_champs.py``, cut from the same schema by ``tools/compile_schemas.py``): the
dossier without its champs' items, then each champ, each row of a repetition and each of its champs. A node
it refuses, and a champ without a ``__typename`` text, go through the whole schema (``schema_messages``):
the verdicts, messages and pointers are the same (a test compares the two paths on the corpora and on random
dossiers).
"""

from __future__ import annotations

from typing import Any

from fastjsonschema import JsonSchemaException

from xlplugin.rules.schema_messages import Problem, schema_problems
from xlplugin.schemas.compiled_ds_champs import CHAMP, CHAMP_BY_TYPE, DOSSIER, ROOT_BY_TYPE

SCHEMA = "ds-dossier.schema.json"


def shape_problems(node: Any) -> list[Problem]:
    """Every error of ``node`` against the DS dossier schema (``schema_problems``), found faster."""
    try:
        if _dispatched(node):
            return []
    except JsonSchemaException:
        pass
    return schema_problems(node, SCHEMA)


def _dispatched(node: Any) -> bool:
    """True when ``node`` passes the schema; False when a champ's shape leaves the dispatch to the whole schema;
    raises ``JsonSchemaException`` when a piece refuses it."""
    DOSSIER(node)
    for key in ("champs", "annotations"):
        for champ in node.get(key, ()):
            kind = champ.get("__typename") if type(champ) is dict else None
            if type(kind) is not str:
                return False  # no type to dispatch on: every branch of the schema would apply
            (ROOT_BY_TYPE.get(kind) or CHAMP_BY_TYPE.get(kind, CHAMP))(champ)
            if kind in ROOT_BY_TYPE:
                for row in champ["rows"]:
                    for cell in row["champs"]:
                        cell_kind = cell.get("__typename") if type(cell) is dict else None
                        if type(cell_kind) is not str:
                            return False
                        CHAMP_BY_TYPE.get(cell_kind, CHAMP)(cell)
    return True
