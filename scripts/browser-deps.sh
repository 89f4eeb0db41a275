#!/usr/bin/env bash
# Installs what the browser tests need and PyPI cannot provide: Debian's Chromium, driven by the
# Python playwright package with executable_path=/usr/bin/chromium (playwright never downloads a
# browser of its own here). Runs apt-get only when Chromium is missing; needs root (or sudo).
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
echo "installing system packages: chromium (for the browser tests)"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "error: Chromium is missing; ask an administrator to run: apt-get install chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
