# One entry point for developers and CI. Everything installs into the project (.venv, node_modules).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test test-python lint venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: test-python

test-python: $(STAMP)
	$(PY) -m ruff check pyworker tests/python
	$(PY) -m mypy
	$(PY) -m pytest -q tests/python

lint: $(STAMP)
	$(PY) -m ruff format --check pyworker tests/python
	$(PY) -m ruff check pyworker tests/python
	$(PY) -m mypy

clean:
	rm -rf $(VENV) node_modules
