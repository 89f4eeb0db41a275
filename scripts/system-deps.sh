#!/usr/bin/env bash
# Installs the Debian packages the tool needs and PyPI cannot provide:
#   espeak-ng  - speech synthesis for narration and caption alignment (en, ru, ko)
#   fonts-nanum - Hangul fonts for Korean cards (DejaVu covers Latin and Cyrillic)
#   fonts-dejavu-core, fonts-dejavu-extra - DejaVu, with the oblique and condensed faces themes use
#   libpango-1.0-0, libpangoft2-1.0-0 - text layout for WeasyPrint, which draws the cards
#   libharfbuzz-subset0 - fast font subsetting for the card PDFs (fontTools' fallback is ~30x slower)
# Runs apt-get only when something is missing; needs root (or sudo) for that.
# `make` runs it once and again only when this file changes (stamp .venv/.system-deps).
set -euo pipefail

missing=()
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || missing+=("fonts-nanum=20200506-1")
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf ] || missing+=(fonts-dejavu-extra)
# The library cache is read once into a variable and searched there. Piping `ldconfig -p` into
# `grep -q` under pipefail is flaky: grep exits at the first match, ldconfig then dies of SIGPIPE
# and the pipeline reports failure for a library that is installed.
libraries="$(/sbin/ldconfig -p 2>/dev/null || true)"
have_lib() { [[ "$libraries" == *"$1"* ]]; }
have_lib 'libpango-1.0.so.0' || missing+=(libpango-1.0-0)
have_lib 'libpangoft2-1.0.so.0' || missing+=(libpangoft2-1.0-0)
have_lib 'libharfbuzz-subset.so.0' || missing+=(libharfbuzz-subset0)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "error: these Debian packages are missing: ${missing[*]}" >&2
  echo "       ask an administrator to run: apt-get install ${missing[*]%%=*}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  # a pinned version can leave the archive after a point release: take the current one, and say so
  echo "warning: pinned versions unavailable, installing current ones" >&2
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]%%=*}" >/dev/null
fi
