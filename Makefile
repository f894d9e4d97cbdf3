# prewarm.harbor: one entry point for developers and CI. `make help` lists the public targets: each one's line here
# ends with `## ` and what it does (the only place that says it). Everything installs itself on a fresh Debian-like
# machine (root or sudo for apt).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
# Imports and ansible-playbook see the checkout through this link (edits are live).
COLLECTIONS := $(CURDIR)/build/collections
LINK := $(COLLECTIONS)/ansible_collections/prewarm/harbor
# ansible-test resolves its working directory, so it gets a copy of the tracked files.
TESTROOT := $(CURDIR)/build/ansible-test/ansible_collections/prewarm/harbor
DEBS := docker-registry skopeo containerd openssl curl openssh-server shellcheck
# ansible-test fetches a pip bootstrap script from the internet unless a cached copy exists, under the name of the pip
# version it installs: 24.2 for ansible-test 2.19, 25.2 for 2.20 and 2.21.
PIP_CACHE := $(HOME)/.ansible/test/cache
PIP_BOOTSTRAPS := $(PIP_CACHE)/get_pip_24_2.py $(PIP_CACHE)/get_pip_25_2.py
# The version matrix: the pinned ansible-core (requirements-dev.txt) on Python 3.11, and the newest on Python 3.13.
NEWEST_CORE := ansible-core==2.21.5
NEWEST_PYTHON ?= $(lastword $(sort $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(wildcard /usr/bin/python3.13)))
NEWEST_VENV := $(CURDIR)/.venv-newest
# Galaxy's import check, its newest release, in a venv of its own (pinned with the tools it shares with
# requirements-dev.txt: ansible-core, ansible-lint).
GALAXY_IMPORTER := galaxy-importer==0.4.44
IMPORTER_VENV := $(CURDIR)/.venv-importer
PACKAGE := build/package
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ENV := PYTHONPATH=$(COLLECTIONS) ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) PATH=$(BIN):$$PATH

.PHONY: help testroot test setup debs sanity lint units docs package galaxy newest integration demo bench acceptance build clean

test: setup sanity lint units docs package galaxy newest integration ## everything CI runs: setup, then sanity, lint, units, docs, package, galaxy, newest and integration

help: ## this list
	@grep -E '^[a-z]+:.*## ' $(firstword $(MAKEFILE_LIST)) | sed -E 's/^([a-z]+):.*## (.*)$$/\1\t\2/' | \
		awk -F '\t' '{ printf "  make %-12s %s\n", $$1, $$2 }'

setup: debs $(VENV)/.installed $(LINK) $(PIP_BOOTSTRAPS) ## install what is missing: Debian packages, the venv, the collection's link, ansible-test's pip bootstrap

debs:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

$(PIP_BOOTSTRAPS): tests/bootstrap/get_pip.py
	mkdir -p $(dir $@)
	cp $< $@

$(NEWEST_VENV)/.installed: Makefile
	@[ -n "$(NEWEST_PYTHON)" ] || { echo "Python 3.13 not found (looked in ~/.pyenv/versions and /usr/bin): install it, or give NEWEST_PYTHON=/path/to/python3.13"; exit 1; }
	$(NEWEST_PYTHON) -m venv $(NEWEST_VENV)
	$(NEWEST_VENV)/bin/pip install --quiet --disable-pip-version-check '$(NEWEST_CORE)'
	touch $@

$(IMPORTER_VENV)/.installed: Makefile requirements-dev.txt
	$(PYTHON) -m venv $(IMPORTER_VENV)
	$(IMPORTER_VENV)/bin/pip install --quiet --disable-pip-version-check '$(GALAXY_IMPORTER)' -c requirements-dev.txt
	touch $@

testroot: setup
	rm -rf $(TESTROOT) && mkdir -p $(TESTROOT)
	git ls-files -co --exclude-standard -z | xargs -0 -r ls -d 2>/dev/null | tar -T - -cf - | tar -xf - -C $(TESTROOT)
	cd $(TESTROOT) && git init -q && git add -A  # ansible-test lists content through git

sanity: testroot ## ansible-test sanity on the pinned ansible-core, Python 3.11
	cd $(TESTROOT) && $(BIN)/ansible-test sanity --venv --python 3.11 --color no

# --offline: otherwise ansible-lint copies the collection into ~/.ansible/collections, where it shadows the checkout.
lint: setup ## ansible-lint on the playbooks and the role; ruff on the Python code (ruff.toml); mypy on the plugins (mypy.ini)
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(BIN)/ansible-lint --offline --nocolor --profile production playbooks/ roles/
	$(BIN)/ruff check --no-fix .
	$(BIN)/mypy --config-file mypy.ini -p ansible_collections.prewarm.harbor.plugins

units: testroot ## ansible-test units on the pinned ansible-core, Python 3.11
	cd $(TESTROOT) && $(BIN)/ansible-test units --venv --python 3.11 --color no

