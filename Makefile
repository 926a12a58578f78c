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

.PHONY: book test env vendor run build pdf lint lab refresh-notebooks lock synth validate benchmark benchmark-build clean mutation

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

# Clean, no-change, one-site and one-setting rebuilds against their lower bound, then N
# synthetic sites at 1 and 2 workers (long: about an hour on 2 cores with the default sizes).
# Options: make benchmark-build BENCH_ARGS="--sizes 4 8 16 --skip-book"
BENCH_ARGS ?=
benchmark-build: env vendor
	$(BIN)/python benchmarks/build.py $(BENCH_ARGS)

# Regenerate the lock after changing dependencies in pyproject.toml.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade "pip>=24"
	.venv-lock/bin/python -m pip install --quiet ".[test]"
	.venv-lock/bin/python -m pip freeze --exclude-editable | grep -v '^ccs.methods' > requirements.lock
	rm -rf .venv-lock

# Mutation testing of the methods modules (slow; outside CI and `make test`). mutmut comes from
# requirements-mutation.txt, not the lock. Each module (path under src/ccs_methods/methods) is
# mutated in a temporary copy of the project and run against its own test files; prints
# killed / timeout / survived / suspicious and the score (killed + timeout) / (all but
# skipped). One module: make mutation MUTATION_MODULES=spc.py:test_spc.py
# String and f-string mutants (message text, not numbers) are skipped by default; include them
# with MUTATION_SKIP= (empty).
# mutmut starts a new Python per mutant (about 3 s of imports) and has stopped with an
# AssertionError in its cache part-way through a module here; tools/mutation_fork.py makes
# the same mutants and forks each test run from a parent that has the libraries imported:
#   .venv/bin/python tools/mutation_fork.py trend/kendall.py tests/test_trend.py
MUTATION_SKIP ?= string,fstring
MUTATION_MODULES ?= trend/percent.py:test_trend.py \
	trend/kendall_distribution.py:test_trend.py \
	trend/kendall.py:test_kendall_mutants.py,test_trend.py \
	trend/sen.py:test_sen_mutants.py,test_trend.py \
	trend/glm.py:test_glm_mutants.py,test_trend.py,test_stats_size.py \
	trend/pooled.py:test_pooled_mutants.py,test_trend.py \
	trend/common.py:test_trend_common_mutants.py,test_trend.py \
	trend/structure.py:test_structure_mutants.py,test_stats_structure.py \
	its.py:test_its_mutants.py,test_its.py \
	spc.py:test_spc_mutants.py,test_spc.py,test_stats_cli.py \
	hac_choice.py:test_hac_choice_mutants.py,test_hac_choice.py \
	rates.py:test_rates_mutants.py,test_trends_referrals.py,test_hac_choice.py,test_trends_lwa.py \
	disclosure.py:test_disclosure_mutants.py,test_disclosure.py \
	contribution/updating.py:test_contribution_mutants.py,test_contribution.py \
	contribution/mayne.py:test_contribution_mutants.py,test_contribution.py \
	contribution/summaries.py:test_contribution_mutants.py,test_contribution.py \
	contribution/models.py:test_contribution_models_mutants.py,test_contribution_mutants.py \
	contribution/computed.py:test_contribution_computed_mutants.py,test_contribution.py \
	contribution/loaders.py:test_contribution_loaders_mutants.py,test_contribution.py \
	contribution/constants.py:test_contribution.py \
	network/measures.py:test_network_mutants.py,test_network.py \
	network/tables.py:test_network_mutants.py,test_network.py \
	network/bootstrap.py:test_network_bootstrap_mutants.py,test_network.py \
	network/cleaning.py:test_network_cleaning_mutants.py,test_network.py \
	network/vocabulary.py:test_network_cleaning_mutants.py,test_network.py \
	network_intervals.py:test_network_bootstrap_mutants.py,test_network_tables.py \
	network_groups.py:test_network_cleaning_mutants.py,test_network_tables.py
mutation: env
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-mutation.txt
	@work=$$(mktemp -d); cp -r src tests params data pyproject.toml "$$work"/; \
	for pair in $(MUTATION_MODULES); do \
	  mod="src/ccs_methods/methods/$${pair%%:*}"; \
	  tests=$$(echo "$${pair#*:}" | tr ',' '\n' | sed 's|^|tests/|' | tr '\n' ' '); \
	  ( cd "$$work" && rm -f .mutmut-cache && \
	    PYTHONPATH="$$work/src" "$(CURDIR)/$(BIN)/mutmut" run --paths-to-mutate "$$mod" \
	      --runner "$(CURDIR)/$(BIN)/python -m pytest -x -q -p no:cacheprovider -o addopts= $$tests" \
	      --disable-mutation-types "$(MUTATION_SKIP)" --no-progress --simple-output > "$$work/mutmut-$$(basename $$mod).log" 2>&1; \
	    k=$$("$(CURDIR)/$(BIN)/mutmut" result-ids killed | wc -w); \
	    t=$$("$(CURDIR)/$(BIN)/mutmut" result-ids timeout | wc -w); \
	    s=$$("$(CURDIR)/$(BIN)/mutmut" result-ids survived | wc -w); \
	    q=$$("$(CURDIR)/$(BIN)/mutmut" result-ids suspicious | wc -w); \
	    n=$$((k + t + s + q)); \
	    if [ "$$n" -eq 0 ]; then echo "$$mod: no mutants run:"; tail -5 "$$work/mutmut-$$(basename $$mod).log"; \
	    else printf '%-44s killed %4d timeout %3d survived %4d suspicious %3d  score %5.1f%%\n' \
	      "$$mod" "$$k" "$$t" "$$s" "$$q" "$$(echo "100 * ($$k + $$t) / $$n" | bc -l)"; \
	      "$(CURDIR)/$(BIN)/mutmut" results | sed -n '/Survived/,$$p' | head -40; fi ); \
	done; rm -rf "$$work"

clean:
	rm -rf _build .ccs-run book/_toc.yml book/sites book/programme/*.ipynb book/reproducibility.md
