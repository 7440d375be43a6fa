"""The Word models: the shipped ones pass the check; a model with an unknown or missing placeholder is refused
by name before anything is written."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docx import Document

from xlplugin.documents import (
    ARRETE,
    CONVENTION,
    NOTIFICATION,
    PLACEHOLDERS,
    REFUSAL,
    REQUIRED,
    DocumentSettings,
    ModelError,
    check_model,
    render_documents,
)
from xlplugin.documents.models import default_models_folder, model_path
from xlplugin.documents.record import DecisionRecord
from xlplugin.rules import Reglement

KINDS = (ARRETE, NOTIFICATION, REFUSAL, CONVENTION)


@pytest.mark.parametrize("kind", KINDS)
def test_the_shipped_models_use_only_known_placeholders_and_every_required_one(kind: str) -> None:
    check = check_model(kind, model_path(kind))
    assert set(REQUIRED[kind]) <= check.used
    assert all(path in PLACEHOLDERS or any(p.startswith(path) for p in PLACEHOLDERS) for path in check.used)


def test_the_models_cite_their_sources_in_word_comments() -> None:
    with model_path(ARRETE).open("rb") as stream:
        document = Document(stream)
    comments = [c.text for c in document.comments]
    # Fixed dates: building the models twice gives the same files.
    assert {c.timestamp for c in document.comments} == {datetime(2021, 11, 1, tzinfo=UTC)}
    joined = " ".join(comments)
    for source in ("Décret n° 2018-514, art. 8", "art. 12", "art. 14", "R. 421-1", "L. 212-1", "Choix local"):
        assert source in joined


def copy_models(tmp_path: Path) -> Path:
    folder = tmp_path / "modeles"
    folder.mkdir()
    for kind in KINDS:
        with model_path(kind).open("rb") as source, (folder / f"{kind}.docx").open("wb") as target:
            shutil.copyfileobj(source, target)
    return folder


def edit(path: Path, *, add: str | None = None, drop: str | None = None) -> None:
    document = Document(str(path))
    if add is not None:
        document.add_paragraph(add)
    if drop is not None:
        for paragraph in document.paragraphs:
            if drop in paragraph.text:
                paragraph._p.getparent().remove(paragraph._p)
    document.save(str(path))


def test_a_typo_in_a_placeholder_is_refused_by_name(tmp_path: Path) -> None:
    folder = copy_models(tmp_path)
    edit(folder / "arrete-attributif.docx", add="Bénéficiaire : {{ beneficiaire.nmo }} ({{ benficiaire.siret }})")
    with pytest.raises(ModelError) as caught:
        check_model(ARRETE, folder / "arrete-attributif.docx")
    message = str(caught.value)
    assert "balise inconnue {{ beneficiaire.nmo }}" in message
    assert "balise inconnue {{ benficiaire.siret }}" in message


def test_a_loop_variable_is_checked_against_the_list_items(tmp_path: Path) -> None:
    folder = copy_models(tmp_path)
    edit(folder / "lettre-refus.docx", add="{%p for m in motifs %}")
    document = Document(str(folder / "lettre-refus.docx"))
    document.add_paragraph("{{ m.code }} {{ m.mesage }}")
    document.add_paragraph("{%p endfor %}")
    document.save(str(folder / "lettre-refus.docx"))
    with pytest.raises(ModelError, match=r"balise inconnue \{\{ m\.mesage \}\}") as caught:
        check_model(REFUSAL, folder / "lettre-refus.docx")
    assert "m.code" not in str(caught.value)


def test_a_model_that_lost_a_required_mention_is_refused_with_its_source(tmp_path: Path) -> None:
    folder = copy_models(tmp_path)
    edit(folder / "arrete-attributif.docx", drop="{{ montant_lettres }}")
    with pytest.raises(ModelError) as caught:
        check_model(ARRETE, folder / "arrete-attributif.docx")
    message = str(caught.value)
    assert "balise {{ montant_lettres }} absente" in message
    assert "balise {{ montant }} absente" in message  # the same paragraph held both
    assert "décret n° 2018-514, art. 8, 3°" in message


def test_a_badly_written_tag_is_refused(tmp_path: Path) -> None:
    folder = copy_models(tmp_path)
    edit(folder / "lettre-notification.docx", add="{{ montant ")
    with pytest.raises(ModelError, match="balise mal écrite"):
        check_model(NOTIFICATION, folder / "lettre-notification.docx")


def test_a_file_that_is_not_a_word_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "arrete-attributif.docx"
    path.write_text("pas un document Word", encoding="utf-8")
    with pytest.raises(ModelError, match=r"illisible .* enregistrez-le au format Word"):
        check_model(ARRETE, path)
    with pytest.raises(ModelError, match="introuvable"):
        check_model(ARRETE, tmp_path / "absent.docx")


def test_nothing_is_written_when_a_model_is_refused(
    tmp_path: Path, records: list[DecisionRecord], settings: DocumentSettings, reglement_ain: Reglement
) -> None:
    folder = copy_models(tmp_path)
    edit(folder / "lettre-refus.docx", add="{{ motif_inconnu }}")
    output = tmp_path / "sortie"
    with pytest.raises(ModelError, match=r"lettre-refus\.docx refusé, rien n'a été écrit"):
        render_documents(records, settings, reglement_ain, output, models=folder, pdf=False)
    assert not output.exists()


def test_the_default_models_are_shipped_in_the_package() -> None:
    names = {entry.name for entry in default_models_folder().iterdir()}
    assert {f"{kind}.docx" for kind in KINDS} <= names
    assert "parametres-documents.json" in names and "LISEZMOI.md" in names


def test_the_model_builder_is_reproducible(tmp_path: Path) -> None:
    import subprocess
    import sys

    tool = Path(__file__).resolve().parents[3] / "tools" / "make_document_models.py"
    for run in ("a", "b"):
        subprocess.run([sys.executable, str(tool), str(tmp_path / run)], check=True, capture_output=True)
    for kind in KINDS:
        assert (tmp_path / "a" / f"{kind}.docx").read_bytes() == (tmp_path / "b" / f"{kind}.docx").read_bytes()
        check_model(kind, tmp_path / "a" / f"{kind}.docx")
