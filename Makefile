# jupyterlab-hpc — the two commands: `make demo` and `make test`.
# Everything lives in ./.venv (Python, jlpm) and ./node_modules; system
# packages (Chromium) come from Debian through scripts/install-system-deps.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Debian's interpreter: the Slurm tests run a server as a non-root user, who must be able to
# execute the venv's python (a pyenv build under /root would not do).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# Playwright must not try to download browsers: the tests use Debian's Chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# The JupyterLab the frontend is built and tested against; @jupyterlab/* npm
# packages are pinned to it in package.json's resolutions.
JUPYTERLAB_VERSION := 4.6.4
DEMO_PORT ?= 8888
# `make demo DEMO_HARDWARE=fake`: simulated RAPL, GPUs and grid API (scripts/demo-fake-hardware.py scripts/demo-apps.py scripts/slurm-testbed).
DEMO_HARDWARE ?= real

SOURCES := $(shell find src style schema -type f -not -path '*/__tests__/*' 2>/dev/null) \
	package.json tsconfig.json
PY_SOURCES := $(shell find jupyterlab_hpc -name '*.py' -not -path '*/labextension/*' 2>/dev/null) \
	pyproject.toml jupyter-config/server-config/jupyterlab_hpc.json

.PHONY: help
help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

.PHONY: system-deps
system-deps:  ## Debian packages (chromium, python3-venv): apt-get as root when missing
	scripts/install-system-deps

$(VENV)/.installed:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q "jupyterlab==$(JUPYTERLAB_VERSION)" "hatchling>=1.21" \
		"hatch-nodejs-version>=0.3.2" "hatch-jupyter-builder>=0.9"
	touch $@

node_modules/.installed: package.json $(VENV)/.installed
	$(BIN)/jlpm install
	touch $@

jupyterlab_hpc/labextension/package.json: node_modules/.installed $(SOURCES)
	$(BIN)/jlpm build:prod

$(VENV)/.jupyterlab-hpc: jupyterlab_hpc/labextension/package.json $(PY_SOURCES)
	$(BIN)/pip install -q --no-build-isolation ".[test,hub]"
	@# jupyterlmod (the test extra) adds jupyter-server-proxy's launcher entries itself; its setup
	@# disables jupyter-server-proxy's own lab extension, so that none is registered twice.
	$(BIN)/jupyter labextension disable @jupyterhub/jupyter-server-proxy >/dev/null 2>&1
	touch $@

.PHONY: install
install: system-deps $(VENV)/.jupyterlab-hpc  ## build the extension and install it into .venv

.PHONY: lint
lint: install  ## eslint, prettier, stylelint, ruff
	$(BIN)/jlpm lint:check
	$(BIN)/ruff check jupyterlab_hpc tests bench ui-tests scripts/demo-fake-hardware.py scripts/demo-apps.py scripts/slurm-testbed scripts/hub-testbed scripts/modules-testbed deploy
	$(BIN)/ruff format --check jupyterlab_hpc tests bench ui-tests scripts/demo-fake-hardware.py scripts/demo-apps.py scripts/slurm-testbed scripts/hub-testbed scripts/modules-testbed deploy

.PHONY: typecheck
typecheck: install  ## tsc over sources and tests
	$(BIN)/jlpm tsc --noEmit -p tsconfig.test.json

.PHONY: test-js
test-js: install  ## jest
	$(BIN)/jlpm jest --ci

.PHONY: test-py
test-py: install testbed hub-testbed modules-testbed  ## pytest, against the local Slurm (pytest itself installs and starts nothing)
	$(BIN)/python -m pytest

.PHONY: check-install
check-install: install  ## the installed package is a prebuilt, enabled extension
	scripts/check-install

.PHONY: test-ui
test-ui: install testbed hub-testbed modules-testbed  ## Galata UI tests in Debian's Chromium, against the local Slurm
	cd ui-tests && $(BIN)/jlpm install && SLURM_CONF=$(SLURM_CONF) $(BIN)/jlpm playwright test

# The UI tests take their screenshots into ui-tests/test-results; only this target writes the
# tracked ones in docs/images (ui-tests/tests/images.ts reads HPC_SCREENSHOTS).
.PHONY: screenshots
screenshots: install testbed hub-testbed modules-testbed  ## the Galata UI tests, writing the documentation's screenshots in docs/images
	cd ui-tests && $(BIN)/jlpm install && HPC_SCREENSHOTS=1 SLURM_CONF=$(SLURM_CONF) $(BIN)/jlpm playwright test

.PHONY: test
test: lint typecheck test-js test-py check-install test-ui  ## everything CI runs

