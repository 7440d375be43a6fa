# Both targets build their own virtual environment from pyproject.toml on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

BENCH_VENV := .venv-bench

.PHONY: demo demo-ds test unit lint typecheck examples schemas docs bench clean pyodide

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
	$(BIN)/guichet allocate --workbook $(DEMO)/suivi.xlsx
	@echo
	@echo "Classeur de suivi rempli : $(DEMO)/suivi.xlsx (les versions précédentes : $(DEMO)/suivi.sauvegarde-*.xlsx)"
	@echo
	@echo "--- après le comité : les décisions (saisies ici par un script, comme un agent dans Excel) ---"
	$(BIN)/guichet comite --workbook $(DEMO)/suivi.xlsx --sortie $(DEMO)/comite --date-comite 22/11/2021
	$(BIN)/python examples/decisions_demo.py $(DEMO)/suivi.xlsx
	$(BIN)/guichet documents --workbook $(DEMO)/suivi.xlsx --sortie $(DEMO)/documents \
		--parametres examples/parametres-documents-demo.json
	@echo
	@echo "--- démarches-simplifiées (serveur local de démonstration) ---"
	@$(MAKE) --no-print-directory demo-ds

DS_PORT ?= 8765
DS_DEMO := $(DEMO)/ds

# démarches-simplifiées without internet: a local server with the 40 example dossiers (démarche 41234, demo
# token); a sync into a folder of received files that checks and imports them into a workbook, then a second
# sync (nothing changed since).
demo-ds: $(STAMP)
	rm -rf $(DS_DEMO) && mkdir -p $(DS_DEMO)
	$(BIN)/guichet init $(DS_DEMO)/suivi.xlsx
	$(BIN)/python -m tests.acceptance.ds.server --port $(DS_PORT) --dossiers 40 --pid-file $(DS_DEMO)/serveur.pid & \
	trap 'kill $$(cat $(DS_DEMO)/serveur.pid 2>/dev/null) 2>/dev/null' EXIT; \
	export GUICHET_DS_JETON=jeton-de-demonstration; \
	$(BIN)/guichet ds sync --demarche 41234 --dossier-recus $(DS_DEMO)/recus --api http://127.0.0.1:$(DS_PORT) \
		--workbook $(DS_DEMO)/suivi.xlsx && \
	echo && \
	$(BIN)/guichet ds sync --demarche 41234 --dossier-recus $(DS_DEMO)/recus --api http://127.0.0.1:$(DS_PORT)

test: $(STAMP) lint typecheck pyodide
	$(BIN)/python -m pytest

# The fast unit tests of the rules alone (seconds).
unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

# Pyodide under Node for the xlwings Lite test: npm pyodide (package-lock.json) and the pure-Python wheels,
# downloaded once and kept (node_modules/, .cache/wheels/); without node the test says it is skipped.
PYODIDE := tests/acceptance/pyodide

$(PYODIDE)/node_modules/.package-lock.json: $(PYODIDE)/package-lock.json
	cd $(PYODIDE) && npm ci --no-audit --no-fund --loglevel=error

pyodide: $(STAMP)
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
		$(MAKE) --no-print-directory $(PYODIDE)/node_modules/.package-lock.json && \
		$(BIN)/python $(PYODIDE)/download_wheels.py; \
	else echo "node absent : le test Pyodide sera ignoré"; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

schemas: $(STAMP)
	$(BIN)/python tools/compile_schemas.py

# The README's table of the Excel functions, from their declaration.
docs: $(STAMP)
	$(BIN)/python tools/functions_doc.py

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

examples: $(STAMP)
	$(BIN)/python examples/make_examples.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(DEMO) $(PYODIDE)/node_modules $(PYODIDE)/.cache .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info
