# Every target sets up what it needs first: a fresh machine needs only `make build` or `make test`.
# Each target is a thin call of the CLI (microlearn, i.e. python -m pipeline).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= 0
LESSON ?=
# the lesson name as one quoted word (no globbing, no splitting); the CLI refuses names that leave content/ or build/
LESSON_ARG = $(if $(LESSON),'$(subst ','\'',$(LESSON))')
LESSON_LANG = $(if $(filter en ru ko,$(LANG)),$(LANG),en)
TESTS ?= tests

.PHONY: build test check new clean review approve verify publish studio bench setup system-deps browser-deps js-deps sftp-deps lrs-deps test-deps help

build: setup ## set up, then build every lesson in content/
	$(PY) -m pipeline build -j $(JOBS) $(LESSON_ARG)

test: setup test-deps ## set up, then run the test suite
	$(PY) -m pytest -q -n 2 $(TESTS)

check: setup ## validate every lesson (no media work)
	$(PY) -m pipeline check $(LESSON_ARG)

new: setup ## scaffold a lesson: make new LESSON=my-lesson LANG=en|ru|ko
	@test -n "$(LESSON)" || { echo "usage: make new LESSON=my-lesson LANG=en|ru|ko"; exit 2; }
	$(PY) -m pipeline new "$(LESSON)" --lang "$(LESSON_LANG)"

review: setup ## build one lesson's review report: make review LESSON=my-lesson
	@test -n "$(LESSON)" || { echo "usage: make review LESSON=my-lesson"; exit 2; }
	$(PY) -m pipeline review "$(LESSON)"

approve: setup ## sign off a lesson: make approve LESSON=my-lesson REVIEWER="Your Name" KEY=path/to/key [ANSWERS=answers.yaml]
	@test -n "$(LESSON)" -a -n "$(REVIEWER)" -a -n "$(KEY)" || { echo 'usage: make approve LESSON=my-lesson REVIEWER="Your Name" KEY=path/to/key [ANSWERS=answers.yaml]'; exit 2; }
	$(PY) -m pipeline approve "$(LESSON)" --reviewer "$(REVIEWER)" --key "$(KEY)" $(if $(ANSWERS),--answers "$(ANSWERS)")

verify: setup ## check a bundle zip against its approval and reviewers.yaml: make verify BUNDLE=path/to/x-v1.zip [APPROVAL=approvals/x.json]
	@test -n "$(BUNDLE)" || { echo "usage: make verify BUNDLE=path/to/lesson-v1.zip [APPROVAL=approvals/lesson.json]"; exit 2; }
	$(PY) -m pipeline verify "$(BUNDLE)" $(if $(APPROVAL),--approval "$(APPROVAL)")

publish: setup ## build, then publish approved bundles and the catalog to the targets in publish.yaml (what CI runs)
	$(PY) -m pipeline publish -j $(JOBS)

studio: setup ## the studio: edit a lesson and see it live in the browser (make studio [LESSON=my-lesson])
	$(PY) -m pipeline studio $(LESSON)

bench: setup ## speed and accuracy benchmarks (figures in bench/results/)
	$(PY) -m pip install -q -r requirements-bench.lock
	$(PY) bench/run.py

clean: ## delete build outputs
	@if [ -x $(PY) ]; then $(PY) -m pipeline clean $(LESSON_ARG); elif [ -z "$(LESSON)" ]; then rm -rf build; else echo "make clean LESSON=...: run 'make build' first (it sets up the tool)"; exit 2; fi

setup: $(STAMP) system-deps

system-deps:
	@bash scripts/system-deps.sh

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

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

help:
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'
