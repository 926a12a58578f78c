# The two commands of the README:
#   make book   creates .venv if missing, runs every site x year notebook, builds _build/html
#   make test   creates .venv if missing, runs ruff and every test
# Everything is installed from requirements.lock (exact versions) and package-lock.json.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MATHJAX := node_modules/mathjax/es5/tex-chtml.js
JOBS   ?= $(shell $(PYTHON) -c "import os; print(max(1, min(4, os.cpu_count() or 1)))")

.PHONY: book test env vendor run build pdf lint lab refresh-notebooks lock synth validate benchmark clean

book: env vendor
	$(BIN)/ccs-eval all --jobs $(JOBS)

test: env vendor lint
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/ccs-eval lab --settings-only
	touch $(STAMP)

vendor: $(MATHJAX)

$(MATHJAX): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(MATHJAX)

run: env
	$(BIN)/ccs-eval run --jobs $(JOBS)

build: env vendor
	$(BIN)/ccs-eval build

# The whole book as one printable PDF (after `make book`): single-page HTML printed by the
# system Chromium, offline. Writes _build/pdf/ccs-evaluation-book.pdf.
pdf: env vendor
	$(BIN)/python tools/make_pdf.py

# JupyterLab in the project environment, rooted at the project: notebooks/<name>.md opens as a
# notebook (jupytext) on the project's kernel. Extra options: make lab LAB_ARGS="--port 8899".
LAB_ARGS ?=
lab: env
	$(BIN)/ccs-eval lab $(LAB_ARGS)

lint: env
	$(BIN)/ruff check src tests tools benchmarks

# Re-execute the template sources (notebooks/*.md) with their default parameters and store the
# outputs that nbval compares in the paired .ipynb. The .md sources are never rewritten.
refresh-notebooks: env
	$(BIN)/python tools/refresh_notebooks.py

synth: env
	$(BIN)/ccs-eval synth

validate: env
	$(BIN)/ccs-eval validate

benchmark: env
	$(BIN)/python benchmarks/bench_pipeline.py

# Regenerate the lock after changing dependencies in pyproject.toml.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade "pip>=24"
	.venv-lock/bin/python -m pip install --quiet ".[test]"
	.venv-lock/bin/python -m pip freeze --exclude-editable | grep -v '^ccs.methods' > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf _build .ccs-run book/_toc.yml book/sites book/programme/*.ipynb book/reproducibility.md
