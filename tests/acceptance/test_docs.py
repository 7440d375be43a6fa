"""Docs that cannot drift: the README short and opening with the two commands; every command and option of
``guichet`` in the reference (written from the commands, ``make docs``); every link and picture found; and every
command the documentation shows, run — in a folder laid out as the documentation assumes (the received files,
the tracking workbook, an office's workbook), démarches-simplifiées being the tests' local server.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from batch.cli import main
from tests.acceptance.office import corpus
from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
REFERENCE = DOCS / "reference" / "commandes.md"
TOKEN = "jeton-de-la-documentation"


def test_the_readme_is_short_and_opens_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 10_000
    first = re.search(r"```sh\n(.*?)```", text, re.S)
    assert first is not None and text.index(first.group(0)) < 40  # right under the title
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines()]
    assert commands == ["make demo", "make test"]


def test_the_reference_of_the_commands_is_what_the_commands_say() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "cli_doc.py"), "--check"], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def walk() -> dict[str, click.Command]:
    context = click.Context(main)
    found: dict[str, click.Command] = {}

    def visit(group: click.Group, prefix: str) -> None:
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None
            found[f"{prefix}{name}"] = command
            if isinstance(command, click.Group):
                visit(command, f"{prefix}{name} ")

    visit(main, "")
    return found


COMMANDS = walk()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_is_in_the_reference(name: str) -> None:
    section = REFERENCE.read_text(encoding="utf-8").split(f"\n## guichet {name}\n", 1)
    assert len(section) == 2, f"guichet {name} absent de {REFERENCE.name}"
    text = section[1].split("\n## guichet ", 1)[0]
    for param in COMMANDS[name].params:
        if isinstance(param, click.Option) and "--help" not in param.opts:
            assert all(f"`{opt}`" in text for opt in param.opts), (name, param.opts)


LINK = re.compile(r"!?\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_and_picture_is_found(page: Path) -> None:
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        assert (page.parent / target).exists(), f"{page.name} : lien cassé vers {target}"


def test_every_page_is_reached_from_the_readme() -> None:
    reached = {README.resolve()}
    todo = [README]
    while todo:
        page = todo.pop()
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            path = (page.parent / target).resolve()
            if path.is_dir():
                path = path / "README.md" if (path / "README.md").exists() else path
            if path.suffix == ".md" and path.exists() and path not in reached:
                reached.add(path)
                todo.append(path)
    assert {p.resolve() for p in PAGES} - reached == set()


# -- every command shown runs


def shown_commands() -> list[tuple[str, str]]:
    """(page, command line) for every ``guichet`` line of a code block of the documentation (the reference of
    the commands aside: it is their usage, written from them)."""
    found = []
    for page in PAGES:
        if page == REFERENCE:
            continue
        for block in re.findall(r"```(?:sh|bash)?\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            for line in block.splitlines():
                text = line.split("  #")[0].strip()
                if re.match(r"^(\.venv/bin/)?guichet ", text):
                    found.append((str(page.relative_to(ROOT)), text))
    return found


SHOWN = shown_commands()


SERVER_URL = "$(cat serveur.url)"


def arguments(line: str, folder: Path, api: str) -> list[str]:
    """The line as the test runs it: placeholders of optional parts opened, paths in the folder, and the local
    server for démarches-simplifiées."""
    line = line.replace("…", "").replace("[", "").replace("]", "")
    line = line.replace("~/Téléchargements/dossiers/", f"{folder}/telechargements/")
    line = line.replace(SERVER_URL, api)  # the practice server's address, as the shell would put it
    words = shlex.split(line)[1:]
    if words[0] == "ds" and "--api" not in words:
        words += ["--api", api]
    return words


@pytest.fixture(scope="module")
def documented_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out as the documentation assumes: received files, an office's workbook, examples."""
    folder = tmp_path_factory.mktemp("documentation")
    shutil.copytree(ROOT / "examples" / "recus", folder / "recus")
    shutil.copytree(ROOT / "examples" / "dossiers", folder / "telechargements")
    (folder / "examples").symlink_to(ROOT / "examples")
    shutil.copy(ROOT / "examples" / "parametres-documents-demo.json", folder / "mes-parametres.json")
    shutil.copy(ROOT / "xlplugin" / "data" / "reglement-ain-2021.json", folder / "mon-reglement.json")
    book = corpus.web_extension(folder)  # an office's workbook, with an add-in of its own
    book.path.rename(folder / "classeur-du-bureau.xlsx")
    (folder / "classeur.xlsx").write_bytes((folder / "classeur-du-bureau.xlsx").read_bytes())
    return folder


def test_the_documentation_shows_commands() -> None:
    pages = {page for page, _ in SHOWN}
    assert {"docs/guide/journee.md", "docs/guide/apres-le-comite.md", "docs/reference/classeur.md"} <= pages
    assert len(SHOWN) > 20


