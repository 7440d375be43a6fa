"""The Word models of the decision documents, and the check of their placeholders before any rendering.

A model is a .docx with docxtpl placeholders (see ``context.PLACEHOLDERS``). ``check_model`` reads every
placeholder of the body, headers and footers, follows the loops (``{%p for motif in motifs %}`` makes
``motif.message`` stand for ``motifs[].message``), and refuses, naming them, a placeholder that is not in the
vocabulary (a typo such as ``{{ beneficiaire.nmo }}``) or a required mention the model no longer has.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import jinja2
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import nodes

from xlplugin.documents.context import PLACEHOLDERS, REQUIRED, TITLES

MODELS_FOLDER = "documents"
JINJA_NAMES = {"loop", "range", "true", "false", "none", "True", "False", "None", "namespace", "dict", "lipsum"}


class ModelError(ValueError):
    """A Word model that cannot be used; the message names the model and the placeholders at fault."""


@dataclass(frozen=True, slots=True)
class ModelCheck:
    """The placeholders a model uses (as vocabulary paths) and where each is written."""

    kind: str
    path: str
    used: frozenset[str]


def model_file_name(kind: str) -> str:
    return f"{kind}.docx"


def default_models_folder() -> Traversable:
    return resources.files("xlplugin.templates").joinpath(MODELS_FOLDER)


def model_path(kind: str, folder: Path | Traversable | None = None) -> Path | Traversable:
    return (folder if folder is not None else default_models_folder()).joinpath(model_file_name(kind))


def jinja_source(template: DocxTemplate) -> str:
    """The Jinja text docxtpl renders: the body, then the headers and footers (as docxtpl prepares them)."""
    document = Document(template.template_file)
    text: str = template.patch_xml(template.xml_to_string(document.element.body))
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and rel.target_part.blob:
            text += template.patch_xml(template.xml_to_string(parse_xml(rel.target_part.blob)))
    return text


def check_model(kind: str, source: Path | Traversable) -> ModelCheck:
    """Check the model of ``kind`` at ``source``; ``ModelError`` names every unknown or missing placeholder."""
    name = getattr(source, "name", str(source))
    try:
        with source.open("rb") as stream:
            template = DocxTemplate(stream)
            text = jinja_source(template)
    except FileNotFoundError:
        raise ModelError(
            f"Modèle {name} introuvable : remettez le fichier du {TITLES[kind]} dans le dossier des modèles."
        ) from None
    except Exception as exc:  # a damaged or non-Word file: python-docx raises several kinds of errors
        raise ModelError(
            f"Modèle {name} illisible ({exc.__class__.__name__}) : enregistrez-le au format Word (.docx)."
        ) from None
    try:
        tree = jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise ModelError(
            f"Modèle {name} : balise mal écrite ({exc.message}) ; vérifiez les {{{{ … }}}} et {{%p … %}}."
        ) from None
    used = dict(_placeholders(tree))
    unknown = sorted({written for path, written in used.items() if not _known(path)})
    problems = [f"balise inconnue {w} : corrigez-la ou retirez-la" for w in unknown]
    missing = [path for path in REQUIRED.get(kind, {}) if path not in used]
    problems += [
        f"balise {_shown(path)} absente ({PLACEHOLDERS[path]}) : mention exigée — {REQUIRED[kind][path]}"
        for path in missing
    ]
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ModelError(f"Modèle {name} refusé, rien n'a été écrit :\n{lines}")
    return ModelCheck(kind, name, frozenset(used))


def _known(path: str) -> bool:
    """A path of the vocabulary, or a prefix of one (a dict or a list used as a whole, e.g. in a loop)."""
    return path in PLACEHOLDERS or any(p.startswith(path + ".") or p.startswith(path + "[]") for p in PLACEHOLDERS)


def _shown(path: str) -> str:
    if path.endswith("[]"):
        return f"{{%p for … in {path[:-2]} %}}"
    if "[]." in path:
        collection, attribute = path.split("[].", 1)
        return f"{{{{ ….{attribute} }}}} dans la boucle sur {collection}"
    return f"{{{{ {path} }}}}"


def _placeholders(tree: nodes.Template) -> Iterator[tuple[str, str]]:
    """(vocabulary path, placeholder as written) for every variable the template reads."""
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    yield from _reads(tree, {}, assigned)


def _reads(node: nodes.Node, bindings: dict[str, str], assigned: set[str]) -> Iterator[tuple[str, str]]:
    """Walk the template; a loop binds its variable to the list's items (``motif`` → ``motifs[]``) in its body."""
    if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Name)):
        path = _path(node)
        if path is not None:
            resolved = _resolve(path, bindings, assigned)
            if resolved is not None:
                yield resolved, "{{ " + path + " }}"
            return
    if isinstance(node, nodes.For):
        yield from _reads(node.iter, bindings, assigned)
        iterable = _path(node.iter)
        inner = dict(bindings)
        if iterable is not None and isinstance(node.target, nodes.Name):
            resolved = _resolve(iterable, bindings, assigned)
            if resolved is not None:
                inner[node.target.name] = resolved + "[]"
                yield resolved + "[]", f"{{%p for {node.target.name} in {iterable} %}}"
        for child in (*node.body, *node.else_):
            yield from _reads(child, inner, assigned)
        if node.test is not None:
            yield from _reads(node.test, inner, assigned)
        return
    for child in node.iter_child_nodes():
        yield from _reads(child, bindings, assigned)


def _resolve(path: str, bindings: dict[str, str], assigned: set[str]) -> str | None:
    """The vocabulary path of a variable path, or None for the template's own names (``loop``, ``{% set %}``)."""
    root, _, rest = path.partition(".")
    if root in bindings:
        return bindings[root] + ("." + rest if rest else "")
    if root in assigned or root in JINJA_NAMES:
        return None
    return path


def _path(node: nodes.Node) -> str | None:
    """``beneficiaire.nom`` for ``beneficiaire.nom`` or ``beneficiaire["nom"]``; None for anything else."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        inner = _path(node.node)
        return f"{inner}.{node.attr}" if inner is not None else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        inner = _path(node.node)
        return f"{inner}.{node.arg.value}" if inner is not None else None
    return None
