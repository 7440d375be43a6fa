"""From the champs of a received dossier to the project's dossier document.

Readers (``ds_json``, ``ds_export``) turn a file into ``RawDossier``s: champs with their label, a loose
Python value (what the JSON or the cell holds) and where they stand in the file. This module matches each
champ to the form, converts its value by the form's type (« Oui », ``true``, a date cell, ``"12 400,50"``…),
translates the form's labels into the règlement's codes, and records for every field of the dossier which
champ and which place of the file it came from, so that a later problem can name them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from sys import intern
from typing import Any, NamedTuple

from xlplugin.intake.form import Form, FormChamp
from xlplugin.intake.issues import Issue, error, warning
from xlplugin.rules import Reglement
from xlplugin.rules.dossier import date_in_range, date_range_message
from xlplugin.rules.identifiers import IdentifierError, validate_siren
from xlplugin.rules.labels import normalize_label

OTHER_KIND_LABEL = "Autre"


@dataclass(slots=True)
class RawChamp:
    """A champ as read from a file: label, loose value, and where it stands (JSON pointer or cell)."""

    label: str
    value: Any
    pointer: str
    descriptor_id: str | None = None
    typename: str | None = None
    rows: list[list[RawChamp]] | None = None


@dataclass(slots=True)
class Applicant:
    """The depositor as DS knows it (the ``demandeur``), used for the porteur's identity."""

    siret: str | None
    name: str | None = None
    code_insee: str | None = None
    complete: bool = True
    pointer: str = ""
    address: str | None = None  # the SIRET's establishment's postal address, on one line


@dataclass(slots=True)
class RawDossier:
    numero: int | None
    pointer: str
    champs: list[RawChamp]
    annotations: list[RawChamp] = field(default_factory=list)
    applicant: Applicant | None = None
    submitted_at: datetime | None = None
    submitted_where: str = ""  # where the date of deposit stands in the file
    state: str | None = None
    issues: list[Issue] = field(default_factory=list)
    has_repetitions: bool = True
    version: str | None = None  # dateDerniereModificationChamps, when the file gives a readable one


class Origin(NamedTuple):
    """Where a field of the dossier came from: the champ's label, its place in the file, its raw value.

    A named tuple, not a frozen dataclass: as unchangeable, and made twice as fast (a dossier records about forty).
    """

    champ: str | None
    pointer: str
    value: Any


@dataclass(slots=True)
class Mapped:
    """A dossier document and where each of its fields came from.

    ``direct``: the document is the project's own JSON, read as it is, so a field's place in the file is
    ``pointer`` followed by the field's own pointer.
    """

    numero: int | None
    document: dict[str, Any] | None
    origins: dict[str, Origin]
    issues: list[Issue]
    pointer: str = ""
    direct: bool = False
    labels: list[str] = field(default_factory=list)  # the champ labels the file used, as written

    def origin_of(self, doc_pointer: str) -> Origin:
        """The champ and place in the file of a dossier field (or of its nearest mapped parent)."""
        if self.direct:
            return Origin(None, self.pointer + doc_pointer, None)
        probe = doc_pointer
        while probe:
            if probe in self.origins:
                return self.origins[probe]
            probe = probe.rsplit("/", 1)[0]
        return Origin(None, self.pointer, None)


class _Invalid(ValueError):
    """A value the form's type refuses; the message is French."""


