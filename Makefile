# Two commands (README): `make demo` sets up and runs the main job on the reference pipeline;
# `make test` sets up and runs every test. Both create .venv and node_modules when missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# loadgroup: tests marked xdist_group share one worker (the image tests build one image).
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: setup demo test lint clean pin
.DEFAULT_GOAL := demo

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,reference,serve]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The main job on the built-in example: validate data, dvc repro, diff against the last commit,
# evaluate gates, print the report. Exit code as documented in the README. Then, when the check
# passed: register HEAD's model in a scratch clone, package it, serve it (a container when an
# engine is there, else a local process) and print its predictions for held-out rows.
demo: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/modelci check --base HEAD
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python examples/serve_demo.py

test: setup
	PATH="$(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$$PATH" $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .mypy_cache

# Release step: point the pins at this repository's own commits, then commit; run twice (the
# second run points the README's reusable-workflow ref at the commit that holds the first bump).
#   modelci/modelci@<sha>       (model-pr.yml, README, fork recipe): last change to the action/package
#   .../model-pr.yml@<sha>      (README): last change to model-pr.yml
#   .../model-release.yml@<sha> (README): last change to model-release.yml
pin:
	action=$$(git log -1 --format=%H -- action.yml src pyproject.toml constraints.txt); \
	workflow=$$(git log -1 --format=%H -- .github/workflows/model-pr.yml); \
	sed -i -E "s#(modelci/modelci@)[0-9a-f]{40}#\1$$action#g" \
	  .github/workflows/model-pr.yml README.md docs/fork-pull-requests.md; \
	sed -i -E "s#(ref: )[0-9a-f]{40}( \# the SHA model-pr.yml is pinned to)#\1$$action\2#" \
	  docs/fork-pull-requests.md; \
	sed -i -E "s#(modelci/modelci/.github/workflows/model-pr.yml@)[0-9a-f]{40}#\1$$workflow#g" README.md; \
	release=$$(git log -1 --format=%H -- .github/workflows/model-release.yml); \
	sed -i -E "s#(modelci/modelci/.github/workflows/model-release.yml@)[0-9a-f]{40}#\1$$release#g" README.md; \
	echo "action pinned at $$action; README's reusable workflow at $$workflow"
