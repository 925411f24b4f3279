# vmfleet.maintenance — set-up, tests, benchmark and demo. Everything installs itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COLLECTIONS := build/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/vmfleet/maintenance
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(COLLECTIONS)
export ANSIBLE_LOCAL_TEMP := $(CURDIR)/build/ansible-tmp
export ANSIBLE_HOME := $(CURDIR)/build/ansible-home
export PY_COLORS := 0

.PHONY: help venv collection test units integration faults molecule sanity lint bench demo clean

help:
	@echo "make demo   - the rolling update on embedded mock hosts"
	@echo "make test   - everything CI checks (unit, module, mock, fault suite, sanity, lint)"
	@echo "make bench  - the placement benchmark"

$(STAMP): requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt
	touch $@

venv: $(STAMP)

collection: $(STAMP)
	@mkdir -p $(dir $(COLLECTION_LINK)) build/ansible-tmp build/ansible-home
	@ln -sfn ../../../.. $(COLLECTION_LINK)

units: collection
	$(BIN)/pytest -q -p no:cacheprovider tests/unit

integration: collection
	$(BIN)/pytest -q -p no:cacheprovider tests/integration

# playbooks/rolling_update.yml against the mocks under injected faults (interrupts, API outages, bad input,
# concurrent runs); two scenarios side by side (each has its own mocks, HOME and state), a few minutes in all
faults: collection
	$(BIN)/pytest -q -p no:cacheprovider -n 2 tests/faults

sanity: collection
	tools/sanity.sh

lint: collection
	tools/lint.sh

test: units integration faults molecule sanity lint
	@echo "make test: all checks passed"

bench: collection
	$(BIN)/python -m bench.run

demo: collection
	$(BIN)/python tools/demo.py

clean:
	rm -rf build .pytest_cache

molecule: collection
	tools/molecule.sh
