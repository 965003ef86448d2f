# XRegion Monitor — the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run demo test bench clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-app

## Install, refresh the data where the sources are reachable, start the app on 127.0.0.1:8501.
run: $(VENV)/.installed-app
	-$(BIN)/xregion refresh
	$(BIN)/xregion serve

## The same with the demo register (fictional values, marked "Beispieldaten"; own store and warehouse).
demo: $(VENV)/.installed-app
	-XREGION_DEMO=1 $(BIN)/xregion refresh
	XREGION_DEMO=1 $(BIN)/xregion serve

## Run the whole test suite (unit, SQL, app, browser). Browser tests need Debian's chromium.
## Two workers, each module on one of them (its app and browser start once): waits overlap.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist loadfile

## Benchmarks, reported as ratios against a baseline measured in the same run.
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

clean-venv:
	rm -rf $(VENV)
