#!/usr/bin/env bash
# Installs the Learning Record Store the cmi5 tests send statements to: Ralph (ralph-malph on PyPI),
# in a venv of its own (tests/lrs/venv) from the exact versions in tests/lrs/requirements.lock, so
# its dependencies never mix with the tool's. The tests start it on a loopback port they choose.
# Does nothing when that venv is already complete.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=tests/lrs/venv
stamp=$venv/.installed
[ -f "$stamp" ] && [ "$stamp" -nt tests/lrs/requirements.lock ] && exit 0
echo "installing the test LRS (Ralph) into $venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r tests/lrs/requirements.lock
touch "$stamp"
