# Two commands: `make run` (set up and serve the portal with demo data) and `make test`.
SHELL := /bin/bash
PY ?= python3.11
PYTEST_ARGS ?= -n 2
VENV := .venv
BIN := $(VENV)/bin
SYS_PACKAGES := redis-server fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils chromium gettext
PROD_ENV := DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-production-like-secret-key-value ALLOWED_HOSTS=portal.example.gov.cn SECURE_COOKIES=1

.PHONY: run test lint check sysdeps venv messages migrate demo stop bench cases clean

$(BIN)/python:
	@command -v $(PY) >/dev/null || PY=python3; $${PY:-$(PY)} -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	@touch $@

venv: $(VENV)/.installed .env

# Local development settings (DEBUG and a random secret); production sets these in its environment.
.env:
	@printf 'DEBUG=1\nSECRET_KEY=%s\n' "$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "wrote .env (DEBUG=1, random SECRET_KEY) for local use"

# System packages through apt-get, only those missing (as root, or with sudo).
sysdeps:
	@missing=""; for p in $(SYS_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

messages: venv
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

migrate: venv
	$(BIN)/python manage.py migrate --noinput -v 0

demo: migrate
	$(BIN)/python manage.py load_demo

run: sysdeps venv messages migrate
	@$(BIN)/python manage.py load_demo --once
	@exec ./bin/run-portal

stop:
	-$(BIN)/python -m enclave_portal.db stop

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: venv messages
	$(BIN)/python manage.py makemigrations --check --dry-run -v 1
	$(PROD_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING

test: sysdeps venv lint check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

cases: venv
	$(BIN)/python ../shared/spec/run_cases.py --project .

bench: venv
	$(BIN)/python bench/payout_run.py
	$(BIN)/python bench/register_pdf.py
	$(BIN)/python bench/projection.py

clean: stop
	rm -rf $(VENV) .data
