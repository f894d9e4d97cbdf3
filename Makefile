# prewarm.harbor: one entry point for developers and CI.
#   make test   install what is missing, then sanity + unit + integration tests
#   make demo   warm a Harbor-shaped test registry from a rendered Kustomize app
#   make bench  measure the warmer against skopeo and the wire's lower bound
#   make acceptance HARBOR=https://harbor.example.com PROJECT=proxy_hub IMAGES="library/alpine:3.20" [PLATFORMS="linux/amd64 linux/arm64"]
#               warm your own Harbor, wait for its commit, and check each platform pulls by tag (skopeo, containerd)
# Everything installs itself on a fresh Debian-like machine (root or sudo for apt).

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
DEBS := docker-registry skopeo containerd openssl curl openssh-server
PIP_BOOTSTRAP := $(HOME)/.ansible/test/cache/get_pip_24_2.py
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ENV := PYTHONPATH=$(COLLECTIONS) ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) PATH=$(BIN):$$PATH

.PHONY: testroot test setup debs sanity lint units integration demo bench acceptance build clean

test: setup sanity lint units integration

setup: debs $(VENV)/.installed $(LINK) $(PIP_BOOTSTRAP)

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

# ansible-test fetches a pip bootstrap script from the internet unless this cached copy exists.
$(PIP_BOOTSTRAP): tests/bootstrap/get_pip.py
	mkdir -p $(dir $@)
	cp $< $@

testroot: setup
	rm -rf $(TESTROOT) && mkdir -p $(TESTROOT)
	git ls-files -co --exclude-standard -z | xargs -0 -r ls -d 2>/dev/null | tar -T - -cf - | tar -xf - -C $(TESTROOT)
	cd $(TESTROOT) && git init -q && git add -A  # ansible-test lists content through git

sanity: testroot
	cd $(TESTROOT) && $(BIN)/ansible-test sanity --venv --python 3.11 --color no

# --offline: otherwise ansible-lint copies the collection into ~/.ansible/collections, where it shadows the checkout.
lint: setup
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(BIN)/ansible-lint --offline --nocolor --profile production playbooks/ roles/

units: testroot
	cd $(TESTROOT) && $(BIN)/ansible-test units --venv --python 3.11 --color no

integration: setup
	$(PYTEST_ENV) $(BIN)/python -m pytest tests/e2e -q -ra

demo: setup
	$(PYTEST_ENV) $(BIN)/python -m ansible_collections.prewarm.harbor.demo.run $(DEMO_ARGS)

# Credentials from HARBOR_USERNAME / HARBOR_PASSWORD; more options (--ca-path, --wait, --complete-index, --before-checks,
# --no-containerd) in ACCEPTANCE_ARGS. Tested on the emulated Harbor by tests/e2e/test_acceptance.py.
acceptance: setup
	$(PYTEST_ENV) $(BIN)/python -m ansible_collections.prewarm.harbor.acceptance.run --harbor "$(HARBOR)" --project "$(PROJECT)" \
		$(addprefix --image ,$(IMAGES)) $(addprefix --platform ,$(PLATFORMS)) $(ACCEPTANCE_ARGS)

# make bench BENCH_ARGS=--quick for a fast check; results in bench/results/.
bench: setup
	$(PYTEST_ENV) $(BIN)/python -m ansible_collections.prewarm.harbor.bench.run $(BENCH_ARGS)

build: setup
	$(BIN)/ansible-galaxy collection build --force --output-path build/dist .

clean:
	rm -rf build tests/output
