"""The démarche's form: its champs, what each becomes in the dossier, and how a champ is recognised.

The form is described in ``templates/formulaire-ain.json``. A champ of a received dossier is matched by its
label, compared without case, accents, typographic apostrophes or repeated spaces (labels drift between
form versions and exports), or by its ``champDescriptorId`` when the form file gives one, which then wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from xlplugin.rules.labels import normalize_label
from xlplugin.shipped import read_shipped

FORM_FILE = "formulaire-ain.json"


@dataclass(frozen=True, slots=True)
class Condition:
    """« Required when the champ ``label`` has the value ``value`` » (conditional champs of the form)."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class FormChamp:
    """One champ of the form: its label, DS type, target in the dossier, and whether it is required."""

    label: str
    typename: str
    target: str | None
    required: bool = False
    required_if: Condition | None = None
    descriptor_id: str | None = None
    columns: tuple[FormChamp, ...] = ()
    key: str = field(init=False, repr=False, compare=False)  # the label as labels are compared
    column_by_key: dict[str, FormChamp] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Asked for every champ of every dossier: worked out once.
        object.__setattr__(self, "key", normalize_label(self.label))
        by_key: dict[str, FormChamp] = {}
        for column in self.columns:
            by_key.setdefault(column.key, column)  # the first of two equal labels wins
        object.__setattr__(self, "column_by_key", by_key)


FOUND_KEPT = 4096


@dataclass(frozen=True)
class Form:
    champs: tuple[FormChamp, ...]
    annotations: tuple[FormChamp, ...]

    @cached_property
    def _index(self) -> dict[tuple[bool, str], FormChamp]:
        """Champs by (annotation?, normalized label) and by (annotation?, champDescriptorId)."""
        index: dict[tuple[bool, str], FormChamp] = {}
        for annotation, pool in ((False, self.champs), (True, self.annotations)):
            for champ in reversed(pool):  # the first of two equal labels wins
                index[(annotation, "label:" + champ.key)] = champ
                if champ.descriptor_id:
                    index[(annotation, "id:" + champ.descriptor_id)] = champ
        return index

    @cached_property
    def _found(self) -> dict[tuple[str, str | None, bool], FormChamp | None]:
        """What ``find`` answered, by its question: every dossier asks the same few dozen."""
        return {}

    def find(self, label: str, descriptor_id: str | None = None, *, annotation: bool = False) -> FormChamp | None:
        """The form's champ for a received champ: by ``champDescriptorId`` if configured, else by label."""
        question = (label, descriptor_id, annotation)
        found = self._found
        if question in found:
            return found[question]
        if len(found) >= FOUND_KEPT:  # labels come from received files: a bounded memory
            found.clear()
        answer = found[question] = self._find(label, descriptor_id, annotation)
        return answer

    def _find(self, label: str, descriptor_id: str | None, annotation: bool) -> FormChamp | None:
        if descriptor_id:
            by_id = self._index.get((annotation, "id:" + descriptor_id))
            if by_id is not None:
                return by_id
        return self._index.get((annotation, "label:" + normalize_label(label)))


def _champ(raw: dict[str, Any]) -> FormChamp:
    condition = raw.get("obligatoire_si")
    return FormChamp(
        label=raw["libelle"],
        typename=raw["type"],
        target=raw.get("cible"),
        required=raw.get("obligatoire", False),
        required_if=Condition(condition["libelle"], condition["valeur"]) if condition else None,
        descriptor_id=raw.get("id"),
        columns=tuple(_champ(c) for c in raw.get("colonnes", [])),
    )


def parse_form(document: dict[str, Any]) -> Form:
    return Form(tuple(_champ(c) for c in document["champs"]), tuple(_champ(c) for c in document.get("annotations", [])))


@cache
def default_form() -> Form:
    """The Ain démarche's form, shipped in ``templates/``."""
    text = read_shipped("xlplugin.templates", FORM_FILE)
    return parse_form(json.loads(text))