@pytest.mark.parametrize("page", sorted({page for page, _ in SHOWN}))
def test_every_command_shown_runs(page: str, documented_folder: Path, tmp_path: Path, monkeypatch) -> None:
    # Each page in a fresh copy of the folder, its commands in the order shown: a command may need what an
    # earlier one made (the workbook of « guichet init »). A command runs when it does its work or refuses with
    # a French message (exit 0 or 1: a missing decision, a file already there) — never a usage error (2) nor a
    # traceback.
    from tests.acceptance.ds.dossiers import generated_nodes
    from tests.acceptance.ds.server import Store, TokenRule, start

    folder = tmp_path / "dossier"
    shutil.copytree(documented_folder, folder, symlinks=True)
    lines = [line for shown_page, line in SHOWN if shown_page == page]
    monkeypatch.chdir(folder)
    if not any(re.match(r"^(\.venv/bin/)?guichet init suivi\.xlsx", line) for line in lines):
        for args in (["init", "suivi.xlsx"], ["import", "recus/", "--workbook", "suivi.xlsx"]):
            assert CliRunner().invoke(main, args, catch_exceptions=False).exit_code in (0, 1)
    store = Store(generated_nodes(10))
    store.tokens[TOKEN] = TokenRule()
    running = start(store)
    try:
        for line in lines:
            result = CliRunner().invoke(main, arguments(line, folder, running.url), env={"GUICHET_DS_JETON": TOKEN})
            where = f"{page} : {line}\n{result.output}"
            assert result.exception is None or isinstance(result.exception, SystemExit), where
            assert result.exit_code in (0, 1), where
            assert "Traceback" not in result.output and "Usage:" not in result.output, where
    finally:
        running.stop()


def test_the_practice_server_runs_as_the_guide_shows(tmp_path: Path) -> None:
    # « S'exercer sans toucher à la vraie démarche »: its block run line by line as a shell would — the server
    # started as shown (its address in serveur.url), the token exported, every guichet command against that
    # server, then the server stopped by its pid file.
    import os
    import signal
    import time

    page = DOCS / "guide" / "journee.md"
    block = next(b for b in re.findall(r"```sh\n(.*?)```", page.read_text(encoding="utf-8"), re.S) if SERVER_URL in b)
    lines = [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]
    env: dict[str, str] = {}
    server: subprocess.Popen[bytes] | None = None
    outputs = []
    try:
        for line in lines:
            if line.startswith(".venv/bin/python -m tests.acceptance.ds.server") and line.endswith("&"):
                command = [sys.executable, *shlex.split(line.removesuffix("&"))[1:]]
                server = subprocess.Popen(command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
                for _ in range(600):
                    if (tmp_path / "serveur.url").exists() or server.poll() is not None:
                        break
                    time.sleep(0.05)
                assert (tmp_path / "serveur.url").exists(), "le serveur d'exercice n'a pas écrit son adresse"
            elif line.startswith("export "):
                name, value = line.removeprefix("export ").split("=", 1)
                env[name] = value
            elif line.startswith("guichet "):
                url = (tmp_path / "serveur.url").read_text(encoding="utf-8").strip()
                args = shlex.split(line.replace(SERVER_URL, url))[1:]
                cwd = os.getcwd()
                os.chdir(tmp_path)
                try:
                    result = CliRunner().invoke(main, args, env=env)
                finally:
                    os.chdir(cwd)
                assert result.exit_code == 0, f"{line}\n{result.output}"
                outputs.append(result.output)
            elif line.startswith("# ouvrir exercice.xlsx, saisir les notes"):  # the agent's step, in Excel
                _note(tmp_path / "exercice.xlsx", count=5)
            elif line == "kill $(cat serveur.pid)":
                assert server is not None
                assert (tmp_path / "serveur.pid").read_text(encoding="utf-8") == str(server.pid)
                os.kill(server.pid, signal.SIGTERM)
                server.wait(timeout=10)
            else:
                raise AssertionError(f"ligne que ce test ne sait pas jouer : {line}")
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait(timeout=10)
    assert server is not None and server.returncode is not None, "le bloc n'arrête pas le serveur"
    assert env == {"GUICHET_DS_JETON": "jeton-de-demonstration"}
    assert any("40 dossiers reçus" in output for output in outputs)
    assert any("--appliquer" in line and "ds annoter" in line for line in lines)
    assert any(re.search(r"Alloué : [1-9]", output) for output in outputs)  # the noted dossiers were ranked


def _note(workbook: Path, count: int) -> None:
    """What the guide asks the agent to do in Excel: notes of impact and need for the first ``count`` dossiers."""
    import openpyxl

    from xlplugin.workbook import layout as L

    book = openpyxl.load_workbook(workbook)
    sheet = book[L.DOSSIERS]
    header = {cell.value: cell.column for cell in sheet[1]}
    for row in range(2, 2 + count):
        sheet.cell(row, header["Note impact (0 à 3)"], 3)
        sheet.cell(row, header["Note besoin (0 à 3)"], 2)
    book.save(workbook)
