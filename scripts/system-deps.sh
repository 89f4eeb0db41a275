#!/usr/bin/env bash
# Installs the Debian packages the tool needs and PyPI cannot provide:
#   espeak-ng  - speech synthesis for narration and caption alignment (en, ru, ko)
#   fonts-nanum - Hangul fonts for Korean cards (DejaVu, already on Debian, covers Latin and Cyrillic)
# Runs apt-get only when something is missing; needs root (or sudo) for that.
set -euo pipefail

missing=()
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || missing+=("fonts-nanum=20200506-1")
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "error: these Debian packages are missing: ${missing[*]}" >&2
  echo "       ask an administrator to run: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  # a pinned version can leave the archive after a point release: take the current one, and say so
  echo "warning: pinned versions unavailable, installing current ones" >&2
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]%%=*}" >/dev/null
fi
