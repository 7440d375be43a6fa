"""The commands an agent runs, each against its peer, as issue 24's table: whole processes, taking turns, CPU
time (user + system of the process, its own), medians.

| measure | this project | peer |
|---|---|---|
| ``guichet validate`` of N DS files (2 000, 10 000) | | check-jsonschema on the same files and schema |
| same | | the floor: reading and ``json.loads`` of the files |
| one file, cold start (with and without the project's bytecode) | | check-jsonschema likewise; ``python -c pass`` |
| ``guichet import`` of N files into a new workbook | | openpyxl load + save of the result, plus the floor |
| the same files imported again (nothing to write), recognised by the import's memory | | the floor; the round trip |
| the same, every file checked again (``--tout-recontroler``) | | the floor; the round trip |
| ``guichet allocate --workbook`` over N rows | | the round trip |
| import of N files, peak resident memory | | the round trip's |

The files are made by ``generate_ds.py`` from the form's example dossiers (one dossier each, about 16 kB).
Runs take turns (tool, peer, tool, peer…) so that a busy moment of this shared machine weighs on both; CPU
time, not wall time, for the same reason. ``ru_maxrss`` of the process is its peak resident memory.

    make bench            # builds .venv-bench (a regular install, check-jsonschema, openpyxl)
    python benchmarks/commands_bench.py [--counts 2000 10000] [--runs 5] [--big-runs 3] [--cold-runs 15 (0: none)]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCHEMA = ROOT / "schemas" / "ds-dossier.schema.json"
sys.path.insert(0, str(HERE))

from generate_ds import generate  # noqa: E402  (the benchmarks folder is not a package)

FLOOR = (
    "import json, os, sys\n"
    "for root, dirs, files in os.walk(sys.argv[1]):\n"
    "    dirs.sort()\n"
    "    for name in sorted(files):\n"
    "        with open(os.path.join(root, name), 'rb') as f:\n"
    "            json.loads(f.read())\n"
)
ROUND_TRIP = (
    "import sys, warnings\n"
    "import openpyxl\n"
    "warnings.simplefilter('ignore')\n"
    "openpyxl.load_workbook(sys.argv[1]).save(sys.argv[2])\n"
)


@dataclass
class Run:
    cpu: float  # seconds, user + system
    rss: float  # MiB, peak resident


@dataclass
class Measure:
    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss(self) -> float:
        return statistics.median(r.rss for r in self.runs)


def tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} introuvable : lancez « make bench » (il installe check-jsonschema)")
    return found


def run(command: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """One whole process: its own CPU time and peak resident memory (``wait4``)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    assert process.stderr is not None
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode != 0:
        sys.exit(f"échec de {' '.join(command[:3])}… (code {process.returncode}) : {errors[-800:]}")
    return Run(usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def turns(runs: int, *steps: tuple[Measure, Callable[[], Run]]) -> None:
    """Each step once, in turn, ``runs`` times."""
    for _ in range(runs):
        for measure, step in steps:
            measure.runs.append(step())
            print(f"  {measure.label} : {measure.runs[-1].cpu:.2f} s", file=sys.stderr, flush=True)


def without_bytecode(folder: Path, packages: Sequence[str]) -> Path:
    """A copy of installed ``packages`` without their compiled bytecode: put first on PYTHONPATH with
    PYTHONDONTWRITEBYTECODE=1, every start compiles them again (an editable install, or pip --no-compile)."""
    site = Path(sysconfig.get_paths()["purelib"])
    target = folder / "sans-bytecode"
    for package in packages:
        shutil.copytree(site / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def spaced(number: float, digits: int = 0) -> str:
    text = f"{number:,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    return text


def seconds(value: float) -> str:
    return f"{spaced(value, 2)} s" if value < 10 else f"{spaced(value, 1)} s"


def ms(value: float) -> str:
    return f"{spaced(value * 1000)} ms"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cœurs, Python {platform.python_version()}, {platform.system()}"


def versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{name} {version(name)}" for name in ("check-jsonschema", "openpyxl", "fastjsonschema"))


@dataclass
class Bench:
    """The tools, the table being filled, and the numbers for ``--json``."""

    folder: Path
    guichet: str = field(default_factory=lambda: tool("guichet"))
    checker: str = field(default_factory=lambda: tool("check-jsonschema"))
    python: str = sys.executable
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    numbers: dict[str, dict[str, float]] = field(default_factory=dict)

    def row(self, label: str, ours: str, peer: str, ratio: str) -> None:
        self.rows.append((label, ours, peer, ratio))
        print(f"| {label} | {ours} | {peer} | {ratio} |", file=sys.stderr, flush=True)

    def validation(self, count: int, received: Path, runs: int) -> Measure:
        """``guichet validate`` of the folder, check-jsonschema of its files, the floor; returns the floor."""
        files = sorted(map(str, received.iterdir()))
        report = self.folder / "rapport.json"
        ours, peer, floor = Measure("guichet validate"), Measure("check-jsonschema"), Measure("lecture + json")
        validate = [self.guichet, "validate", "--format", "json", "--output", str(report), "--force", str(received)]
        turns(
            runs,
            (ours, lambda: run(validate)),
            (peer, lambda: run([self.checker, "--schemafile", str(SCHEMA), *files])),
            (floor, lambda: run([self.python, "-c", FLOOR, str(received)])),
        )
        self.row(
            f"`guichet validate` {spaced(count)} fichiers",
            seconds(ours.cpu),
            f"check-jsonschema : {seconds(peer.cpu)}",
            f"{spaced(peer.cpu / ours.cpu, 1)}× plus rapide",
        )
        self.row(
            "même chose",
            seconds(ours.cpu),
            f"lecture et `json.loads` des fichiers : {seconds(floor.cpu)}",
            f"{spaced(ours.cpu / floor.cpu, 1)}× le plancher",
        )
        self.numbers[f"validate_{count}"] = {"guichet": ours.cpu, "check_jsonschema": peer.cpu, "floor": floor.cpu}
        return floor

    def workbook(self, count: int, received: Path, runs: int, empty: Path, floor: Measure) -> None:
        """Import into a new workbook, import again, allocate; the openpyxl round trip of the imported one."""
        imported, again = Measure("guichet import"), Measure("second import")
        whole = Measure("second import, tout recontrôlé")
        trip, allocated = Measure("aller-retour openpyxl"), Measure("guichet allocate")
        result = self.folder / f"importe-{count}.xlsx"

        def on_copy(source: Path, command: Callable[[Path], list[str]]) -> Run:
            """``command`` on a copy of ``source`` in a folder of its own (for its backup), then removed."""
            place = self.folder / "classeur"
            place.mkdir()
            target = place / "suivi.xlsx"
            shutil.copyfile(source, target)
            try:
                done = run(command(target))
                if source == empty:
                    shutil.copyfile(target, result)
            finally:
                shutil.rmtree(place)
            return done

        def importing(workbook: Path) -> list[str]:
            return [self.guichet, "import", str(received), "--workbook", str(workbook)]

        def round_trip() -> Run:
            return run([self.python, "-c", ROUND_TRIP, str(result), str(self.folder / "aller-retour.xlsx")])

        turns(1, (imported, lambda: on_copy(empty, importing)))  # the result exists before its round trip
        turns(runs - 1, (imported, lambda: on_copy(empty, importing)), (trip, round_trip))
        turns(1, (trip, round_trip))
        # The import of ``result`` recorded what a second import finds (``intake.import_memory``): a copy of it,
        # byte for byte, is recognised.
        turns(
            runs,
            (again, lambda: on_copy(result, importing)),
            (whole, lambda: on_copy(result, lambda w: [*importing(w), "--tout-recontroler"])),
            (allocated, lambda: on_copy(result, lambda w: [self.guichet, "allocate", "--workbook", str(w)])),
        )
        self.row(
            f"`guichet import` {spaced(count)} dans un classeur neuf",
            seconds(imported.cpu),
            f"aller-retour openpyxl du résultat {seconds(trip.cpu)} + lecture des fichiers {seconds(floor.cpu)}",
            f"{spaced(imported.cpu / (trip.cpu + floor.cpu), 2)}× leur somme",
        )
        self.row(
            f"second import des mêmes {spaced(count)} (rien à écrire, reconnu)",
            seconds(again.cpu),
            f"lecture des fichiers {seconds(floor.cpu)} ; aller-retour {seconds(trip.cpu)}",
            f"{spaced(again.cpu / floor.cpu, 1)}× la lecture, {spaced(again.cpu / trip.cpu, 2)}× l'aller-retour",
        )
        self.row(
            "même chose, tout recontrôlé (`--tout-recontroler`)",
            seconds(whole.cpu),
            f"lecture des fichiers {seconds(floor.cpu)} ; aller-retour {seconds(trip.cpu)}",
            f"{spaced(whole.cpu / floor.cpu, 1)}× la lecture, {spaced(whole.cpu / trip.cpu, 2)}× l'aller-retour",
        )
        self.row(
            f"répartition sur {spaced(count)} lignes",
            seconds(allocated.cpu),
            f"aller-retour {seconds(trip.cpu)}",
            f"{spaced(allocated.cpu / trip.cpu, 2)}×",
        )
        self.row(
            f"import de {spaced(count)}, mémoire résidente maximale",
            f"{spaced(imported.rss)} Mio",
            f"aller-retour openpyxl : {spaced(trip.rss)} Mio",
            f"{spaced(imported.rss / trip.rss, 2)}×",
        )
        self.numbers[f"workbook_{count}"] = {
            "import": imported.cpu,
            "reimport": again.cpu,
            "reimport_rechecked": whole.cpu,
            "allocate": allocated.cpu,
            "round_trip": trip.cpu,
            "import_rss_mib": imported.rss,
            "round_trip_rss_mib": trip.rss,
        }

    def cold_start(self, one: Path, runs: int) -> None:
        """One file from a cold start: with the bytecode pip writes at install, and without the tools' own."""
        bare = without_bytecode(self.folder, ["xlplugin", "batch", "check_jsonschema"])
        recompiling = {**os.environ, "PYTHONPATH": str(bare), "PYTHONDONTWRITEBYTECODE": "1"}
        checking = ["--schemafile", str(SCHEMA), str(one)]
        cold, cold_peer, nothing = Measure("guichet validate"), Measure("check-jsonschema"), Measure("python -c pass")
        bare_ours, bare_peer = Measure("guichet, sans bytecode"), Measure("check-jsonschema, sans bytecode")
        turns(
            runs,
            (cold, lambda: run([self.guichet, "validate", str(one)])),
            (cold_peer, lambda: run([self.checker, *checking])),
            (nothing, lambda: run([self.python, "-c", "pass"])),
            (bare_ours, lambda: run([self.python, "-m", "batch", "validate", str(one)], env=recompiling, cwd=bare)),
            (bare_peer, lambda: run([self.python, "-m", "check_jsonschema", *checking], env=recompiling, cwd=bare)),
        )
        self.row(
            "un fichier, démarrage à froid",
            ms(cold.cpu),
            f"check-jsonschema {ms(cold_peer.cpu)} ; `python -c pass` {ms(nothing.cpu)}",
            f"{spaced(cold_peer.cpu / cold.cpu, 1)}×",
        )
        self.row(
            "même chose, les deux outils sans leur bytecode (PYTHONDONTWRITEBYTECODE=1)",
            ms(bare_ours.cpu),
            f"check-jsonschema {ms(bare_peer.cpu)}",
            f"{spaced(bare_peer.cpu / bare_ours.cpu, 1)}×",
        )
        self.numbers["cold_start"] = {
            "guichet": cold.cpu,
            "check_jsonschema": cold_peer.cpu,
            "python_pass": nothing.cpu,
            "guichet_without_bytecode": bare_ours.cpu,
            "check_jsonschema_without_bytecode": bare_peer.cpu,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[2_000, 10_000], help="files per batch")
    parser.add_argument("--runs", type=int, default=5, help="runs of each measure on the first count")
    parser.add_argument("--big-runs", type=int, default=3, help="runs on the other counts")
    parser.add_argument("--cold-runs", type=int, default=15, help="runs of each cold start (0: not measured)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="commands-bench-") as name:
        os.environ["GUICHET_CACHE_DIR"] = str(Path(name) / "cache")  # the import's memory: the bench's own
        bench = Bench(Path(name))
        empty = bench.folder / "vide.xlsx"
        run([bench.guichet, "init", str(empty)])
        for index, count in enumerate(args.counts):
            runs = args.runs if index == 0 else args.big_runs
            received = generate(bench.folder / f"recus-{count}", count)[0].parent
            print(f"{spaced(count)} fichiers ({runs} exécutions de chaque mesure)", file=sys.stderr, flush=True)
            floor = bench.validation(count, received, runs)
            bench.workbook(count, received, runs, empty, floor)
        if args.cold_runs > 0:
            bench.cold_start(next((bench.folder / f"recus-{args.counts[0]}").iterdir()), args.cold_runs)
    print(f"Machine : {machine()} ; {versions()} ; {dt.date.today():%d/%m/%Y}")
    print()
    print("| mesure | ce projet | pair / plancher | rapport |")
    print("|---|---|---|---|")
    for label, ours, peer, ratio in bench.rows:
        print(f"| {label} | {ours} | {peer} | {ratio} |")
    if args.json:
        args.json.write_text(json.dumps(bench.numbers, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
