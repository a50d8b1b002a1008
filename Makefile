# Two commands matter on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PORT ?= 8000
MOTO_PORT ?= 5005
TICK_SECONDS ?= 60
STREAM_SECONDS ?= 1

PYTEST := $(PY) -m pytest
CHROMIUM ?= /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo -n)
APT_INSTALL := DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq --no-install-recommends \
	-o DPkg::Lock::Timeout=600 chromium fonts-dejavu-core

SCENARIO ?= events/scenarios/incidents.json

.PHONY: alarm bench-jobs simulate install run test lint typecheck unit functional concurrency property e2e cfn openapi token webhook job bench package clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check 'pip<26.3'
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) $(CHROMIUM)

# Headless Chromium opens the backtest's HTML report in its page test (tests/e2e/test_backtest_page.py).
# Debian's package, installed once (as root, or through sudo); lists are refreshed only if the install fails.
$(CHROMIUM):
	@echo 'installing Debian chromium for the page test'
	@$(SUDO) sh -c '$(APT_INSTALL) >/dev/null || { apt-get update -qq && $(APT_INSTALL) >/dev/null; }'

run: install
	$(PY) -m tools.local_stack --port $(PORT) --moto-port $(MOTO_PORT) --tick-seconds $(TICK_SECONDS) --stream-seconds $(STREAM_SECONDS)

# Every check: lint, types, the packaged template, then every suite (unit to e2e).
test: install lint typecheck cfn
	$(PYTEST)

lint: install
	$(PY) -m ruff check .

typecheck: install
	$(PY) -m mypy

unit: install
	$(PYTEST) tests/unit

functional: install
	$(PYTEST) tests/functional

concurrency: install
	$(PYTEST) tests/concurrency

property: install
	$(PYTEST) tests/property

e2e: install
	$(PYTEST) tests/e2e

cfn: package
	$(VENV)/bin/cfn-lint build/sam/sam.json

openapi: install
	$(PY) -m tools.openapi

token: install
	@test -n "$(FAN)" || { echo 'usage: make token FAN=<fan-id> [ADMIN=1]' >&2; exit 2; }
	@$(PY) -m tools.devtokens $(FAN) $(if $(ADMIN),--admin)

webhook: install
	@test -n "$(TYPE)" || { echo 'usage: make webhook TYPE=<event-type> [ID=<webhook-id>] [PLATFORM=youtube]' >&2; exit 2; }
	@$(PY) -m tools.devwebhooks $(TYPE) --port $(PORT) $(if $(PLATFORM),--platform $(PLATFORM)) $(if $(ID),--id $(ID))

job: install
	@test -n "$(JOB)" || { echo 'usage: make job JOB=<job> [KEY=<idempotency-key>]  (e.g. JOB=expire-points)' >&2; exit 2; }
	@$(PY) -m tools.run_job $(JOB) --port $(PORT) $(if $(KEY),--key $(KEY))

alarm: install
	@test -n "$(ALARM)" || { echo 'usage: make alarm ALARM=<alarm, e.g. Api5xxAlarm> [STATE=ALARM|OK]' >&2; exit 2; }
	@$(PY) -m tools.local_alarm $(ALARM) $(or $(STATE),ALARM) --moto-port $(MOTO_PORT)

bench: install
	$(PY) -m bench.run

# The backtest: a scenario replayed on a simulated clock; reports in build/backtest/ (docs/backtest.md).
simulate: install
	$(PY) -m backtest.cli $(SCENARIO) --out build/backtest

bench-jobs: install
	$(PY) -m bench.run --only recalculation --name recalculation

package: install
	$(PY) -m tools.package_template build/sam

clean:
	rm -rf build .mypy_cache .pytest_cache .ruff_cache .hypothesis