newest: testroot $(NEWEST_VENV)/.installed ## the same sanity tests and units on the newest ansible-core and the newest Python
	cd $(TESTROOT) && $(NEWEST_VENV)/bin/ansible-test sanity --venv --python 3.13 --color no
	cd $(TESTROOT) && $(NEWEST_VENV)/bin/ansible-test units --venv --python 3.13 --color no

docs: setup ## lint the docsite (plugin docs, role docs, extra docs) as antsibull-docs renders it, and the changelog
	PATH=$(BIN):$$PATH ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(BIN)/antsibull-docs lint-collection-docs --plugin-docs $(LINK)
	$(BIN)/antsibull-changelog lint

# The tarball must not hold .ansible/, which a plain ansible-lint run leaves.
package: setup ## the tarball as Galaxy gets it, and docs/execution-environment.yml built into a Containerfile from it
	rm -rf $(PACKAGE) && mkdir -p $(PACKAGE) .ansible && touch .ansible/left-by-ansible-lint
	$(BIN)/ansible-galaxy collection build --force --output-path $(PACKAGE) .
	@if tar -tzf $(PACKAGE)/prewarm-harbor-$(VERSION).tar.gz | grep -E '(^|/)\.ansible(/|$$)'; then echo "the tarball holds .ansible/"; exit 1; fi
	cp docs/execution-environment.yml $(PACKAGE)/
	$(BIN)/ansible-builder create --file $(PACKAGE)/execution-environment.yml --context $(PACKAGE)/context --output-filename Containerfile
	grep -q 'ansible-galaxy collection install' $(PACKAGE)/context/Containerfile
	grep -q 'prewarm-harbor-$(VERSION).tar.gz' $(PACKAGE)/context/_build/requirements.yml

# Offline: .ci/galaxy-importer.cfg runs no ansible-test and no container. A warning fails too: Galaxy shows those to users.
galaxy: package $(IMPORTER_VENV)/.installed ## galaxy-importer on the tarball, as Galaxy runs it on an upload; fails on any error or warning
	rm -rf build/importer && mkdir -p build/importer/tmp
	cd build/importer && GALAXY_IMPORTER_CONFIG=$(CURDIR)/.ci/galaxy-importer.cfg GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=$(CURDIR)/build/importer/tmp \
		PATH=$(IMPORTER_VENV)/bin:$$PATH $(IMPORTER_VENV)/bin/python -m galaxy_importer.main \
		$(CURDIR)/$(PACKAGE)/prewarm-harbor-$(VERSION).tar.gz 2>&1 | tee importer.log
	@if grep -E '^(WARNING|ERROR|CRITICAL)\b|\b[Ww]arning\b' build/importer/importer.log; then echo "galaxy-importer warned (lines above): fix them"; exit 1; fi

# The stand's own tests come first: the end-to-end suites trust what the stand shows.
integration: testroot ## ansible-test's targets (tests/integration/targets), then in pytest the stand's tests (tests/stand/tests) and the end-to-end suites (tests/e2e)
	cd $(TESTROOT) && $(BIN)/ansible-test integration --venv --python 3.11 --color no
	$(PYTEST_ENV) $(BIN)/python -m pytest tests/stand/tests tests/e2e -q -ra --durations=25

demo: setup ## warm a Harbor-shaped test registry from a rendered Kustomize app (DEMO_ARGS)
	$(PYTEST_ENV) $(BIN)/python -m ansible_collections.prewarm.harbor.demo.run $(DEMO_ARGS)

# make acceptance HARBOR=https://harbor.example.com PROJECT=proxy_hub IMAGES="library/alpine:3.20" [PLATFORMS="linux/amd64 linux/arm64"]
# Credentials from HARBOR_USERNAME / HARBOR_PASSWORD; more options (--ca-path, --wait, --complete-index, --before-checks,
# --no-containerd; where the Pods pull: --app-registry, --deliver, --before-app-checks) in ACCEPTANCE_ARGS.
# Tested on the emulated Harbor by tests/e2e/test_acceptance.py.
acceptance: setup ## warm your own Harbor (HARBOR= PROJECT= IMAGES=), wait for its commit, check each platform pulls by tag (skopeo, containerd)
	$(PYTEST_ENV) $(BIN)/python -m ansible_collections.prewarm.harbor.acceptance.run --harbor "$(HARBOR)" --project "$(PROJECT)" \
		$(addprefix --image ,$(IMAGES)) $(addprefix --platform ,$(PLATFORMS)) $(ACCEPTANCE_ARGS)

# make bench BENCH_ARGS=--quick for a fast check; results in bench/results/.
bench: setup ## measure the warmer against skopeo and the wire's lower bound
	$(PYTEST_ENV) $(BIN)/python -m ansible_collections.prewarm.harbor.bench.run $(BENCH_ARGS)

build: setup ## the collection's tarball in build/dist
	$(BIN)/ansible-galaxy collection build --force --output-path build/dist .

clean: ## remove build/ and tests/output/
	rm -rf build tests/output
