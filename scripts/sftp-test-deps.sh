#!/usr/bin/env bash
# Installs what the SFTP publishing tests need and PyPI cannot provide: Debian's OpenSSH server.
# The tests run /usr/sbin/sshd as their own child process (own config, throwaway host and user keys,
# a loopback port they choose); the system service is never started or enabled by this script.
# Runs apt-get only when sshd is missing; needs root (or sudo).
set -euo pipefail
[ -x /usr/sbin/sshd ] && exit 0
echo "installing system packages: openssh-server (for the SFTP publishing tests)"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "error: /usr/sbin/sshd is missing; ask an administrator to run: apt-get install openssh-server" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d answer 101: packages must not start services here (a container, CI); tests start sshd
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  made_policy=1
fi
trap '[ -n "$made_policy" ] && $sudo rm -f "$policy"' EXIT
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends openssh-server >/dev/null
