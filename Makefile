# The two commands of the README: `make run` and `make test`. Both create the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test evaluate bench load clean

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --editable '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@$(PY) -m bot

test: $(STAMP)
	@$(PY) -m pytest -q

evaluate: $(STAMP)
	@$(PY) -m retrieval evaluate

bench: $(STAMP)
	@$(PY) -m retrieval bench

load: $(STAMP)
	@$(PY) tests/load.py

clean:
	rm -rf $(VENV) build *.egg-info
