"""The JSON of the démarches-simplifiées API: one dossier node, ``{"data": {"dossier": …}}``, or a
``getDemarche`` page ``{"data": {"demarche": {"dossiers": {"nodes": […]}}}}``.

Each node is checked against ``schemas/ds-dossier.schema.json`` and turned into a ``RawDossier`` whose
champs carry their JSON pointer in the file. The API's pitfalls are handled here: ``""`` for empty,
BigInt values as strings, French text in ``stringValue`` for dates (the ``date`` field is used), money
from its exact string form, hidden conditional champs simply absent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from xlplugin.intake.ds_shape import shape_problems
from xlplugin.intake.issues import Issue, error
from xlplugin.intake.mapping import Applicant, RawChamp, RawDossier


def find_nodes(document: Any) -> list[tuple[str, Any]] | Issue | None:
    """The dossier nodes of a DS API document with their pointers; ``None`` if it is not one."""
    if isinstance(document, dict) and document.get("__typename") == "Dossier":
        return [("", document)]
    if not isinstance(document, dict) or "data" not in document:
        return None
    if document.get("errors"):
        messages = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in document["errors"])
        return error("FORME_DS_INVALIDE", f"la réponse de l'API contient des erreurs : {messages[:300]}")
    data = document["data"]
    if isinstance(data, dict) and isinstance(data.get("dossier"), dict):
        return [("/data/dossier", data["dossier"])]
    demarche = data.get("demarche") if isinstance(data, dict) else None
    dossiers = demarche.get("dossiers") if isinstance(demarche, dict) else None
    nodes = dossiers.get("nodes") if isinstance(dossiers, dict) else None
    if isinstance(nodes, list):
        return [(f"/data/demarche/dossiers/nodes/{i}", node) for i, node in enumerate(nodes)]
    return error("FORME_DS_INVALIDE", "réponse de l'API sans dossier : ni data.dossier ni data.demarche.dossiers.nodes")


def read_node(node: Any, pointer: str) -> RawDossier:
    """One DS dossier node → ``RawDossier`` (with its shape errors, if any)."""
    numero = node.get("number") if isinstance(node, dict) else None
    numero = numero if isinstance(numero, int) and not isinstance(numero, bool) else None
    shape = shape_problems(node)
    if shape:
        issues = [
            error(
                "FORME_DS_INVALIDE",
                problem.message,
                numero=numero,
                champ=_label_at(node, problem.pointer),
                pointer=pointer + problem.pointer,
                value=problem.value if _scalar(problem.value) else None,
            )
            for problem in shape
        ]
        return RawDossier(numero, pointer, [], issues=issues)
    return RawDossier(
        numero=numero,
        pointer=pointer,
        champs=[_champ(c, f"{pointer}/champs/{i}") for i, c in enumerate(node["champs"])],
        annotations=[_champ(c, f"{pointer}/annotations/{i}") for i, c in enumerate(node.get("annotations") or [])],
        applicant=_applicant(node["demandeur"], f"{pointer}/demandeur"),
        submitted_at=datetime.fromisoformat(node["dateDepot"]) if node.get("dateDepot") else None,
        submitted_where=f"{pointer}/dateDepot",
        state=node["state"],
        version=_version(node.get("dateDerniereModificationChamps")),
    )


def _version(value: Any) -> str | None:
    """The dossier's version, if the platform's text reads as an instant (a date, a time and its offset), written
    as RFC 3339 (what the dossier's schema checks): it is a marker the decisions compare, never a reason to refuse
    a dossier. Anything else is no version."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.isoformat() if moment.tzinfo is not None else None


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool)) or type(value).__name__ == "Decimal"


