# Both targets build their own virtual environment from pyproject.toml on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

BENCH_VENV := .venv-bench

.PHONY: demo demo-ds test unit lint typecheck examples schemas docs bench clean pyodide wheel wheelhouse images

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

DEMO := demo

# The agent's day on the bundled data: check the received files, build the workbook, import, allocate.
demo: $(STAMP)
	$(BIN)/guichet validate examples/recus/
	@echo
	$(BIN)/guichet evaluate examples/dossiers/
	@echo
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/guichet init $(DEMO)/suivi.xlsx
	$(BIN)/guichet import examples/recus/ examples/dossiers/ --workbook $(DEMO)/suivi.xlsx
	@echo
	@echo "--- le même import, relancé : les fichiers et le classeur n'ont pas changé ---"
	$(BIN)/guichet import examples/recus/ examples/dossiers/ --workbook $(DEMO)/suivi.xlsx
	@echo
	$(BIN)/guichet allocate --workbook $(DEMO)/suivi.xlsx
	@echo
	@echo "Classeur de suivi rempli : $(DEMO)/suivi.xlsx (les versions précédentes : $(DEMO)/suivi.sauvegarde-*.xlsx)"
	@echo
	@echo "--- revue avant le comité, comité, décisions (saisies ici par un script, comme un agent dans Excel) ---"
	$(BIN)/python examples/decisions_demo.py $(DEMO)/suivi.xlsx
	$(BIN)/guichet comite --workbook $(DEMO)/suivi.xlsx --sortie $(DEMO)/comite --date-comite 22/11/2021
	$(BIN)/guichet documents --workbook $(DEMO)/suivi.xlsx --sortie $(DEMO)/documents \
		--parametres examples/parametres-documents-demo.json
	@echo
	@echo "--- démarches-simplifiées (serveur local de démonstration) ---"
	@$(MAKE) --no-print-directory demo-ds

DS_PORT ?= 0
DS_DEMO := $(DEMO)/ds

# démarches-simplifiées without internet: a local server with the 40 example dossiers (démarche 41234, demo
# token); a sync into a folder of received files that checks and imports them into a workbook, then a second
# sync (nothing changed since). The server takes a free port (DS_PORT=0) and writes its address once it
# listens: the syncs talk to that address only, never to whatever else listens on a port.
demo-ds: $(STAMP)
	rm -rf $(DS_DEMO) && mkdir -p $(DS_DEMO)
	$(BIN)/guichet init $(DS_DEMO)/suivi.xlsx
	$(BIN)/python -m tests.acceptance.ds.server --port $(DS_PORT) --dossiers 40 --pid-file $(DS_DEMO)/serveur.pid \
		--url-file $(DS_DEMO)/serveur.url & \
	server=$$!; \
	trap 'kill $$server 2>/dev/null' EXIT; \
	for i in $$(seq 100); do [ -s $(DS_DEMO)/serveur.url ] && break; kill -0 $$server 2>/dev/null || break; \
		sleep 0.1; done; \
	[ -s $(DS_DEMO)/serveur.url ] || { echo "La démonstration s'arrête : son serveur n'a pas démarré." >&2; exit 1; }; \
	api=$$(cat $(DS_DEMO)/serveur.url); \
	export GUICHET_DS_JETON=jeton-de-demonstration; \
	$(BIN)/guichet ds sync --demarche 41234 --dossier-recus $(DS_DEMO)/recus --api $$api \
		--workbook $(DS_DEMO)/suivi.xlsx && \
	echo && \
	$(BIN)/guichet ds sync --demarche 41234 --dossier-recus $(DS_DEMO)/recus --api $$api

# The test files are spread over the machine's cores (pytest-xdist), each file's tests kept in one process so that
# a module's fixtures (a demo workbook, a LibreOffice conversion) are made once.
test: $(STAMP) lint typecheck pyodide
	$(BIN)/python -m pytest -n auto --dist loadfile

# The fast unit tests of the rules alone (seconds).
unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

# Pyodide under Node for the xlwings Lite test: npm pyodide at xlwings Lite's version (package-lock.json), and the
# packages Lite would install for a new workbook — downloaded once and kept (node_modules/, .cache/lite/); without
# node the test says it is skipped.
PYODIDE := tests/acceptance/pyodide

$(PYODIDE)/node_modules/.package-lock.json: $(PYODIDE)/package-lock.json
	cd $(PYODIDE) && npm ci --no-audit --no-fund --loglevel=error

pyodide: $(STAMP)
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
		$(MAKE) --no-print-directory $(PYODIDE)/node_modules/.package-lock.json && \
		$(BIN)/python $(PYODIDE)/lite_packages.py; \
	else echo "node absent : le test Pyodide sera ignoré"; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

schemas: $(STAMP)
	$(BIN)/python tools/compile_schemas.py

# The parts of the documentation written from the code: the table of the Excel functions, from their
# declaration, and the reference of the commands, from the commands themselves (a test checks both).
docs: $(STAMP)
	$(BIN)/python tools/functions_doc.py
	$(BIN)/python tools/cli_doc.py

# The pictures of the guide (docs/images/), from the demo as LibreOffice prints it (needs LibreOffice and
# poppler-utils).
images: demo
	$(BIN)/python tools/doc_images.py $(DEMO)

# Benchmarks run apart from the tests, on a regular (not editable) install, as an agent's machine has it.
bench:
	rm -rf $(BENCH_VENV)
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check . check-jsonschema xlsxwriter python-calamine
	$(BENCH_VENV)/bin/python benchmarks/commands_bench.py
	$(BENCH_VENV)/bin/python benchmarks/udf_bench.py
	$(BENCH_VENV)/bin/python benchmarks/workbook_bench.py
	$(BENCH_VENV)/bin/python benchmarks/xlsx_bench.py
	$(MAKE) --no-print-directory pyodide
	$(BIN)/python benchmarks/office_js_bench.py

# The classic add-in's route: the tool is on no package index, an agent's PC installs this file
# (dist/guichet_numerique-VERSION-py3-none-any.whl); wheelhouse adds its dependencies' wheels for Windows
# (64 bits, Python 3.11) in dist/wheelhouse, for a PC without internet (needs the package index here).
wheel: $(STAMP)
	rm -rf dist build
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation -w dist .
	@ls dist/*.whl

wheelhouse: wheel
	@# docopt (needed by num2words) is published as source only: built here into a pure-Python wheel. pip reads
	@# environment markers for this machine, not Windows: pywin32 (xlwings) and tzdata are named here.
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w dist/wheelhouse docopt
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --only-binary=:all: --platform win_amd64 \
		--python-version 3.11 --implementation cp --find-links dist/wheelhouse -d dist/wheelhouse \
		dist/guichet_numerique-*.whl pywin32 tzdata
	@echo "Dépendances pour Windows : dist/wheelhouse"

examples: $(STAMP)
	$(BIN)/python examples/make_examples.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(DEMO) dist $(PYODIDE)/node_modules $(PYODIDE)/.cache .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info