# Value conversions by the form's DS type. Each accepts what the JSON API and the exports give.


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Invalid("un texte est attendu")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _yes_no(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = normalize_label(str(value))
    if text in ("oui", "true", "on", "1", "vrai"):
        return True
    if text in ("non", "false", "off", "0", "faux"):
        return False
    if not text:
        return None
    raise _Invalid("« Oui » ou « Non » est attendu")


def _integer(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _Invalid("un nombre entier est attendu")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _Invalid("un nombre entier est attendu")
    text = str(value).strip().replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if isinstance(value, Decimal):
        text = format(value, "f")
    if not re.fullmatch(r"-?\d{1,18}(\.0+)?", text):
        raise _Invalid("un nombre entier est attendu")
    return int(Decimal(text))


def _decimal(value: Any) -> str | None:
    """An amount as exact text (``"19200.50"``); a float cell goes through its shortest text form."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _Invalid("un montant est attendu")
    if isinstance(value, float):
        value = repr(value)  # the shortest text that gives back this float: 19200.5, not 19200.4999…
    text = str(value).strip().replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace("€", "")
    text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _Invalid("un montant en euros est attendu, par exemple 12400.50") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise _Invalid("un montant positif et réaliste est attendu")
    if amount != amount.quantize(Decimal("0.01")):
        raise _Invalid("un montant au centime près est attendu")
    return str(amount.quantize(Decimal("0.01")))


def _date(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        day = _parse_date(str(value).strip())
    if not date_in_range(day):
        raise _Invalid(date_range_message())
    return day.isoformat()


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text[:10])  # the API's form: no need for strptime (and its locale)
    except ValueError:
        pass
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    raise _Invalid("une date est attendue (AAAA-MM-JJ ou JJ/MM/AAAA)")


def _departement(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    code = text.split(" - ", 1)[0].strip().upper()
    if not re.fullmatch(r"0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6]|99", code):
        raise _Invalid("un département est attendu, par exemple « 01 - Ain »")
    return code


def _code(value: Any, digits: int, what: str) -> str | None:
    text = _text(value)
    if text is None:
        return None
    text = text.replace(" ", "")
    if text.isascii() and text.isdigit() and len(text) < digits and what == "code INSEE":
        text = text.zfill(digits)  # a code typed as a number lost its leading zero
    if not re.fullmatch(rf"(\d{{{digits}}}|2[AB]\d{{3}})" if what == "code INSEE" else rf"\d{{{digits}}}", text):
        raise _Invalid(f"{what} à {digits} caractères attendu")
    return text


def _commune(value: Any) -> str | None:
    return _code(value, 5, "code INSEE")


def _siren(value: Any) -> str | None:
    return _code(value, 9, "SIREN")


def _siret(value: Any) -> str | None:
    return _code(value, 14, "SIRET")


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "TextChamp": _text,
    "DropDownListChamp": _text,
    "YesNoChamp": _yes_no,
    "CheckboxChamp": _yes_no,
    "IntegerNumberChamp": _integer,
    "DecimalNumberChamp": _decimal,
    "DateChamp": _date,
    "DepartementChamp": _departement,
    "CommuneChamp": _commune,
    "EpciChamp": _siren,
    "SiretChamp": _siret,
}


def converter(typename: str) -> Callable[[Any], Any]:
    """The conversion of a value of the form's DS type ``typename`` (text for the others)."""
    return CONVERTERS.get(typename, _text)


def split_choices(value: Any, choices: list[str]) -> list[str]:
    """The labels of a multiple choice: a list (API), or the export's text where they are joined by ", "
    although a label may itself contain ", " — so the known labels are matched, longest first."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    ordered = sorted(choices, key=len, reverse=True)
    found = []
    while text:
        match = next((c for c in ordered if normalize_label(text[: len(c)]) == normalize_label(c)), None)
        if match is None:
            # An unknown label: take it up to the next separator, the check of codes will name it.
            head, _, text = text.partition(", ")
            found.append(head.strip())
            continue
        found.append(text[: len(match)])
        text = text[len(match) :].lstrip()
        if text.startswith(","):
            text = text[1:].lstrip()
    return found


class Mapper:
    """Maps the champs of one received dossier to the project's dossier document."""

    def __init__(self, form: Form, reglement: Reglement) -> None:
        self.form = form
        self.reglement = reglement
        self.types = {normalize_label(t.label): t.code for t in reglement.applicant_types}
        self.kinds = {normalize_label(k.label): k.code for k in reglement.project_kinds}
        self.kinds[normalize_label(OTHER_KIND_LABEL)] = "autre"
        self.natures = {normalize_label(n.label): n.code for n in reglement.expense_natures}

    def map(self, raw: RawDossier) -> Mapped:
        mapped = Mapped(
            raw.numero,
            None,
            {},
            list(raw.issues),
            raw.pointer,
            # One copy of each label for the whole batch, not one per dossier (a third of what it keeps).
            labels=[intern(c.label) for c in (*raw.champs, *raw.annotations)],
        )
        if any(i.severity == "erreur" for i in raw.issues):
            return mapped
        doc: dict[str, Any] = {"numero": raw.numero}
        if raw.submitted_at is not None:
            doc["date_depot"] = raw.submitted_at.isoformat()
            mapped.origins["/date_depot"] = Origin("Déposé le", raw.submitted_where or raw.pointer, doc["date_depot"])
        if raw.state is not None:
            doc["statut"] = raw.state
        if raw.version is not None:
            doc["version_ds"] = raw.version
        values: dict[str, Any] = {}  # form key → converted value, for conditions
        for champ in raw.champs:
            spec = self.form.find(champ.label, champ.descriptor_id)
            if spec is None:
                mapped.issues.append(
                    warning(
                        "CHAMP_INCONNU",
                        f"champ « {champ.label} » inconnu du formulaire : il est ignoré ; si le formulaire a changé, "
                        "ajoutez-le à templates/formulaire-ain.json",
                        numero=raw.numero,
                        champ=champ.label,
                        pointer=champ.pointer,
                    )
                )
                continue
            if spec.target is None:
                continue
            value = self._convert(spec, champ, raw, mapped)
            values[spec.key] = value
            if value is not None and value != []:
                self._place(doc, spec, champ, value, raw, mapped)
        for champ in raw.annotations:
            if self.form.find(champ.label, champ.descriptor_id, annotation=True) is None:
                mapped.issues.append(
                    warning(
                        "CHAMP_INCONNU",
                        f"annotation « {champ.label} » inconnue du formulaire : ignorée",
                        numero=raw.numero,
                        champ=champ.label,
                        pointer=champ.pointer,
                    )
                )
        self._required(raw, values, mapped)
        self._applicant(doc, raw, mapped, values)
        if not raw.has_repetitions and "depenses" not in doc:
            mapped.issues.append(
                error(
                    "DEPENSES_ABSENTES",
                    "l'export CSV ne contient pas les blocs répétables (lignes de dépense, structures associées) : "
                    "téléchargez l'export XLSX ou le JSON de l'API",
                    numero=raw.numero,
                    champ="Dépenses prévisionnelles",
                )
            )
        if not any(i.severity == "erreur" for i in mapped.issues):
            doc.setdefault("depenses", [])
            mapped.document = doc
        return mapped

    # -- conversion and placement

    def _convert(self, spec: FormChamp, champ: RawChamp, raw: RawDossier, mapped: Mapped) -> Any:
        if spec.typename == "RepetitionChamp":
            return self._rows(spec, champ, raw, mapped)
        if spec.typename == "MultipleDropDownListChamp":
            return split_choices(champ.value, [*self.kinds_labels(), OTHER_KIND_LABEL])
        if champ.typename and champ.typename != spec.typename:
            mapped.issues.append(
                error(
                    "VALEUR_INVALIDE",
                    f"champ de type {champ.typename} alors que le formulaire attend {spec.typename}",
                    numero=raw.numero,
                    champ=champ.label,
                    pointer=champ.pointer,
                )
            )
            return None
        convert = converter(spec.typename)
        try:
            return convert(champ.value)
        except _Invalid as exc:
            mapped.issues.append(
                error(
                    "VALEUR_INVALIDE",
                    f"{exc}",
                    numero=raw.numero,
                    champ=champ.label,
                    pointer=champ.pointer,
                    value=champ.value,
                )
            )
            return None

    def kinds_labels(self) -> list[str]:
        return [k.label for k in self.reglement.project_kinds]

    def _rows(self, spec: FormChamp, champ: RawChamp, raw: RawDossier, mapped: Mapped) -> list[dict[str, Any]]:
        rows = []
        for index, cells in enumerate(champ.rows or []):
            row: dict[str, Any] = {}
            for cell in cells:
                column = spec.column_by_key.get(normalize_label(cell.label))
                if column is None or column.target is None:
                    continue
                try:
                    value = converter(column.typename)(cell.value)
                except _Invalid as exc:
                    mapped.issues.append(
                        error(
                            "VALEUR_INVALIDE",
                            f"ligne {index + 1} : {exc}",
                            numero=raw.numero,
                            champ=f"{spec.label} › {cell.label}",
                            pointer=cell.pointer,
                            value=cell.value,
                        )
                    )
                    continue
                if value is not None:
                    row[column.target] = (value, cell)
            for column in spec.columns:
                if column.required and column.target not in row:
                    mapped.issues.append(
                        error(
                            "CHAMP_MANQUANT",
                            f"ligne {index + 1} : « {column.label} » est vide ; complétez le dossier",
                            numero=raw.numero,
                            champ=f"{spec.label} › {column.label}",
                            pointer=cells[0].pointer.rsplit("/", 1)[0] if cells else champ.pointer,
                        )
                    )
            rows.append(row)
        return rows

    def _place(
        self, doc: dict[str, Any], spec: FormChamp, champ: RawChamp, value: Any, raw: RawDossier, mapped: Mapped
    ) -> None:
        target = spec.target
        assert target is not None
        origin = Origin(champ.label, champ.pointer, champ.value)
        if target == "porteur.type":
            code = self._lookup(self.types, value, spec, champ, raw, mapped)
            if code:
                _set(doc, "porteur.type", code)
                mapped.origins["/porteur/type"] = origin
        elif target == "porteur.commune":
            _set(doc, "porteur.code_insee", value)
            mapped.origins["/porteur/code_insee"] = origin
        elif target == "porteur.epci":
            pass  # checked against the depositor's SIRET in _applicant
        elif target == "projet.axes":
            codes = [c for c in (self._lookup(self.kinds, v, spec, champ, raw, mapped) for v in value) if c]
            _set(doc, "projet.axes", list(dict.fromkeys(codes)))
            mapped.origins["/projet/axes"] = origin
        elif target == "attestation":
            if value is False:
                mapped.issues.append(
                    warning(
                        "ATTESTATION_NON_COCHEE",
                        "l'attestation d'exactitude n'est pas cochée",
                        numero=raw.numero,
                        champ=champ.label,
                        pointer=champ.pointer,
                    )
                )
        elif target in ("partenaires", "depenses"):
            items = []
            for index, row in enumerate(value):
                item: dict[str, Any] = {}
                for key, (cell_value, cell) in row.items():
                    if key in ("type", "nature"):
                        table = self.types if key == "type" else self.natures
                        cell_value = self._lookup(table, cell_value, spec, cell, raw, mapped)
                        if cell_value is None:
                            continue
                    item[key] = cell_value
                    mapped.origins[f"/{target}/{index}/{key}"] = Origin(
                        f"{spec.label} › {cell.label}", cell.pointer, cell.value
                    )
                items.append(item)
                mapped.origins[f"/{target}/{index}"] = origin
            doc[target] = items
        else:
            _set(doc, target, value)
            mapped.origins[_pointer(target)] = origin

    def _lookup(
        self, table: dict[str, str], label: str, spec: FormChamp, champ: RawChamp, raw: RawDossier, mapped: Mapped
    ) -> str | None:
        code = table.get(normalize_label(str(label)))
        if code is None:
            mapped.issues.append(
                error(
                    "VALEUR_INVALIDE",
                    f"choix « {label} » inconnu pour « {spec.label} »",
                    numero=raw.numero,
                    champ=champ.label,
                    pointer=champ.pointer,
                    value=label,
                )
            )
        return code

    # -- required champs and the applicant

    def _required(self, raw: RawDossier, values: dict[str, Any], mapped: Mapped) -> None:
        for spec in self.form.champs:
            if spec.target is None or (spec.typename == "RepetitionChamp" and not raw.has_repetitions):
                continue
            needed = spec.required
            if spec.required_if is not None:
                condition = values.get(normalize_label(spec.required_if.label))
                wanted = spec.required_if.value
                if isinstance(condition, bool):
                    needed = condition == (_yes_no(wanted) is True)
                else:
                    needed = condition is not None and normalize_label(str(condition)) == normalize_label(wanted)
            present = values.get(spec.key)
            if needed and (present is None or present == []) and not _already_reported(mapped, spec.label):
                mapped.issues.append(
                    error(
                        "CHAMP_MANQUANT",
                        f"le champ obligatoire « {spec.label} » est absent ou vide ; "
                        "demandez au porteur de compléter son dossier",
                        numero=raw.numero,
                        champ=spec.label,
                        pointer=f"{raw.pointer}/champs",
                    )
                )

    def _applicant(self, doc: dict[str, Any], raw: RawDossier, mapped: Mapped, values: dict[str, Any]) -> None:
        applicant = raw.applicant
        porteur = doc.setdefault("porteur", {})
        epci_spec = next((c for c in self.form.champs if c.target == "porteur.epci"), None)
        epci = values.get(epci_spec.key) if epci_spec else None
        if applicant is None or not applicant.siret:
            mapped.issues.append(
                error(
                    "VALEUR_INVALIDE",
                    "le demandeur n'a pas de SIRET : une commune ou un EPCI dépose avec son SIRET",
                    numero=raw.numero,
                    champ="Demandeur",
                    pointer=applicant.pointer if applicant else raw.pointer,
                )
            )
            return
        porteur["siret"] = applicant.siret
        mapped.origins["/porteur/siret"] = Origin("SIRET du demandeur", f"{applicant.pointer}/siret", applicant.siret)
        if "code_insee" not in porteur and applicant.code_insee:
            porteur["code_insee"] = applicant.code_insee
            mapped.origins["/porteur/code_insee"] = Origin(
                "Commune du siège du demandeur", f"{applicant.pointer}/address/cityCode", applicant.code_insee
            )
        porteur["nom"] = applicant.name or f"Structure SIRET {applicant.siret}"
        mapped.origins["/porteur/nom"] = Origin("Raison sociale du demandeur", applicant.pointer, applicant.name)
        if applicant.address:
            porteur["adresse"] = applicant.address
            mapped.origins["/porteur/adresse"] = Origin(
                "Adresse du demandeur", f"{applicant.pointer}/address", applicant.address
            )
        if epci_spec is None or epci is None:
            pass
        elif not _valid_siren(epci):
            champ = next((c for c in raw.champs if self.form.find(c.label, c.descriptor_id) == epci_spec), None)
            mapped.issues.append(
                error(
                    "SIRET_INVALIDE",
                    f"SIREN de l'EPCI « {epci} » invalide (clé de contrôle)",
                    numero=raw.numero,
                    champ=epci_spec.label,
                    pointer=champ.pointer if champ else raw.pointer,
                    value=epci,
                )
            )
        elif epci != applicant.siret[:9]:
            champ = next((c for c in raw.champs if self.form.find(c.label, c.descriptor_id) == epci_spec), None)
            mapped.issues.append(
                warning(
                    "PORTEUR_INCOMPLET",
                    f"l'EPCI choisi ({epci}) n'est pas celui du SIRET du demandeur ({applicant.siret[:9]}) : "
                    "vérifiez qui porte le projet",
                    numero=raw.numero,
                    champ=epci_spec.label,
                    pointer=champ.pointer if champ else raw.pointer,
                    value=epci,
                )
            )
        if not applicant.complete:
            mapped.issues.append(
                warning(
                    "PORTEUR_INCOMPLET",
                    "le demandeur n'est connu que par son SIRET : vérifiez sa raison sociale et sa commune siège",
                    numero=raw.numero,
                    champ="Demandeur",
                    pointer=applicant.pointer,
                )
            )


def _valid_siren(value: str) -> bool:
    try:
        validate_siren(value)
    except IdentifierError:
        return False
    return True


def _already_reported(mapped: Mapped, label: str) -> bool:
    return any(i.champ == label for i in mapped.issues)


def _set(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = _path(dotted)
    node = doc
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value


@lru_cache(maxsize=256)  # the form's few dozen targets, for every dossier
def _path(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


@lru_cache(maxsize=256)
def _pointer(dotted: str) -> str:
    """``projet.intitule`` → ``/projet/intitule``."""
    return "/" + dotted.replace(".", "/")
