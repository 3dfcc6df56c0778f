# One entry point for developers and CI. Everything installs into the project (.venv, node_modules).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.runtime-installed

.PHONY: test test-python lint venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: lint-js test-python test-node test-e2e test-browser test-bench test-ha

# the Python half of make lint first, then the tests
test-python: lint-python
	$(PY) -m pytest -q tests/python

# Node side: root workspace (node-red-contrib-pi30 + mocha, node-red 4.1, test helper).
# node_modules/.pi30-installed is re-made whenever a package.json or the lock file changes.
.PHONY: test-node node-deps catalogue-snapshot
NODE_STAMP := node_modules/.pi30-installed
NPM_INSTALL := $(if $(wildcard package-lock.json),npm ci,npm install) --no-audit --no-fund

node-deps: $(NODE_STAMP)

$(NODE_STAMP): package.json $(wildcard package-lock.json) node-red-contrib-pi30/package.json
	$(NPM_INSTALL)
	touch $(NODE_STAMP)

# mocha suites in tests/node: real Node-RED 4 runtime, real pi30-worker processes (from .venv)
test-node: $(STAMP) $(NODE_STAMP)
	node_modules/.bin/mocha

# regenerate the editor's catalogue snapshot from the Python catalogue (a test checks it)
catalogue-snapshot: $(STAMP) $(NODE_STAMP)
	node node-red-contrib-pi30/scripts/generate-catalogue.js

# Full stack (tests/e2e): simulator on a pty + pi30-worker + Node-RED with the packed package,
# flows deployed through the Admin API. Browser (tests/browser): the editor and the demo's
# dashboard in headless Chromium (Debian's chromium, driven by playwright-core).
.PHONY: test-e2e test-browser chromium demo demo-stop commands-doc sim-options-doc
STACK_MOCHA := node_modules/.bin/mocha --no-package --timeout 900000 --reporter spec

test-e2e: $(STAMP) $(NODE_STAMP)
	$(STACK_MOCHA) 'tests/e2e/**/*.test.js'

test-browser: $(STAMP) $(NODE_STAMP) chromium
	$(STACK_MOCHA) 'tests/browser/**/*.test.js'

chromium:
	@scripts/ensure-chromium.sh

# The worker and its three runtime dependencies only (make demo): no test tools.
$(RUNTIME_STAMP): pyproject.toml
	@echo "installing the worker and its dependencies (pyserial, msgpack, pyzmq) into $(VENV) ..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $(RUNTIME_STAMP)

# make demo [PORT=/dev/ttyUSB0] [PROTOCOL=PI30]: the worker (simulator unless PORT is given) and
# Node-RED 4.1 with the demo flow and its dashboard in .demo/; Ctrl-C stops both.
demo: $(RUNTIME_STAMP)
	@node scripts/demo.js $(if $(PORT),--port '$(PORT)') $(if $(PROTOCOL),--protocol '$(PROTOCOL)') $(DEMO_ARGS)

demo-stop:
	@node scripts/demo.js --stop $(DEMO_ARGS)

# make dist: the release files, built from this checkout with no registry of ours - the
# worker's wheel and sdist, and the nodes' npm tarball (which carries the worker's sources).
.PHONY: dist test-install system-python
dist: $(RUNTIME_STAMP)
	rm -rf dist
	@$(PY) -c 'import build' 2>/dev/null || $(PY) -m pip install --quiet 'build>=1.2'
	$(PY) -m build --quiet --outdir dist .
	npm pack ./node-red-contrib-pi30 --pack-destination dist --silent >/dev/null
	@ls -1 dist

# Debian's own python3 with python3-serial, python3-msgpack and python3-zmq (apt-get when missing)
system-python:
	@scripts/ensure-system-python.sh

# tests/install: each install path from the files in dist/ to a first reading (sim://)
test-install: dist system-python $(NODE_STAMP)
	$(STACK_MOCHA) 'tests/install/**/*.test.js'

test: test-install

# docs/commands.md from the catalogue (a test checks it is in sync)
commands-doc: $(STAMP)
	$(PY) scripts/commands_doc.py

# the sim:// options table of docs/simulator.md, from the simulator's option table (a test checks it)
sim-options-doc: $(STAMP)
	$(PY) scripts/sim_options_doc.py

# make bench [QUICK=1]: our speed side by side with the wire floor and mpp-solar (docs/bench.md).
# bench/.venv-mpp holds mpp-solar from PyPI next to pi30-worker: never a runtime dependency.
# The full run writes bench/results/latest.json (kept in git); QUICK=1 (< 2 min) writes
# test-artifacts/bench-quick.json, and test-bench checks that every row was measured (no speed
# assertions: the numbers belong to the machine).
.PHONY: bench test-bench
BENCH_PY := bench/.venv-mpp/bin/python
BENCH_OUT := $(if $(QUICK),test-artifacts/bench-quick.json,bench/results/latest.json)

