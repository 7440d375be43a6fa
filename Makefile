# Both targets build their own virtual environment from pyproject.toml on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

BENCH_VENV := .venv-bench

.PHONY: demo test lint typecheck examples schemas bench clean

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

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

schemas: $(STAMP)
	$(BIN)/python tools/compile_schemas.py

# Benchmarks run apart from the tests, on a regular (not editable) install, as an agent's machine has it.
bench:
	rm -rf $(BENCH_VENV)
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check . check-jsonschema xlsxwriter python-calamine
	$(BENCH_VENV)/bin/python benchmarks/validate_bench.py
	$(BENCH_VENV)/bin/python benchmarks/udf_bench.py
	$(BENCH_VENV)/bin/python benchmarks/workbook_bench.py
	$(BENCH_VENV)/bin/python benchmarks/xlsx_bench.py

examples: $(STAMP)
	$(BIN)/python examples/make_examples.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info
