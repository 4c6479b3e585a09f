# v6: every target creates .venv when missing and installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin

.PHONY: run test lint format bench doctor clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@ $(VENV)/.installed

## run: the main job: v6 trades the simulated market (60 sessions, journal in ./data, live
## progress bar, closing summary). DAYS=250 SEED=11 for another run.
run: $(VENV)/.installed
	$(BIN)/v6 run --days $(or $(DAYS),60) --seed $(or $(SEED),7) --data-dir data

## test: the whole suite, as CI runs it
test: $(VENV)/.installed-dev
	$(BIN)/pytest

## lint: formatting, lint rules and strict typing
lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

## format: apply formatting and safe lint fixes
format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

## bench: every benchmark, printed beside the reference libraries (QUICK=1 for a short run)
bench: $(VENV)/.installed-dev
	$(PY) bench/run_all.py $(if $(QUICK),--quick,)

doctor: $(VENV)/.installed
	$(BIN)/v6 doctor

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build *.egg-info src/*.egg-info
