"""Benchmark of ``guichet validate`` against ``check-jsonschema`` with the project's DS schema.

Two measures, each tool in its own process as an agent would run it:
1. a batch: N generated dossiers of the démarche (one file each), in one run;
2. a single file from a cold start (median of several runs).

``guichet validate`` does more than the schema check (the form's champs, SIRET/SIREN, code INSEE, the
rules' eligibility, every error of a file): the comparison is of what an agent waits for.

    make bench        # builds .venv-bench with a regular install of the project and check-jsonschema
    python benchmarks/validate_bench.py [--count N] [--runs R]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCHEMA = ROOT / "schemas" / "ds-dossier.schema.json"
sys.path.insert(0, str(HERE))

from generate_ds import generate  # noqa: E402  (the benchmarks folder is not a package)


def tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    found = shutil.which(name) if not path.exists() else str(path)
    if not found:
        sys.exit(f"{name} introuvable : lancez « make bench » (il installe check-jsonschema)")
    return found


def timed(command: list[str], expect: set[int]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in expect:
        sys.exit(f"échec de {command[0]} (code {done.returncode}) : {done.stderr.decode()[:500]}")
    return elapsed


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    guichet, checker = tool("guichet"), tool("check-jsonschema")
    with tempfile.TemporaryDirectory() as folder:
        paths = generate(Path(folder), args.count)
        files = [str(p) for p in paths]
        batch_guichet = timed([guichet, "validate", "--format", "json", folder], {0})
        batch_checker = timed([checker, "--schemafile", str(SCHEMA), *files], {0})
        one = files[0]
        # Side by side: the two tools take turns, so that a busy moment of the machine weighs on both.
        guichet_runs, checker_runs = [], []
        for _ in range(args.runs):
            guichet_runs.append(timed([guichet, "validate", one], {0}))
            checker_runs.append(timed([checker, "--schemafile", str(SCHEMA), one], {0}))
        cold_guichet, cold_checker = statistics.median(guichet_runs), statistics.median(checker_runs)
    print(f"Machine : {machine()}")
    print()
    print("| Mesure | guichet validate | check-jsonschema | rapport |")
    print("|---|---|---|---|")
    print(
        f"| {args.count} dossiers, une exécution | {batch_guichet:.1f} s | {batch_checker:.1f} s | "
        f"{batch_checker / batch_guichet:.1f}× |"
    )
    print(
        f"| un fichier, démarrage à froid (médiane de {args.runs}) | {cold_guichet * 1000:.0f} ms | "
        f"{cold_checker * 1000:.0f} ms | {cold_checker / cold_guichet:.1f}× |"
    )


if __name__ == "__main__":
    main()
