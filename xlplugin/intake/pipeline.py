"""The stages every received file goes through, and the verdict per file.

parse → DS shape → mapping of the form's champs → dossier schema → identifiers (SIRET/SIREN, code INSEE
in the COG) → the rules' eligibility, reported as warnings (a valid file can hold an ineligible dossier).
Every problem of a file is collected; one bad file never stops the batch; a received file is only read.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlplugin.errors import AgentError
from xlplugin.intake.form import Form, default_form
from xlplugin.intake.issues import ERROR, Issue, error, warning
from xlplugin.intake.mapping import Mapped, Mapper, formula_like
from xlplugin.intake.reader import read_file
from xlplugin.intake.safety import MAX_FILE_BYTES
from xlplugin.rules import Dossier, DossierError, Reglement, evaluate, read_dossier
from xlplugin.rules.territory import Territory, default_territory, departement_of

SCANNED_SUFFIXES = (".json", ".xlsx", ".csv")


@dataclass(slots=True)
class DossierResult:
    numero: int | None
    document: dict[str, Any] | None
    dossier: Dossier | None
    issues: list[Issue] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FileResult:
    path: Path
    kind: str | None
    dossiers: list[DossierResult] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def all_issues(self) -> list[Issue]:
        return self.issues + [i for d in self.dossiers for i in d.issues]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.all_issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.all_issues if i.severity != ERROR]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def labels(self) -> list[str]:
        """The champ labels seen in the file, once each, in order: what the form file must know."""
        return list(dict.fromkeys(label for d in self.dossiers for label in d.labels))

    @property
    def numbers(self) -> list[int]:
        return [d.numero for d in self.dossiers if d.numero is not None]


def collect_paths(inputs: Iterable[Path]) -> list[Path]:
    """Files named, and in folders (recursively, without following linked folders) the files whose name
    ends in .json, .xlsx or .csv. A named path that does not exist is kept: it will be reported."""
    found: list[Path] = []
    for path in inputs:
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs.sort()
                found.extend(Path(root) / name for name in sorted(files) if name.lower().endswith(SCANNED_SUFFIXES))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


class Validator:
    """Validates files against one règlement, form and territory (built once for a whole batch)."""

    def __init__(
        self,
        reglement: Reglement,
        form: Form | None = None,
        territory: Territory | None = None,
        max_bytes: int = MAX_FILE_BYTES,
    ) -> None:
        self.reglement = reglement
        self.form = form or default_form()
        self.territory = territory or default_territory()
        self.mapper = Mapper(self.form, reglement)
        self.max_bytes = max_bytes

    def validate(self, paths: Iterable[Path], progress: Callable[[Path], None] | None = None) -> list[FileResult]:
        results = []
        for path in paths:
            results.append(self.validate_file(path))
            if progress is not None:
                progress(path)
        flag_duplicates(results)
        return results

    def validate_file(self, path: Path) -> FileResult:
        read = read_file(path, self.form, self.max_bytes)
        result = FileResult(path, read.kind, issues=list(read.issues))
        for raw in read.raw:
            result.dossiers.append(self._check(self.mapper.map(raw)))
        for pointer, document in read.documents:
            numero = document.get("numero") if isinstance(document.get("numero"), int) else None
            result.dossiers.append(self._check(Mapped(numero, document, {}, [], pointer, direct=True)))
        return result

    def _check(self, mapped: Mapped) -> DossierResult:
        result = DossierResult(mapped.numero, mapped.document, None, list(mapped.issues), mapped.labels)
        if mapped.document is None:
            return result
        result.issues += self._formula_texts(mapped)
        try:
            dossier = read_dossier(mapped.document, self.reglement)
        except DossierError as exc:
            for problem in exc.problems:
                origin = mapped.origin_of(problem.pointer)
                code = "SIRET_INVALIDE" if problem.pointer.endswith(("/siret", "/siren")) else "DOSSIER_INVALIDE"
                result.issues.append(
                    error(
                        code,
                        problem.message,
                        numero=mapped.numero,
                        champ=origin.champ,
                        pointer=origin.pointer,
                        value=problem.value,
                    )
                )
            return result
        result.issues += self._identifiers(mapped, dossier)
        if any(i.severity == ERROR for i in result.issues):
            return result
        result.dossier = dossier
        for reason in evaluate(dossier, self.reglement, self.territory).reasons:
            result.issues.append(warning(reason.code, reason.message, numero=mapped.numero))
        return result

    def _identifiers(self, mapped: Mapped, dossier: Dossier) -> list[Issue]:
        issues = []
        departement = self.reglement.departement_code
        structures = [("/porteur/code_insee", dossier.applicant.code_insee)] + [
            (f"/partenaires/{i}/code_insee", p.code_insee) for i, p in enumerate(dossier.partners)
        ]
        for doc_pointer, code in structures:
            if code and departement_of(code) == departement and self.territory.commune(code) is None:
                origin = mapped.origin_of(doc_pointer)
                issues.append(
                    error(
                        "CODE_INSEE_INCONNU",
                        f"le code INSEE {code} n'existe pas dans l'Ain au COG 2021 ; vérifiez la commune",
                        numero=mapped.numero,
                        champ=origin.champ,
                        pointer=origin.pointer,
                        value=code,
                    )
                )
        return issues

    def _formula_texts(self, mapped: Mapped) -> list[Issue]:
        issues = []
        for pointer, text in _strings(mapped.document, ""):
            if formula_like(text):
                origin = mapped.origin_of(pointer)
                issues.append(
                    error(
                        "TEXTE_FORMULE",
                        "ce texte commence comme une formule de tableur (=, +, -, @) : corrigez-le dans le dossier ; "
                        "il ne sera jamais importé comme formule",
                        numero=mapped.numero,
                        champ=origin.champ,
                        pointer=origin.pointer,
                        value=text,
                    )
                )
        return issues


def _strings(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield pointer, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in ("montant_ht", "cout_total", "montant_sollicite", "autres_financements", "date_depot"):
                yield from _strings(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{pointer}/{index}")


def flag_duplicates(results: list[FileResult]) -> None:
    """The same dossier number in several files (or twice in one) is reported on each occurrence."""
    where: dict[int, list[tuple[FileResult, DossierResult]]] = defaultdict(list)
    for result in results:
        for dossier in result.dossiers:
            if dossier.numero is not None:
                where[dossier.numero].append((result, dossier))
    for numero, places in where.items():
        if len(places) < 2:
            continue
        documents = [d.document for _, d in places]
        same = all(doc == documents[0] for doc in documents)
        for _result, dossier in places:
            others = ", ".join(str(r.path) for r, d in places if d is not dossier)
            detail = "même contenu" if same else "contenus différents : gardez la version la plus récente"
            dossier.issues.append(
                warning(
                    "DOSSIER_EN_DOUBLE", f"le dossier {numero} figure aussi dans {others} ({detail})", numero=numero
                )
            )


class ConflictingVersions(AgentError, ValueError):
    """The same dossier number in two files with different content: the agent keeps the latest."""


def usable_dossiers(results: Iterable[FileResult]) -> list[Dossier]:
    """The dossiers of the valid files, once each, by number; the same number with different content is
    refused (``ConflictingVersions``): the agent keeps the latest version."""
    chosen: dict[int, tuple[Dossier, Path]] = {}
    for result in results:
        if not result.valid:
            continue
        for item in result.dossiers:
            if item.dossier is None:
                continue
            seen = chosen.get(item.dossier.number)
            if seen is None:
                chosen[item.dossier.number] = (item.dossier, result.path)
            elif seen[0] != item.dossier:
                raise ConflictingVersions(
                    f"le dossier {item.dossier.number} figure dans {seen[1]} et dans {result.path} avec des contenus "
                    "différents : ne gardez que la version la plus récente"
                )
    return [dossier for dossier, _ in sorted(chosen.values(), key=lambda item: item[0].number)]
