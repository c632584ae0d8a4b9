# The two commands of the README: `make run` and `make test`. Both create the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test evaluate bench load lock deploy-check clean

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --editable '.[dev,lab]'
	@touch $(STAMP)

run: $(STAMP)
	@$(PY) -m bot

test: $(STAMP)
	@$(PY) -m pytest -q -n auto --dist loadfile  # one worker per core; a module stays on one worker

evaluate: $(STAMP)
	@$(PY) -m lab evaluate

bench: $(STAMP)
	@$(PY) -m lab bench

load: $(STAMP)
	@$(PY) tests/load.py

# The exact versions the container installs, from a clean install of the project.
lock:
	@rm -rf build/lock && $(PYTHON) -m venv build/lock && build/lock/bin/pip install --quiet .
	@{ printf '# Exact versions the image installs (pip freeze of a clean install of the project; regenerate with\n# make lock). The image installs these first, then the project with --no-deps.\n'; \
	  build/lock/bin/pip freeze --exclude innoprom-bot; } > deploy/requirements.lock

# Build the image, lint the Dockerfile, smoke-test the container and the compose file (needs Docker).
deploy-check: $(STAMP)
	@deploy/check.sh

clean:
	rm -rf $(VENV) build *.egg-info