.PHONY: bench
bench: install  ## benchmarks side by side with the anchors (see bench/README.md)
	bench/run $(BENCH_ARGS)

.PHONY: demo
demo: install testbed modules-testbed  ## start JupyterLab with jupyterlab-hpc (a local Slurm, a module tree) on 127.0.0.1
	mkdir -p .demo/work .demo/config
	@# One launcher app that runs anywhere (Python's web server), beside the shipped ones.
	cp scripts/demo-apps.py .demo/config/jupyter_server_config.py
	@# Something to see and to submit: a sample script, and one running job when the queue is empty.
	@[ -f .demo/work/hello.sbatch ] || printf '#!/bin/bash\n#SBATCH --job-name=hello\n#SBATCH --time=5\necho "Hello from job $$SLURM_JOB_ID on $$(hostname)"\nsleep 60\n' > .demo/work/hello.sbatch
	@SLURM_CONF=$(SLURM_CONF) squeue -h --me | grep -q . || SLURM_CONF=$(SLURM_CONF) sbatch \
		--chdir $(CURDIR)/.demo/work --job-name "demo: a long run" --time 60 --wrap "sleep 3600"
	@# The module tree's kernels appear in the launcher; jupyterlmod finds Lmod through LMOD_CMD.
	SLURM_CONF=$(SLURM_CONF) MODULEPATH=$(TESTBED_MODULEPATH) LMOD_CMD=$(LMOD_CMD) \
		JUPYTER_CONFIG_DIR=$(CURDIR)/.demo/config $(BIN)/jupyter lab --no-browser \
		--ip=127.0.0.1 --port=$(DEMO_PORT) --allow-root \
		--ServerApp.root_dir=$(CURDIR)/.demo/work \
		$(if $(filter fake,$(DEMO_HARDWARE)),--config=$(CURDIR)/scripts/demo-fake-hardware.py)

# The local single-node Slurm of the tests and the demo (scripts/slurm-testbed), with accounting
# through slurmdbd and MariaDB; docs/admin/slurm-testbed.md describes it.
SLURM_CONF := $(or $(SLURM_TESTBED_DIR),/tmp/jupyterlab-hpc-testbed)/etc/slurm.conf

.PHONY: testbed
testbed: system-deps  ## start the local single-node Slurm with slurmdbd and MariaDB, and create its test user (as root); `scripts/slurm-testbed stop` stops it
	scripts/slurm-testbed start

# The environment-module tree of the tests and the demo (scripts/modules-testbed): Lmod (and
# Tcl Environment Modules) modulefiles over real venvs, with kernels and TensorBoard.
TESTBED_MODULEPATH := $(or $(MODULES_TESTBED_DIR),/tmp/jupyterlab-hpc-modules)/modulefiles
LMOD_CMD ?= /usr/share/lmod/lmod/libexec/lmod

.PHONY: modules-testbed
modules-testbed: system-deps  ## build the module tree (Lmod, venvs with kernels, TensorBoard); idempotent
	scripts/modules-testbed start

# JupyterHub + batchspawner + the idle culler on that Slurm (scripts/hub-testbed). The tests run
# it with a short culling timeout and activity reports every 10 s; `make demo-hub` with the
# defaults a centre would use (an hour, reports every 5 minutes).
HUB_TEST_SETTINGS := HUB_CULL_TIMEOUT=90 HUB_CULL_EVERY=10 HUB_ACTIVITY_INTERVAL=10 \
	MODULEPATH=$(TESTBED_MODULEPATH)

.PHONY: hub-testbed
hub-testbed: install testbed modules-testbed  ## start JupyterHub (batchspawner, idle culler) on the local Slurm, with the tests' settings
	$(HUB_TEST_SETTINGS) SLURM_CONF=$(SLURM_CONF) scripts/hub-testbed start

.PHONY: demo-hub
demo-hub: install testbed modules-testbed  ## start JupyterHub spawning JupyterLab as Slurm jobs; prints the URL and the logins; Ctrl-C stops it all
	SLURM_CONF=$(SLURM_CONF) MODULEPATH=$(TESTBED_MODULEPATH) scripts/hub-testbed run

.PHONY: demo-hub-stop
demo-hub-stop:  ## stop the hub (its servers' jobs are cancelled) and the local Slurm
	SLURM_CONF=$(SLURM_CONF) scripts/hub-testbed stop
	scripts/slurm-testbed stop

.PHONY: clean
clean:  ## remove build outputs (keeps .venv and node_modules)
	rm -rf lib jupyterlab_hpc/labextension jupyterlab_hpc/_version.py tsconfig.tsbuildinfo \
		dist coverage $(VENV)/.jupyterlab-hpc
