"""The stages every received file goes through, and the verdicts: one per dossier, one per file.

parse → DS shape → mapping of the form's champs → the applicant's texts (``texts``) → dossier schema →
identifiers (SIRET/SIREN, code INSEE in the COG) → the rules' eligibility, reported as warnings (a valid
dossier can be ineligible). The dossier is the unit: a file is invalid only for what concerns the whole
file (unreadable, of no known format, dangerous); a file of 17 dossiers with one bad dossier gives 16 valid
dossiers and one invalid, named with its field and what to do. Every problem is collected; nothing stops
the batch; a received file is only read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xlplugin.batches import cycle_collector_paused
from xlplugin.grouping import first_ones, grouped
from xlplugin.intake.form import Form, default_form
from xlplugin.intake.issues import ERROR, Issue, error, warning
from xlplugin.intake.mapping import Mapped, Mapper
from xlplugin.intake.reader import read_file
from xlplugin.intake.safety import MAX_FILE_BYTES
from xlplugin.intake.texts import MAX_CELL_TEXT, clean_document, describe, printable
from xlplugin.rules import Dossier, DossierError, Reglement, evaluate, read_dossier
from xlplugin.rules.territory import Territory, default_territory, departement_of


class _Verdict:
    """The errors and warnings among a verdict's ``issues``."""

    __slots__ = ()
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity != ERROR]


@dataclass(slots=True)
class DossierResult(_Verdict):
    """The verdict on one dossier of a file: its issues, and the checked ``Dossier`` when it is valid."""

    numero: int | None
    document: dict[str, Any] | None
    dossier: Dossier | None
    issues: list[Issue] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.dossier is not None and not self.errors


@dataclass(slots=True)
class FileResult(_Verdict):
    """The verdict on one received file (``issues``: what concerns the whole file) and on each of its dossiers."""

    path: Path
    kind: str | None
    dossiers: list[DossierResult] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)  # errors here make the whole file unusable
    digest: str | None = None  # SHA-256 of the bytes judged, when the validator keeps them (``digests``)

    @property
    def valid(self) -> bool:
        """The file could be read as a whole; its dossiers have their own verdicts."""
        return not self.errors

    @property
    def complete(self) -> bool:
        """The file and every one of its dossiers are valid."""
        return self.valid and all(d.valid for d in self.dossiers)

    @property
    def valid_dossiers(self) -> list[DossierResult]:
        return [d for d in self.dossiers if d.valid] if self.valid else []

    @property
    def invalid_dossiers(self) -> list[DossierResult]:
        return [d for d in self.dossiers if not d.valid]

    @property
    def labels(self) -> list[str]:
        """The champ labels seen in the file, once each, in order: what the form file must know."""
        return list(dict.fromkeys(label for d in self.dossiers for label in d.labels))

    @property
    def numbers(self) -> list[int]:
        return [d.numero for d in self.dossiers if d.numero is not None]


class Validator:
    """Validates files against one règlement, form and territory (built once for a whole batch)."""

    def __init__(
        self,
        reglement: Reglement,
        form: Form | None = None,
        territory: Territory | None = None,
        max_bytes: int = MAX_FILE_BYTES,
        *,
        digests: bool = False,
    ) -> None:
        self.reglement = reglement
        self.digests = digests  # each file's SHA-256 kept with its verdict (the import's memory)
        self.form = form or default_form()
        self.territory = territory or default_territory()
        self.mapper = Mapper(self.form, reglement)
        self.max_bytes = max_bytes

    def validate(self, paths: Iterable[Path], progress: Callable[[Path], None] | None = None) -> list[FileResult]:
        results = []
        with cycle_collector_paused():
            for path in paths:
                results.append(self._checked(path))
                if progress is not None:
                    progress(path)
            flag_duplicates(results)
        return results

    def _checked(self, path: Path) -> FileResult:
        """``validate_file``, and a defect of the checks on this one file said as its verdict: the other files
        of the batch are still checked (an exception here stopped all of them, with a traceback)."""
        try:
            return self.validate_file(path)
        except Exception as exc:
            why = f"{type(exc).__name__} : {printable(str(exc))[:200]}"
            return FileResult(
                path,
                None,
                issues=[
                    error(
                        "CONTROLE_IMPOSSIBLE",
                        f"le contrôle de ce fichier a échoué ({why}) : c'est un défaut de l'outil ; le fichier est "
                        "écarté, les autres sont contrôlés. Signalez-le avec ce fichier",
                    )
                ],
            )

    def validate_file(self, path: Path) -> FileResult:
        read = read_file(path, self.form, self.max_bytes, digest=self.digests)
        result = FileResult(path, read.kind, issues=list(read.issues), digest=read.digest)
        for raw in read.raw:
            result.dossiers.append(self._check(self.mapper.map(raw)))
        for pointer, document in read.documents:
            numero = document.get("numero") if isinstance(document.get("numero"), int) else None
            result.dossiers.append(self._check(Mapped(numero, document, {}, [], pointer, direct=True)))
        return result

    def _check(self, mapped: Mapped) -> DossierResult:
        result = DossierResult(mapped.numero, mapped.document, None, list(mapped.issues), mapped.labels)
        if mapped.document is None:
            if not result.errors:  # a reader always says why; never let a dossier vanish without a word
                result.issues.append(error("FORME_DS_INVALIDE", "dossier illisible", numero=mapped.numero))
            return result
        result.issues += self._texts(mapped)
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

    def _texts(self, mapped: Mapped) -> list[Issue]:
        """Clean the applicant's texts of what no workbook can hold, and say what is worth a look."""
        assert mapped.document is not None
        issues = []
        for found in clean_document(mapped.document):
            origin = mapped.origin_of(found.pointer)
            where = {"numero": mapped.numero, "champ": origin.champ, "pointer": origin.pointer, "value": found.text}
            if found.removed:
                issues.append(
                    warning(
                        "CARACTERES_RETIRES",
                        f"caractères de contrôle ou invalides retirés du texte ({describe(found.removed)}) : un "
                        "classeur ne peut pas les tenir ; le reste du texte est importé tel quel",
                        **where,
                    )
                )
            if found.deceptive:
                issues.append(
                    warning(
                        "CARACTERES_TROMPEURS",
                        "le texte contient des caractères invisibles qui changent sa lecture "
                        f"({describe(found.deceptive)}) : vérifiez-le avant de le recopier dans un acte",
                        **where,
                    )
                )
            if found.length:
                issues.append(
                    error(
                        "TEXTE_TROP_LONG",
                        f"texte de {grouped(found.length)} caractères : une cellule de classeur en tient au plus "
                        f"{grouped(MAX_CELL_TEXT)}. Le dossier est écarté (les autres sont importés) ; demandez au "
                        "porteur de raccourcir ce texte, ou de le joindre en pièce jointe",
                        **where,
                    )
                )
            if found.formula:
                issues.append(
                    warning(
                        "TEXTE_FORMULE",
                        "ce texte commence comme une formule de tableur (=, +, -, @) : il est importé tel quel, comme "
                        "texte, jamais comme formule",
                        **where,
                    )
                )
        return issues


