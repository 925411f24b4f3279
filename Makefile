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

.PHONY: help venv collection test units integration faults molecule sanity lint docs bench demo clean realnova-stack realnova-stop realnova-test \
	tarball ee-context changelog-lint packaging

help:
	@echo "make demo   - the rolling update on embedded mock hosts"
	@echo "make test   - everything CI checks (unit, module, mock, real nova, fault suite, sanity, lint, docs)"
	@echo "make bench  - the placement benchmark"
	@echo "make tarball    - the collection tarball users install, in build/"
	@echo "make ee-context - the execution environment's build context, in build/ee (podman build -t vmfleet-ee build/ee)"

# pywinrm's kerberos extra builds pykerberos from source: it needs MIT Kerberos' headers (krb5-config), a C compiler
# and Python's headers. Installed with apt-get when missing (as root, Debian; the same list is bindep.txt).
KRB5_BUILD_PACKAGES := libkrb5-dev gcc python3-dev
# The fault suite runs the nova default update over SSH against an sshd it starts on 127.0.0.1 (Debian's).
SSHD_PACKAGES := openssh-server

$(STAMP): requirements.txt requirements-test.txt
	@if ! command -v krb5-config >/dev/null || ! command -v gcc >/dev/null || \
	    ! $(PYTHON) -c 'import os, sysconfig; assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))' 2>/dev/null; then \
	  echo "installing the build packages of pykerberos: $(KRB5_BUILD_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(KRB5_BUILD_PACKAGES); \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-test.txt
	touch $@

venv: $(STAMP)

# ansible.windows (win_updates, the Hyper-V default update) next to this collection: taken from the `ansible`
# community package on PyPI (no Galaxy needed), whose wheel is downloaded once into .venv/wheels.
ANSIBLE_PACKAGE := ansible>=12,<13
WINDOWS_COLLECTION := $(COLLECTIONS)/ansible_collections/ansible/windows
WINDOWS_STAMP := $(COLLECTIONS)/.ansible-windows-installed

$(WINDOWS_STAMP): | $(STAMP)
	@mkdir -p $(VENV)/wheels $(COLLECTIONS)
	@ls $(VENV)/wheels/ansible-12.*.whl >/dev/null 2>&1 || \
	  $(BIN)/pip download --quiet --disable-pip-version-check --no-deps --dest $(VENV)/wheels "$(ANSIBLE_PACKAGE)"
	rm -rf $(WINDOWS_COLLECTION)
	$(BIN)/python -c 'import glob, sys, zipfile; wheel = zipfile.ZipFile(sorted(glob.glob(sys.argv[1]))[-1]); \
	  wheel.extractall(sys.argv[2], [n for n in wheel.namelist() if n.startswith("ansible_collections/ansible/windows/")])' \
	  "$(VENV)/wheels/ansible-12.*.whl" $(COLLECTIONS)
	touch $@

collection: $(STAMP) $(WINDOWS_STAMP)
	@mkdir -p $(dir $(COLLECTION_LINK)) build/ansible-tmp build/ansible-home
	@ln -sfn ../../../.. $(COLLECTION_LINK)

units: collection
	$(BIN)/pytest -q -p no:cacheprovider tests/unit

# module and mock tests, three at a time (they mostly wait on the mocks: about one core busy)
integration: collection
	$(BIN)/pytest -q -p no:cacheprovider -n 3 --durations=12 tests/integration

# playbooks/rolling_update.yml against the mocks under injected faults (interrupts, API outages, bad input,
# concurrent runs); three scenarios side by side (each has its own mocks, HOME and state), a few minutes in all
faults: collection
	@if [ ! -x /usr/sbin/sshd ]; then \
	  echo "installing the SSH server of the fault suite: $(SSHD_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SSHD_PACKAGES); \
	fi
	$(BIN)/pytest -q -p no:cacheprovider -n 3 --durations=12 tests/faults

sanity: collection
	tools/sanity.sh

lint: collection
	tools/lint.sh

# antsibull-docs lint: every module, plugin and role doc renders, with valid markup and references
docs: collection
	tools/docs_lint.sh

# The collection as users get it: the tarball (build/vmfleet-maintenance-<version>.tar.gz, what requirements.yml and
# execution-environment.yml install), and ansible-builder's build context for the execution environment.
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := build/vmfleet-maintenance-$(VERSION).tar.gz
EE_CONTEXT := build/ee

tarball: $(STAMP)
	@mkdir -p build
	$(BIN)/ansible-galaxy collection build --force --output-path build .

ee-context: tarball
	rm -rf $(EE_CONTEXT)
	$(BIN)/ansible-builder create --file execution-environment.yml --context $(EE_CONTEXT) --output-filename Containerfile
	@for f in Containerfile _build/$(TARBALL) _build/requirements.yml _build/requirements.txt _build/bindep.txt; do \
	  test -s $(EE_CONTEXT)/$$f || { echo "ee-context: $(EE_CONTEXT)/$$f is missing"; exit 1; }; done

changelog-lint: $(STAMP)
	$(BIN)/antsibull-changelog lint

# the tarball and the EE context build, the changelog fragments are valid (tests/integration/packaging installs the
# tarball elsewhere and uses it by FQCN, as part of `make integration`)
packaging: ee-context changelog-lint

test: units integration realnova-test faults molecule sanity lint docs packaging
	@echo "make test: all checks passed"

bench: collection
	$(BIN)/python -m bench.run

demo: collection
	$(BIN)/python tools/demo.py

clean:
	rm -rf build .pytest_cache

molecule: collection
	tools/molecule.sh

# A real nova (Zed, Debian packages) on 127.0.0.1 for tests/realnova: installs the packages when missing,
# then starts (or reuses) the stack under build/realnova; see tests/realnova/README.md
realnova-stack:
	tools/realnova/install.sh && /usr/bin/python3 tools/realnova/stack.py start

realnova-stop:
	/usr/bin/python3 tools/realnova/stack.py stop

# The nova modules and playbooks/rolling_update.yml against that real nova; the stack is stopped afterwards,
# whatever the outcome (the tests share one cloud, so they run one at a time)
realnova-test: collection
	tools/realnova/install.sh
	$(BIN)/pytest -q -p no:cacheprovider --durations=12 tests/realnova; status=$$?; \
	  /usr/bin/python3 tools/realnova/stack.py stop >/dev/null 2>&1 || true; exit $$status