def _label_at(node: Any, pointer: str) -> str | None:
    """The label of the champ that holds ``pointer`` (for an error inside a champ)."""
    label = None
    current = node
    for text in pointer.split("/")[1:]:
        part: Any = int(text) if text.isascii() and text.isdigit() else text.replace("~1", "/").replace("~0", "~")
        try:
            current = current[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(current, dict) and isinstance(current.get("label"), str):
            label = current["label"]
    return label


def _applicant(demandeur: dict[str, Any], pointer: str) -> Applicant | None:
    kind = demandeur["__typename"]
    if kind == "PersonnePhysique":
        return Applicant(None, pointer=pointer)
    if kind == "PersonneMoraleIncomplete":
        return Applicant(demandeur["siret"], complete=False, pointer=pointer)
    entreprise = demandeur.get("entreprise") or {}
    address = demandeur.get("address") or {}
    name = entreprise.get("raisonSociale") or entreprise.get("nomCommercial") or None
    return Applicant(demandeur["siret"], name, address.get("cityCode") or None, True, pointer, _postal(address))


def _postal(address: dict[str, Any]) -> str | None:
    """The postal address of the depositor's establishment on one line (« Place de la Mairie, 01000
    Ambérieux-en-Dombes »), for the letters; None without a city."""
    texts = {key: address.get(key) for key in ("streetAddress", "postalCode", "cityName")}
    street, postal, city = (v.strip() if isinstance(v, str) else "" for v in texts.values())
    if not city:
        return None
    town = f"{postal} {city}".strip()
    return f"{street}, {town}" if street else town


def _read(champ: dict[str, Any], pointer: str) -> tuple[Any, str]:
    """The value of the champ at ``pointer``, in the form the mapping converts (the typed field when there is
    one), and where it stands: the pointer an error about it names."""
    kind = champ["__typename"]
    field = _VALUE_FIELDS.get(kind)
    if field is not None:
        return champ.get(field), f"{pointer}/{field}"
    if kind == "DecimalNumberChamp":
        # The exact string form when the API gives one; the number (already a Decimal) otherwise.
        text = champ.get("stringValue")
        return (text, f"{pointer}/stringValue") if text else (champ.get("decimalNumber"), f"{pointer}/decimalNumber")
    if kind == "DropDownListChamp":
        return champ.get("value", champ.get("stringValue")), f"{pointer}/value"
    if kind == "MultipleDropDownListChamp":
        return champ.get("values") or [], f"{pointer}/values"
    place = _PLACE_FIELDS.get(kind)
    if place is not None:
        return (champ.get(place) or {}).get("code"), f"{pointer}/{place}/code"
    if kind == "PieceJustificativeChamp":
        return champ.get("files"), pointer
    return champ.get("stringValue"), pointer


# The types whose value is one field of the champ, and that field (the value's pointer names it).
_VALUE_FIELDS = {
    "TextChamp": "stringValue",
    "SiretChamp": "stringValue",
    "DateChamp": "date",
    "DatetimeChamp": "datetime",
    "CheckboxChamp": "checked",
    "YesNoChamp": "selected",
    "IntegerNumberChamp": "integerNumber",
}
# The types whose value is the code of a place: ``{"commune": {"code": …}}``.
_PLACE_FIELDS = {"CommuneChamp": "commune", "EpciChamp": "epci", "DepartementChamp": "departement"}


def _champ(champ: dict[str, Any], pointer: str, *, cell: bool = False) -> RawChamp:
    """A champ of the node (``cell``: a champ in a repetition's row). Only a root champ's rows are read: the
    schema checks those, and démarches-simplifiées never puts a repetition in a repetition — a cell that says it
    is one is read as a plain champ, its « rows » unread, whatever they hold."""
    rows = None
    if champ["__typename"] == "RepetitionChamp" and not cell:
        rows = [
            [
                _champ(item, f"{pointer}/rows/{r}/champs/{c}", cell=True)
                for c, item in enumerate(row.get("champs") or [])
            ]
            for r, row in enumerate(champ.get("rows") or [])
        ]
    value, where = _read(champ, pointer)
    return RawChamp(champ["label"], value, where, champ.get("champDescriptorId"), champ["__typename"], rows)