def flag_duplicates(results: list[FileResult]) -> None:
    """The same dossier number in several files (or twice in one) is reported on each occurrence: a warning
    when the contents are the same (the dossier counts once), an error when they differ (the dossier is not
    used until the agent keeps only the latest version; the other dossiers go on)."""
    where: dict[int, list[tuple[FileResult, DossierResult]]] = defaultdict(list)
    for result in results:
        for dossier in result.dossiers:
            if dossier.numero is not None and dossier.document is not None:  # an unreadable one says why itself
                where[dossier.numero].append((result, dossier))
    for numero, places in where.items():
        if len(places) < 2:
            continue
        documents = [_content(d.document) for _, d in places if d.document is not None]
        same = all(doc == documents[0] for doc in documents)
        for _result, dossier in places:
            others = _others(places, dossier)
            if same:
                message = f"le dossier {numero} figure aussi dans {others} (même contenu : il compte une fois)"
                dossier.issues.append(warning("DOSSIER_EN_DOUBLE", message, numero=numero))
            else:
                message = (
                    f"le dossier {numero} figure aussi dans {others} avec un contenu différent : ne gardez que la "
                    "version la plus récente, puis relancez"
                )
                dossier.issues.append(error("VERSIONS_DIFFERENTES", message, numero=numero))


def _content(document: dict[str, Any]) -> dict[str, Any]:
    """What the applicant deposited: the document without what démarches-simplifiées adds to it — the version
    marker (a dossier changed then changed back has another) and the postal address of the depositor's
    establishment, from the SIRET's registry — which an export of the same dossier does not give."""
    content = {key: value for key, value in document.items() if key != "version_ds"}
    porteur = content.get("porteur")
    if isinstance(porteur, dict) and "adresse" in porteur:
        content["porteur"] = {key: value for key, value in porteur.items() if key != "adresse"}
    return content


NAMED_OTHERS = 3  # files a duplicate's message names; the others are counted (10 000 copies: not 10 000 names each)


def _others(places: list[tuple[FileResult, DossierResult]], dossier: DossierResult) -> str:
    """The other files that hold this dossier: the first few by name, then how many more."""
    return first_ones([str(r.path) for r, d in places if d is not dossier], NAMED_OTHERS)


def usable_dossiers(results: Iterable[FileResult]) -> list[Dossier]:
    """The valid dossiers of the readable files, once each, by number: of the same content in several files,
    the one that says the latest version of démarches-simplifiées (a decision is checked against it)."""
    chosen: dict[int, Dossier] = {}
    for result in results:
        for item in result.valid_dossiers:
            assert item.dossier is not None
            held = chosen.get(item.dossier.number)
            if held is None or _version_key(item.dossier) > _version_key(held):
                chosen[item.dossier.number] = item.dossier
    return [chosen[number] for number in sorted(chosen)]


def _version_key(dossier: Dossier) -> tuple[int, datetime]:
    """Orders the versions of one dossier: none first, then by instant (the schema checked the format)."""
    if dossier.ds_version is None:
        return (0, datetime.min.replace(tzinfo=UTC))
    moment = datetime.fromisoformat(dossier.ds_version)
    return (1, moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))
