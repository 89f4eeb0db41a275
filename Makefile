# Every target sets up what it needs first: a fresh machine needs only `make build` or `make test`.
# Each target is a thin call of the CLI (microlearn, i.e. python -m pipeline).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-deps
JOBS ?= 0
LESSON ?=
# the lesson name as one quoted word (no globbing, no splitting); the CLI refuses names that leave content/ or build/
LESSON_ARG = $(if $(LESSON),'$(subst ','\'',$(LESSON))')
# LANG is also the locale variable every shell exports: only a LANG given on make's command line
# names the new lesson's language (and is checked by the CLI, which suggests ko for kr);
# otherwise the lesson takes the language of the messages (MICROLEARN_LANG or the locale).
NEW_LANG = $(if $(filter command line,$(origin LANG)),--lang "$(LANG)")
TESTS ?= tests
MARK ?=

.PHONY: build test check new clean review approve keygen verify publish studio bench setup system-deps browser-deps js-deps sftp-deps lrs-deps test-deps messages help

build: setup ## set up, then build every lesson in content/
	$(PY) -m pipeline build -j $(JOBS) $(LESSON_ARG)

test: setup test-deps ## set up, then lint (ruff) and run the test suite; MARK=pure|media|e2e|browser picks a layer
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n 2 $(if $(MARK),-m "$(MARK)") $(TESTS)

check: setup ## validate every lesson (no media work)
	$(PY) -m pipeline check $(LESSON_ARG)

new: setup ## scaffold a lesson: make new LESSON=my-lesson LANG=en|ru|ko
	@test -n "$(LESSON)" || { echo "usage: make new LESSON=my-lesson LANG=en|ru|ko"; exit 2; }
	$(PY) -m pipeline new "$(LESSON)" $(NEW_LANG)

review: setup ## build one lesson's review report: make review LESSON=my-lesson
	@test -n "$(LESSON)" || { echo "usage: make review LESSON=my-lesson"; exit 2; }
	$(PY) -m pipeline review "$(LESSON)"

approve: setup ## sign off a lesson: make approve LESSON=my-lesson REVIEWER="Your Name" KEY=path/to/key [ANSWERS=answers.yaml]
	@test -n "$(LESSON)" -a -n "$(REVIEWER)" -a -n "$(KEY)" || { echo 'usage: make approve LESSON=my-lesson REVIEWER="Your Name" KEY=path/to/key [ANSWERS=answers.yaml]'; exit 2; }
	$(PY) -m pipeline approve "$(LESSON)" --reviewer "$(REVIEWER)" --key "$(KEY)" $(if $(ANSWERS),--answers "$(ANSWERS)")

verify: setup ## check a bundle zip against its approval and reviewers.yaml: make verify BUNDLE=path/to/x-v1.zip [APPROVAL=approvals/x.json]
	@test -n "$(BUNDLE)" || { echo "usage: make verify BUNDLE=path/to/lesson-v1.zip [APPROVAL=approvals/lesson.json]"; exit 2; }
	$(PY) -m pipeline verify "$(BUNDLE)" $(if $(APPROVAL),--approval "$(APPROVAL)")

keygen: setup ## make a reviewer key: make keygen [KEY=~/.microlearn/reviewer.key] [NAME="Your Name"]; paste its two lines into reviewers.yaml
	$(PY) -m pipeline keygen "$(or $(KEY),$(HOME)/.microlearn/reviewer.key)" $(if $(NAME),--name "$(NAME)")

publish: setup ## build, then publish approved bundles and the catalog to the targets in publish.yaml (what CI runs)
	$(PY) -m pipeline publish -j $(JOBS)

studio: setup ## the studio: edit a lesson and see it live in the browser (make studio [LESSON=my-lesson])
	$(PY) -m pipeline studio $(LESSON)

bench: setup ## speed and accuracy benchmarks (figures in bench/results/)
	$(PY) -m pip install -q -r requirements-bench.lock
	$(PY) bench/run.py

clean: ## delete build outputs
	@if [ -x $(PY) ]; then $(PY) -m pipeline clean $(LESSON_ARG); elif [ -z "$(LESSON)" ]; then rm -rf build; else echo "make clean LESSON=...: run 'make build' first (it sets up the tool)"; exit 2; fi

setup: $(STAMP) $(SYSTEM_STAMP)

# checked once, then only when the list changes: a no-op `make build` must stay fast
$(SYSTEM_STAMP): scripts/system-deps.sh | $(STAMP)
	@bash scripts/system-deps.sh
	@touch $@

system-deps: ## check (and install) the Debian packages again, whatever the stamp says
	@bash scripts/system-deps.sh
	@touch $(SYSTEM_STAMP)

browser-deps:
	@bash scripts/browser-deps.sh

# the SCORM runtime the package tests use as the LMS, from the npm registry (tests/js/package-lock.json)
js-deps:
	@test -d tests/js/node_modules/scorm-again || npm ci --prefix tests/js --no-audit --no-fund --loglevel=error

# Debian's OpenSSH server for the SFTP publishing tests (started by the tests themselves)
sftp-deps:
	@bash scripts/sftp-test-deps.sh

# Ralph, the Learning Record Store the cmi5 tests send statements to (its own venv: tests/lrs/venv)
lrs-deps:
	@bash scripts/lrs-test-deps.sh

test-deps: browser-deps js-deps sftp-deps lrs-deps

# pip shows what it downloads and installs: the first setup takes minutes and must not look stuck
$(STAMP): requirements.lock pyproject.toml
	@echo "setting up .venv: installing the Python packages of requirements.lock (the first time takes a few minutes)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# after changing messages: extract them from the code and templates, merge into the ru and ko
# catalogs, and compile (the .mo files are committed; tests/test_i18n.py checks they are current)
messages: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k N_ -k _n:1,2 --no-location --sort-output --omit-header -o pipeline/locale/microlearn.pot .
	$(VENV)/bin/pybabel update -i pipeline/locale/microlearn.pot -d pipeline/locale -D microlearn --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date --width 120
	$(VENV)/bin/pybabel compile -d pipeline/locale -D microlearn --statistics

help:
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'
