# Two entry points for a fresh machine (see README):
#   make run   - set up, generate the benchmark and evaluate the built-in solver and baselines
#   make test  - set up and run the test suite (what CI runs)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?= test,hf,ray,large,report,train,datasets,inspect,lm-eval
OUT ?= out

.PHONY: setup run test test-all lint bench clean mutation mutation-recheck mutation-score

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

# Mutation testing (docs/testing.md): not part of CI. tests/mutation/full.py generates the
# mutants (mutmut), type-checks them once (mypy) and judges them in JOBS in-process pytest
# workers; verdicts go to mutants/rechecked.json as they come, a second run resumes.
#   make mutation MUTANTS='corr2cause.causal.*' JOBS=1   judges the mutants of one package
MUTANTS ?= corr2cause.*
JOBS ?= 2
NICE ?= 10
MUTMUT_ENV = CORR2CAUSE_OFFICIAL_TEST="$${CORR2CAUSE_OFFICIAL_TEST:-$(abspath ..)/shared/reference/official_test.csv}" \
	PYTHONPATH="$(abspath mutants/src)" PATH="$(abspath $(BIN)):$$PATH"
mutation: setup
	$(BIN)/python -m pip install --quiet -e ".[mutation]"
	$(MUTMUT_ENV) nice -n $(NICE) $(BIN)/python tests/mutation/full.py --jobs $(JOBS) --match '$(MUTANTS)'

# every survivor again, one fresh pytest per mutant, against all its traced tests (no budget)
mutation-recheck:
	$(MUTMUT_ENV) nice -n $(NICE) $(BIN)/python tests/mutation/recheck.py
	$(BIN)/python tests/mutation/score.py --survivors

mutation-score:
	$(BIN)/python tests/mutation/score.py --survivors

bench: setup
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache mutants
