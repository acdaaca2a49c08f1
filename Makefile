# Developer entry points. `make test` installs everything it needs on a fresh Debian/Ubuntu
# machine (virtual environment, Docker engine, Molecule base image) and runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := $(CURDIR)/.venv
PYTHON ?= python3
COLLECTIONS := $(CURDIR)/build/collections
# The parallel lanes (make molecule) take the scenarios in this order, each the next one when it is
# free. Measured on a fresh clone (2026-12-03, the demo beside them for the first 20 min): agents
# 22, rollout 25, archive 11.4, core 12.7, logstash 7.7, elastic 7.3, bad_config 5.4, filebeat
# 2.3 min; the lanes ended 25 s apart, 47 min in. Any other scenario after.
LONGEST_FIRST := agents rollout archive core logstash elastic bad_config filebeat
SCENARIOS ?= $(filter $(ALL_SCENARIOS),$(LONGEST_FIRST)) $(filter-out $(LONGEST_FIRST),$(ALL_SCENARIOS))
ALL_SCENARIOS := $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))
export PATH := $(VENV)/bin:$(CURDIR)/.cache/tools/bin:$(PATH)
export LLMAGENTOS_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export NO_COLOR := 1
export PY_COLORS := 0

.PHONY: help test checks lint sanity pytest unit integration e2e molecule demo-check demo demo-fault demo-down bench deps image collection clean-molecule clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

test: checks pytest e2e ## Everything CI runs: lint, sanity, unit and integration tests, Molecule scenarios, the demo

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip==24.2
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

deps: $(VENV)/.installed collection ## Host packages, Docker daemon, Python tools, promtool/amtool
	bash scripts/bootstrap-host.sh
	bash scripts/install-tools.sh

collection: ## Make the working tree importable as llmagentos.ops
	@mkdir -p $(COLLECTIONS)/ansible_collections/llmagentos
	@ln -sfn $(CURDIR) $(COLLECTIONS)/ansible_collections/llmagentos/ops

image: deps ## Build the Molecule base image (Dockerfile or debootstrap)
	bash scripts/build-molecule-image.sh

lint: deps ## yamllint and ansible-lint (production profile)
	yamllint --strict .
	ansible-lint

sanity: deps ## ansible-test sanity on a copy laid out as a collection
	bash scripts/sanity.sh

# ansible-lint and ansible-test each keep one core busy.
checks: deps ## lint and sanity at the same time (output of each when it ends)
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint sanity

# Unit tests keep the cores busy (promtool); integration tests mostly wait on services and playbooks.
pytest: deps ## The unit and the integration tests at the same time (output of each when it ends)
	@$(MAKE) --no-print-directory -j2 --output-sync=target unit integration

unit: deps ## pytest tests/unit: the compiler, filters and module_utils, with promtool/amtool as checkers
	pytest --durations=8 tests/unit

integration: deps ## pytest tests/integration: modules, templates and playbooks against services on loopback
	pytest --durations=8 tests/integration --ignore=tests/integration/test_demo.py

# Two lanes of scenarios at once: a scenario mostly waits on its containers (MOLECULE_LANES=1 runs
# them one after another).
MOLECULE_LANES ?= 2
molecule: image ## Every Molecule scenario, in parallel lanes; containers are removed whatever the outcome
	@status=0; bash scripts/molecule-lanes.sh $(MOLECULE_LANES) $(SCENARIOS) || status=1; \
	$(MAKE) --no-print-directory clean-molecule; \
	exit $$status

# The demo beside the lanes: its containers and ports are its own, and like the scenarios it
# mostly waits (measured: the lanes take about a tenth longer, the demo's 13 min are saved).
e2e: image ## The Molecule lanes and the demo check at the same time (output of each when it ends)
	@$(MAKE) --no-print-directory -j2 --output-sync=target molecule demo-check

demo-check: image ## The demo from the installed Galaxy artifact: up, idempotent, tags, update_rules, fault -> alert, down
	pytest tests/integration/test_demo.py

demo: image ## Run site.yml on local containers (monitoring core and a simulated agent); print the URLs
	bash scripts/demo.sh up

demo-fault: deps ## Make the demo agent's search tool fail (FAULT=heal clears it)
	bash scripts/demo.sh fault $(FAULT)

demo-down: deps ## Remove the demo containers
	bash scripts/demo.sh down

bench: image ## Benchmarks (not tests); paste the output into docs/benchmarks.md
	python benchmarks/compile_agents.py
	python benchmarks/grok_throughput.py
	python benchmarks/slo_eval_cost.py
	bash benchmarks/converge_core.sh

clean-molecule: ## Remove every Molecule container and network left behind
	@ids=$$(docker ps -aq --filter label=llmagentos.molecule); [ -z "$$ids" ] || docker rm -f $$ids >/dev/null
	@docker network ls -q --filter label=llmagentos.molecule | xargs -r docker network rm >/dev/null

clean: clean-molecule ## Remove the virtual environment and caches
	rm -rf $(VENV) .cache build .pytest_cache
