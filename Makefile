# Two entry points for a fresh machine (see README):
#   make run   - set up, generate the benchmark and evaluate the built-in solver and baselines
#   make test  - set up and run the test suite (what CI runs)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?= test,hf,ray,large,report,train,datasets,inspect,lm-eval
OUT ?= out

.PHONY: setup run test test-all lint bench clean mutation mutation-score

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

setup: $(VENV)/.installed

run: setup
	$(BIN)/corr2cause pipeline --out $(OUT)

test: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

test-all: setup
	$(BIN)/python -m pytest -q -m "slow or not slow"

# Mutation testing (docs/testing.md): not part of CI; about an hour on 2 cores for everything.
# make mutation MUTANTS='corr2cause.causal.*' JOBS=1   runs one package; mutmut resumes.
MUTANTS ?=
JOBS ?= 2
mutation: setup
	$(BIN)/python -m pip install --quiet -e ".[mutation]"
	CORR2CAUSE_OFFICIAL_TEST="$${CORR2CAUSE_OFFICIAL_TEST:-$(abspath ..)/shared/reference/official_test.csv}" \
		$(BIN)/mutmut run --max-children $(JOBS) $(foreach m,$(MUTANTS),'$(m)')
	$(BIN)/python tests/mutation/score.py --survivors

mutation-score:
	$(BIN)/python tests/mutation/score.py --survivors

bench: setup
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache mutants
