# Two commands: `make run` opens the app on the demo project; `make test` runs every test headless.
# Both share .venv; each installs only what it needs (run: the app; test: the app and the test
# extras; dist: the app and PyInstaller), remembered by its own stamp file.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
DIST_STAMP := $(VENV)/.installed-dist
BUNDLE := dist/stance-annotator

.PHONY: bytecode run test bench screenshot dist dist-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(DIST_STAMP): pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dist]"
	touch $@

# The package's bytecode, compiled as an install compiles it: with PYTHONDONTWRITEBYTECODE set,
# Python would otherwise compile every module again at each start (about 0.3 s of it). Quick when
# nothing changed; a checkout it cannot write to just goes without.
bytecode: | $(BIN)/python
	-@$(BIN)/python -m compileall -q annotator

# `make run ARGS="news.annotator"` opens another project; ARGS=--quit-after-start checks the start.
run: $(RUN_STAMP) bytecode
	$(BIN)/annotator $(ARGS)

test: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/lint-imports
	$(BIN)/ruff check annotator tests bench docs packaging setup.py
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: $(TEST_STAMP) bytecode
	$(BIN)/python bench/import_bench.py --repeat 3
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/render_bench.py
	$(BIN)/python bench/agreement_bench.py
	$(BIN)/python bench/export_bench.py
	$(BIN)/python bench/concurrency_bench.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/startup_bench.py
	$(BIN)/python bench/team_bench.py

screenshot: $(RUN_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python docs/make_screenshot.py

# The one-folder desktop bundle in dist/stance-annotator (see packaging/README.md).
dist: $(DIST_STAMP)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/stance-annotator.spec

# Builds the bundle, then runs it as a user would: version, CLI import/export, window start.
dist-check: dist
	$(BIN)/python packaging/smoke_check.py $(BUNDLE)/annotator

clean:
	rm -rf $(VENV) build dist *.egg-info