bench: $(STAMP) $(NODE_STAMP)
	$(PY) -m bench.mppsolar_env
	$(BENCH_PY) -m bench $(if $(QUICK),--quick) --out $(BENCH_OUT)

test-bench: $(STAMP) $(NODE_STAMP)
	$(PY) -m ruff format --check bench
	$(PY) -m ruff check bench
	$(PY) -m mypy --strict bench
	$(MAKE) --no-print-directory bench QUICK=1
	$(PY) -m bench.report --check test-artifacts/bench-quick.json

# the one home of the linters: lint-python (ruff format and rules, mypy) and lint-js (below)
.PHONY: lint-python
lint: lint-python lint-js

lint-python: $(STAMP)
	$(PY) -m ruff format --check pyworker tests/python scripts/tempo_season_chart.py
	$(PY) -m ruff check pyworker tests/python scripts/tempo_season_chart.py
	$(PY) -m mypy
	$(PY) -m mypy --strict scripts/tempo_season_chart.py

# JavaScript: ESLint (recommended rules, ruff's line length) and Prettier's layout, every .js
# file and the editor code in each node's .html (eslint.config.js, .prettierrc.json)
.PHONY: lint-js
lint-js: $(NODE_STAMP)
	node_modules/.bin/eslint .
	node_modules/.bin/prettier --check --log-level warn .

# make tempo-season: the Tempo season 2022-23 replayed hour by hour per strategy (no automation,
# rule planner, optimiser with forecast errors, perfect foresight) on the real colours and a real
# household's load (../shared/data); writes docs/tempo-season/ (table, JSON, chart).
# The short version (two weeks of January 2023) runs in make test (tests/node/tempo-season.test.js).
.PHONY: tempo-season
SEASON_OUT := docs/tempo-season

tempo-season: $(STAMP) $(NODE_STAMP)
	node scripts/tempo-season.js --out $(SEASON_OUT)
	$(PY) scripts/tempo_season_chart.py $(SEASON_OUT)/season.json $(SEASON_OUT)/season.png

clean:
	rm -rf $(VENV) node_modules bench/.venv-mpp

# Real Home Assistant suite (tests/ha): HA 2024.3.3 in .venv-ha (pinned by tests/ha/constraints.txt),
# the Node-RED Companion integration from HA_COMPANION (not in the repo), mosquitto from Debian,
# Node-RED 4.1 + companion nodes 0.80.3 + this package from its tarball, the worker on the simulator.
# Without the Companion tarball the suite is skipped with a message saying so.
.PHONY: test-ha ha-venv ha-constraints mosquitto
HA_VENV := .venv-ha
HA_STAMP := $(HA_VENV)/.installed
HA_COMPANION ?= ../shared/vendor/hass-node-red-3.1.7.tar.gz

ha-venv: $(HA_STAMP)

$(HA_STAMP): tests/ha/requirements.in tests/ha/constraints.txt
	test -x $(HA_VENV)/bin/python || $(PYTHON) -m venv $(HA_VENV)
	$(HA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(HA_VENV)/bin/python -m pip install --quiet -r tests/ha/requirements.in -c tests/ha/constraints.txt
	touch $(HA_STAMP)

# re-pin every package of the HA venv after a change of tests/ha/requirements.in
ha-constraints: $(HA_STAMP)
	( echo "# Full pin set of .venv-ha (pip freeze of requirements.in on Python 3.11); regenerate with"; \
	  echo "# make ha-constraints after changing requirements.in."; \
	  $(HA_VENV)/bin/python -m pip freeze --exclude-editable ) > tests/ha/constraints.txt

mosquitto:
	@command -v mosquitto >/dev/null || test -x /usr/sbin/mosquitto || \
		( echo "installing mosquitto (Debian package) for the Home Assistant MQTT tests"; \
		  apt-get install -y --no-install-recommends mosquitto >/dev/null || \
		  ( apt-get update >/dev/null && apt-get install -y --no-install-recommends mosquitto >/dev/null ) )

test-ha: $(STAMP) $(NODE_STAMP)
	@if [ ! -f '$(HA_COMPANION)' ]; then \
		echo "test-ha SKIPPED: no Node-RED Companion integration tarball at $(HA_COMPANION) (set HA_COMPANION=...)"; \
	else \
		$(MAKE) --no-print-directory ha-venv mosquitto && \
		PI30_HA_COMPANION='$(abspath $(HA_COMPANION))' $(STACK_MOCHA) 'tests/ha/**/*.test.js'; \
	fi
