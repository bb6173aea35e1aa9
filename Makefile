# Two commands: `make run` opens the app on the demo project; `make test` runs every test headless.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench screenshot clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/annotator

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/lint-imports
	$(BIN)/ruff check annotator tests bench docs
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/import_bench.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/render_bench.py
	$(BIN)/python bench/agreement_bench.py
	$(BIN)/python bench/export_bench.py
	$(BIN)/python bench/concurrency_bench.py

screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python docs/make_screenshot.py

clean:
	rm -rf $(VENV) build *.egg-info
